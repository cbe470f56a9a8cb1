"""A small Medical Records Review cycle in the browser: the analyst creates it and draws the
sample, two reviewers answer (some records twice), the analyst reads rates and kappa."""

from __future__ import annotations

import re
from typing import Any

from between.accounts import actions as account_actions
from between.accounts.models import Role, User
from between.clinic.models import Program
from between.synth.demo import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible
from tests.browser.test_clinician_walk import sign_in


def second_reviewer() -> None:
    user = account_actions.create_user(
        None, username="demo-reviewer-2", first_name="Ravi", last_name="Osei",
        password=DEMO_PASSWORD,
    )  # fmt: skip
    for program in Program.objects.all():
        account_actions.grant_role(None, user, program, Role.REVIEWER)


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/sign-in/**")


def answer_my_records(page: Any, base: str, username: str) -> int:
    sign_in(page, base, username)
    page.goto(f"{base}/reviews/")
    page.get_by_role("link", name="Browser cycle").click()
    links = page.get_by_role("link", name=re.compile(r"^Record \d+$"))
    count = links.count()
    links.first.click()
    page.wait_for_url("**/reviews/records/*/")
    assert_accessible(page)
    for i in range(count):
        # Keyboard-friendly: each question is a radio group; choose, then submit.
        page.get_by_role("group").nth(0).get_by_label("Yes", exact=True).check()
        page.get_by_role("group").nth(1).get_by_label("Not applicable").check()
        if i == 0 and username.endswith("-2"):  # one disagreement
            page.get_by_role("group").nth(0).get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Submit and go to the next").click()
        page.wait_for_load_state()
    assert "/reviews/" in page.url
    sign_out(page)
    return count


def test_it_runs_a_small_cycle_with_double_review(
    live_server: Any, demo_county: None, page: Any
) -> None:
    second_reviewer()
    base = live_server.url
    sign_in(page, base, "demo-analyst")
    page.get_by_role("link", name="Records review").click()
    page.wait_for_url("**/reviews/")
    assert_accessible(page)
    page.get_by_label("Name").fill("Browser cycle")
    page.get_by_role("group", name="Programs").get_by_role("checkbox").first.check()
    page.get_by_label("Sessions from").fill("2026-01-01")
    page.get_by_label("Sessions until").fill("2026-12-31")
    page.get_by_label("Sampling rule").select_option("per_program")
    page.get_by_label("Sessions per clinician or program").fill("4")
    page.get_by_label("Seed").fill("11")
    page.get_by_label("Share reviewed twice (0–1)").fill("0.5")
    reviewers = page.get_by_role("group", name="Reviewers").get_by_role("checkbox")
    for i in range(reviewers.count()):
        reviewers.nth(i).check()
    with page.expect_navigation(timeout=30000):
        page.get_by_role("button", name="Create the cycle").click()
    problems = page.locator(".error, .errors").all_inner_texts()
    assert re.search(r"/reviews/\d+/$", page.url), problems
    page.get_by_role("button", name="Draw the sample").click()
    page.wait_for_load_state()
    assert page.get_by_text("4 sessions drawn.").is_visible()
    assert_accessible(page)
    sign_out(page)

    first = answer_my_records(page, base, "demo-reviewer")
    second = answer_my_records(page, base, "demo-reviewer-2")
    assert first + second == 6  # 4 records, 2 of them twice

    sign_in(page, base, "demo-analyst")
    page.goto(f"{base}/reviews/")
    page.get_by_role("link", name="Browser cycle").click()
    results = page.get_by_role("region", name="Results")
    assert results.get_by_role("row").nth(1).get_by_role("cell").nth(4).inner_text() == "2"
    kappa = results.get_by_role("row").nth(1).get_by_role("cell").nth(6).inner_text()
    assert kappa not in ("", "—")
    assert page.get_by_text("Documentation gap").is_visible()
    assert_accessible(page)
    assert User.objects.filter(username="demo-reviewer-2").exists()
    sign_out(page)

    sign_in(page, base, "demo-supervisor")
    page.goto(f"{base}/reviews/feedback/")
    assert page.get_by_role("heading", name="Records review feedback").is_visible()
    assert_accessible(page)
