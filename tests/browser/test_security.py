"""Two-step sign-in set up in the browser, and the idle warning before the time-out: both
pages axe-clean; "Stay signed in" keeps the session, silence ends it."""

from __future__ import annotations

from typing import Any

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsFixture

from between.accounts.models import User
from tests.browser.conftest import assert_accessible
from tests.browser.test_clinician_walk import sign_in


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_it_sets_up_two_step_sign_in(
    live_server: Any, demo_county: None, page: Any, settings: SettingsFixture
) -> None:
    settings.MFA_REQUIRED = True
    base = live_server.url
    sign_in(page, base, "demo-clinician")
    page.wait_for_url("**/accounts/two-step/set-up/**")
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert_accessible(page)

    device = TOTPDevice.objects.get(user=User.objects.get(username="demo-clinician"))
    page.get_by_label("Code from the app").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator("ul.codes li").count() == 10
    assert_accessible(page)
    page.get_by_role("link", name="I have saved my codes").click()
    assert page.get_by_role("heading", name="My caseload").is_visible()


def test_it_warns_before_the_idle_time_out(
    live_server: Any, demo_county: None, page: Any, settings: SettingsFixture
) -> None:
    settings.STAFF_IDLE_MINUTES = 3
    base = live_server.url
    page.clock.install()
    sign_in(page, base, "demo-clinician")
    dialog = page.locator("dialog#idle-warning")
    assert not dialog.is_visible()

    page.clock.fast_forward("01:05")  # 3 minutes, warned 1 minute before: not yet
    assert not dialog.is_visible()
    page.clock.fast_forward("01:00")
    assert dialog.is_visible()
    assert page.get_by_role("heading", name="Are you still there?").is_visible()
    assert_accessible(page)

    with page.expect_response("**/accounts/keepalive/") as answer:
        page.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 204
    page.wait_for_function("!document.getElementById('idle-warning').open")
    assert not dialog.is_visible()
