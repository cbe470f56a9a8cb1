"""The demo clinician signs in, opens a client, switches to Spanish; every page is axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from between.synth.demo import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/")
    assert "/accounts/sign-in/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/sign-in/" not in url)


def test_it_walks_the_clinician_through_the_pages_in_both_languages(
    live_server: Any, demo_county: None, page: Any
) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/sign-in/")
    assert_accessible(page)

    sign_in(page, base, "demo-clinician")
    assert page.get_by_role("heading", name="My caseload").is_visible()
    assert_accessible(page)

    page.get_by_role("table").get_by_role("link").first.click()
    page.wait_for_url("**/clients/*/")
    assert page.get_by_role("heading", name="Sessions and notes").is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Sesiones y notas").is_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Ruta de navegación").get_by_role(
        "link", name="Inicio"
    ).click()
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page)


def test_it_fits_a_360_pixel_phone(live_server: Any, demo_county: None, page: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server.url, "demo-clinician")
    page.get_by_role("table").get_by_role("link").first.click()
    page.wait_for_url("**/clients/*/")
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert_accessible(page)


@pytest.mark.parametrize(
    "username",
    [
        "demo-supervisor",
        "demo-analyst",
        "demo-trainer",
        "demo-reviewer",
        "demo-admin",
        "demo-family",
    ],
)
def test_it_signs_in_every_demo_role_to_an_accessible_home(
    live_server: Any, demo_county: None, page: Any, username: str
) -> None:
    sign_in(page, live_server.url, username)
    expected = "/family/today/" if username == "demo-family" else "/"
    assert page.url == f"{live_server.url}{expected}"
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)
