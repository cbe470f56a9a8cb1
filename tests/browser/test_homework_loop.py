"""The homework loop in the browser, as a clinician does it inside a session:
review with barriers and strategy, assign, copy the note sentence, print the handout in Spanish.
And the common case — review one assignment and give it again — in at most four interactions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from between.clinic import actions as clinic_actions
from between.clinic.models import Session
from between.homework import actions as homework_actions
from between.homework.catalogs import seed_catalogs
from between.homework.models import Assignment, Barrier, HomeworkTemplate, Review, Strategy
from tests.browser.conftest import assert_accessible
from tests.conftest import PASSWORD, County


@pytest.fixture
def loop(transactional_db: None, county: County) -> dict[str, Any]:
    """Kai had a session a week ago with breathing homework and three logs; today's session
    is recorded and open."""
    # Live-server tests empty every table afterwards, migration data included.
    seed_catalogs(Barrier, Strategy)
    homework_actions.load_library()
    today = clinic_actions.today()
    earlier = clinic_actions.record_session(
        county.clinician, county.client, occurred_on=today - timedelta(days=7)
    )
    breathing = HomeworkTemplate.objects.get(key="belly-breathing")
    given = homework_actions.assign_homework(
        county.clinician,
        earlier,
        template_version=breathing.current,
        assignee="youth",
        frequency_per_week=7,
        language="es",
        written_copy_given=True,
    )
    for days_ago, completion in ((6, "done"), (5, "done"), (3, "partly")):
        homework_actions.log_practice(
            None,
            given,
            practiced_on=today - timedelta(days=days_ago),
            completion=completion,
            source="portal",
            idempotency_key=f"log-{days_ago}",
        )
    now = clinic_actions.record_session(
        county.clinician, county.client, occurred_on=today, caregiver_attended=True
    )
    return {"county": county, "session": now, "given": given}


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_it_walks_the_whole_loop(live_server: Any, loop: dict[str, Any], page: Any) -> None:
    base, session, given = live_server.url, loop["session"], loop["given"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_in(page, base, "carla")
    page.get_by_role("link", name="Kai Lopez").click()
    page.locator("#sessions").get_by_role("link", name="Homework").first.click()
    page.wait_for_url(f"**/sessions/{session.pk}/")
    assert_accessible(page)

    card = page.locator(f"#assignment-{given.pk}")
    assert "3 times" in card.inner_text()
    card.get_by_label("Done partly").check()
    card.get_by_text("If partly or not done").click()
    card.get_by_label("Forgot").check()
    card.get_by_label("No time").check()
    card.get_by_label("Set a reminder").check()
    card.get_by_role("button", name="Save review").click()
    page.locator(f"#assignment-{given.pk} .reviewed").wait_for()
    review = Review.objects.get(assignment=given, session=session)
    assert review.completion == "partial"
    assert sorted(b.code for b in review.barriers.all()) == ["forgot", "no-time"]

    page.get_by_label("Search the library").fill("special time")
    page.get_by_label("Special time: child-led play").check()
    page.get_by_label("Youth and caregiver").check()
    page.get_by_label("Rationale explained").check()
    page.get_by_label("Designed together").check()
    page.get_by_label("Practiced in session").check()
    page.get_by_label("Family's confidence (0–10)").select_option("8")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_text("Homework assigned.").wait_for()
    new = Assignment.objects.get(session=session)
    assert new.quality_count == 3 and new.confidence == 8
    assert_accessible(page)

    note = page.locator("#note-sentence").input_value()
    assert note.startswith("Reviewed homework assigned")
    assert "completed partly; barriers: forgot and no time; plan agreed: set a reminder." in note
    assert "family's confidence 8/10." in note
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == note

    with page.context.expect_page() as handout_page:
        page.get_by_role("link", name="Handout", exact=False).click()
    handout = handout_page.value
    handout.goto(f"{base}/assignments/{new.pk}/handout/?lang=es")
    assert handout.locator("html").get_attribute("lang") == "es"
    assert handout.get_by_role("heading", name="Cómo practicar").is_visible()
    assert new.code in handout.inner_text("main")
    handout.emulate_media(media="print")
    assert not handout.locator(".site-header").is_visible()
    handout.emulate_media(media="screen")
    assert_accessible(handout)


def test_it_reviews_and_reassigns_on_a_tablet_in_four_interactions_at_most(
    live_server: Any, loop: dict[str, Any], page: Any
) -> None:
    base, session, given = live_server.url, loop["session"], loop["given"]
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet in portrait
    sign_in(page, base, "carla")
    page.goto(f"{base}/sessions/{session.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    card = page.locator(f"#assignment-{given.pk}")
    interactions = 0

    card.get_by_label("Done fully").check()
    interactions += 1
    card.get_by_role("button", name="Save review").click()
    interactions += 1
    page.locator(f"#assignment-{given.pk} .reviewed").wait_for()
    page.locator(f"#assignment-{given.pk}").get_by_role("button", name="Same as last time").click()
    interactions += 1
    page.get_by_text("Homework assigned again.").wait_for()

    assert interactions <= 4
    assert Review.objects.get(assignment=given, session=session).completion == "full"
    again = Assignment.objects.get(session=session)
    assert again.template_version_id == given.template_version_id
    assert Session.objects.get(pk=session.pk).pk == session.pk
    assert_accessible(page)
