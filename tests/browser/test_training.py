"""A training in the browser on the demo county: the trainer adds an event of a seeded course,
records a clinician's attendance and scores, and opens the certificate; the course page shows
its knowledge check. Every page passes axe-core."""

from __future__ import annotations

from typing import Any

from between.clinic.actions import today
from tests.browser.conftest import assert_accessible
from tests.browser.test_clinician_walk import sign_in


def test_it_runs_a_training_to_a_certificate(
    live_server: Any, demo_county: None, page: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "demo-trainer")
    page.get_by_role("link", name="Trainings", exact=True).click()
    page.wait_for_url("**/trainings/")
    assert_accessible(page)
    page.get_by_role("link", name="Using therapeutic homework effectively").click()
    assert page.get_by_role("heading", name="Knowledge check", exact=True).is_visible()
    assert page.get_by_text("Answer:").first.is_visible()  # trainers see the answer key
    assert_accessible(page)
    page.go_back()

    form = page.locator("form", has=page.get_by_role("heading", name="New training event"))
    form.get_by_label("Course").select_option(label="Using therapeutic homework effectively")
    form.get_by_label("Held on").fill(today().isoformat())
    form.get_by_label("Mode").select_option("online")
    with page.expect_navigation():
        form.get_by_role("button", name="Add the event").click()
    assert page.get_by_role("heading", name="Attendance and scores").is_visible()

    record = page.locator("form", has=page.get_by_role("heading", name="Record attendance"))
    record.get_by_label("Clinician").select_option(index=1)
    record.get_by_label("Pre-test score (0–10)").fill("5")
    record.get_by_label("Post-test score (0–10)").fill("9")
    with page.expect_navigation():
        record.get_by_role("button", name="Save attendance").click()
    assert page.get_by_text("Attendance saved.").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Certificate", exact=True).click()
    page.wait_for_url("**/certificate/")
    assert page.get_by_role("heading", name="Certificate of completion").is_visible()
    assert_accessible(page)
