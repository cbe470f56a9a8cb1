"""The family portal on a phone (360 × 740): a clinician prints an invitation for Kai's mother;
she sets a PIN, signs in with her phone number, switches to Spanish, logs practice in one tap
and adds a note; the clinician sees it, with the note and who logged it, in the next session's
review card. axe-core is clean on every family page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from between.clinic import actions as clinic_actions
from between.homework import actions as homework_actions
from between.homework.catalogs import seed_catalogs
from between.homework.models import Assignment, Barrier, HomeworkTemplate, PracticeLog, Strategy
from tests.browser.conftest import assert_accessible
from tests.browser.test_homework_loop import sign_in
from tests.conftest import County

PHONE = {"width": 360, "height": 740}
PIN = "4831"


@pytest.fixture
def given(transactional_db: None, county: County) -> Assignment:
    """Belly breathing, given to Kai a week ago in Spanish."""
    seed_catalogs(Barrier, Strategy)  # live-server tests empty every table afterwards
    homework_actions.load_library()
    earlier = clinic_actions.record_session(
        county.clinician, county.client, occurred_on=clinic_actions.today() - timedelta(days=7)
    )
    return homework_actions.assign_homework(
        county.clinician,
        earlier,
        template_version=HomeworkTemplate.objects.get(key="belly-breathing").current,
        assignee="both",
        frequency_per_week=7,
        language="es",
    )


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """The mother's own phone: a separate browser context, no shared cookies."""
    context = browser.new_context(bypass_csp=True, locale="en-US", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_it_invites_a_mother_who_logs_practice_on_her_phone(
    live_server: Any, county: County, given: Assignment, page: Any, phone: Any
) -> None:
    base = live_server.url
    # The clinician prints an invitation from Kai's page.
    page.set_viewport_size(PHONE)
    sign_in(page, base, "carla")
    page.get_by_role("link", name="Kai Lopez").click()
    page.get_by_role("link", name="Invite to the family portal").click()
    page.get_by_label("Maria Lopez (caregiver)").check()
    page.get_by_label("Printed code").check()
    page.get_by_role("button", name="Invite", exact=True).click()
    code = page.locator("#invitation-code").inner_text()
    assert len(code) == 9 and code[4] == "-"
    assert page.locator("article.handout").get_attribute("lang") == "es"
    assert_accessible(page)

    # The mother sets a PIN with the code from the paper.
    phone.goto(f"{base}/family/join/")
    assert_accessible(phone)
    phone.get_by_label("Your code").fill(code.lower())
    phone.get_by_label("Choose a PIN (4 to 6 numbers)").fill(PIN)
    phone.get_by_label("Type the PIN again").fill(PIN)
    phone.get_by_role("button", name="Save my PIN").click()
    phone.wait_for_url(f"{base}/family/today/")
    phone.get_by_role("button", name="Sign out").click()

    # Later she signs in with her phone number and PIN.
    phone.wait_for_url(f"{base}/family/sign-in/")
    assert_accessible(phone)
    phone.get_by_label("Phone number or family code").fill("(619) 555-0100")
    phone.get_by_label("PIN").fill(PIN)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"{base}/family/today/")
    phone.get_by_role("button", name="Español").click()
    phone.wait_for_function("document.documentElement.lang === 'es'")
    assert fits_the_screen(phone)
    assert_accessible(phone)

    # One tap, then a note.
    card = phone.locator(f"#homework-{given.pk}")
    card.get_by_role("button", name="Sí", exact=True).click()
    phone.locator(f"#homework-{given.pk} .saved").wait_for()
    log = PracticeLog.objects.get()
    assert (log.completion, log.source, log.logged_by) == ("done", "portal", county.family)
    card = phone.locator(f"#homework-{given.pk}")
    card.get_by_label("Una nota corta (opcional)").fill("Lo hicimos antes de dormir.")
    card.get_by_label("7", exact=True).check()
    card.get_by_role("button", name="Guardar detalles").click()
    phone.get_by_text("Sus detalles están guardados").wait_for()
    log.refresh_from_db()
    assert log.note == "Lo hicimos antes de dormir." and log.rating == 7
    assert PracticeLog.objects.count() == 1
    assert_accessible(phone)

    # The other family pages, in Spanish, at phone size.
    for path in ("week", "help", f"homework/{given.pk}/reminders"):
        phone.goto(f"{base}/family/{path}/")
        assert phone.locator("html").get_attribute("lang") == "es"
        assert fits_the_screen(phone), path
        assert_accessible(phone)

    # The clinician's next session shows the log, its note and who logged it.
    session = clinic_actions.record_session(
        county.clinician, county.client, occurred_on=clinic_actions.today()
    )
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(f"{base}/sessions/{session.pk}/")
    review = page.locator(f"#assignment-{given.pk}").inner_text()
    assert "Lo hicimos antes de dormir." in review
    assert "helpful 7/10" in review
    assert "Family portal, Maria Lopez" in review
    assert_accessible(page)


def test_it_keeps_one_log_when_the_answer_to_a_tap_is_lost(
    live_server: Any, county: County, given: Assignment, phone: Any
) -> None:
    """The server saved the tap but the phone never heard back: tapping again sends the same
    key, and there is still one log."""
    from between.portal import actions

    issued = actions.invite(
        county.clinician, county.client, channel="print", caregiver=county.caregiver
    )
    actions.accept_invitation(code=issued.code, pin=PIN, language="en")
    base = live_server.url
    phone.goto(f"{base}/family/sign-in/")
    phone.get_by_label("Phone number or family code").fill("6195550100")
    phone.get_by_label("PIN").fill(PIN)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(f"{base}/family/today/")

    keys: list[str] = []

    def lose_the_first_answer(route: Any) -> None:
        keys.append(route.request.post_data or "")
        if len(keys) == 1:
            route.fetch()  # the server gets it and saves the log...
            route.abort()  # ...but the answer never arrives
        else:
            route.continue_()

    phone.route("**/family/homework/*/log/", lose_the_first_answer)
    card = phone.locator(f"#homework-{given.pk}")
    card.get_by_role("button", name="Yes", exact=True).click()
    phone.get_by_text("No connection. Please tap again").wait_for()
    assert PracticeLog.objects.count() == 1
    card.get_by_role("button", name="Yes", exact=True).click()
    phone.locator(f"#homework-{given.pk} .saved").wait_for()
    assert PracticeLog.objects.count() == 1
    assert len(keys) == 2
    key_of = [k.split("idempotency_key=")[1].split("&")[0] for k in keys]
    assert key_of[0] == key_of[1]
    assert_accessible(phone)
