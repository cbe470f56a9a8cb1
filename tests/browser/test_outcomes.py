"""Outcome questionnaires in the browser: Carla enters Kai's PSC-35 intake in Spanish and sees
the score; Maria answers a follow-up on her phone; Sam reads the analysis. axe-core is clean on
every outcome page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.test import Client as HttpClient

from between.clinic import actions as clinic_actions
from between.outcomes.models import Administration
from tests.browser.conftest import assert_accessible
from tests.browser.test_homework_loop import sign_in
from tests.conftest import County

PHONE = {"width": 360, "height": 740}


def signed_in_as(page: Any, base: str, user: Any) -> None:
    """A session cookie for the user (the family sign-in has its own browser test)."""
    http = HttpClient()
    http.force_login(user)
    cookie = http.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])


def test_it_records_and_shows_questionnaires(
    live_server: Any, transactional_db: None, county: County, page: Any, browser: Any
) -> None:
    base = live_server.url
    clinic_actions.record_session(
        county.clinician,
        county.client,
        occurred_on=clinic_actions.today() - timedelta(days=100),
        is_intake=True,
    )
    sign_in(page, base, "carla")
    page.goto(f"{base}/outcomes/clients/{county.client.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Pediatric Symptom Checklist (PSC-35)").click()
    assert page.get_by_text("Se queja de dolores y malestares").is_visible()
    assert_accessible(page)
    page.get_by_label("Occasion").select_option("intake")
    page.get_by_label("Date the form was answered").fill(
        (clinic_actions.today() - timedelta(days=99)).isoformat()
    )
    for n in range(1, 36):
        page.locator(f"input[name='item_psc{n:02d}'][value='1']").check()
    page.get_by_role("button", name="Save the questionnaire").click()
    page.get_by_text("The questionnaire is saved.").wait_for()
    assert Administration.objects.get().total == 35
    assert_accessible(page)

    # Maria, on her phone, is asked for the 90-day follow-up.
    context = browser.new_context(bypass_csp=True, locale="en-US", viewport=PHONE)
    phone = context.new_page()
    signed_in_as(phone, base, county.family)
    phone.goto(f"{base}/outcomes/family/")
    assert_accessible(phone)
    phone.get_by_role("link", name="PSC-35").click()
    assert_accessible(phone)
    for n in range(1, 36):
        phone.locator(f"input[name='item_psc{n:02d}'][value='0']").check()
    phone.get_by_role("button", name="Send my answers").click()
    phone.get_by_text("Thank you! Your answers are saved.").wait_for()
    assert Administration.objects.filter(occasion="follow_up", source="portal").count() == 1
    context.close()

    # Sam, the supervisor, reads the analysis.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "sam")
    page.goto(f"{base}/outcomes/analysis/")
    assert_accessible(page)
