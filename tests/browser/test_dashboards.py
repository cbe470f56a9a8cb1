"""The indicator dashboards in the browser: a supervisor filters and drills down, an analyst sees
suppressed counts, both languages; every page axe-clean, and it fits a phone."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_accessible
from tests.browser.test_clinician_walk import sign_in


def test_it_lets_a_supervisor_filter_and_drill_down(
    live_server: Any, demo_county: None, page: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "demo-supervisor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Indicators").click()
    page.wait_for_url("**/indicators/")
    assert page.locator("figure.chart svg").count() == 1
    assert page.get_by_text("Data as of").is_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Programs").get_by_role("link").first.click()
    page.wait_for_url("**/indicators/programs/*/")
    page.get_by_label("Break down by").select_option("clinician")
    page.get_by_label("Chart", exact=True).select_option("laney")
    page.get_by_label("New limits from each intervention").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**breakdown=clinician**")
    assert page.get_by_role("heading", name="By clinician, all periods").is_visible()
    assert page.locator("figure.chart svg").count() == 1
    assert "Laney" in page.locator("figure.chart figcaption").inner_text()
    assert_accessible(page)

    page.locator("#breakdown-title + .table-wrap").get_by_role("link").first.click()
    page.wait_for_url("**/indicators/clinicians/*/")
    assert page.locator("figure.chart svg").count() == 1
    assert_accessible(page)

    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Definición").is_visible()
    assert_accessible(page)


def test_it_shows_an_analyst_suppressed_counts(
    live_server: Any, demo_county: None, page: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "demo-analyst")
    page.goto(f"{base}/indicators/?grain=quarter&breakdown=age_band")
    assert page.get_by_text("are hidden").first.is_visible()
    assert_accessible(page)


def test_it_fits_a_360_pixel_phone(live_server: Any, demo_county: None, page: Any) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, base, "demo-supervisor")
    page.goto(f"{base}/indicators/")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => !el.closest('.table-wrap'))
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
            .map(el => el.tagName + '.' + el.className)"""
    )
    assert wide == []
    assert_accessible(page)
