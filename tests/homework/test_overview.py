"""Around the session: the supervisor's view per clinician (30 and 90 days, with drill-down),
the clinician's week, the client's timeline with its practice calendar, and logging practice
on the family's behalf."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.accounts import actions as account_actions
from between.accounts.models import Role, User
from between.clinic import actions as clinic_actions
from between.clinic.models import Session
from between.homework import actions
from between.homework.models import Assignment, PracticeLog
from tests.conftest import County, make_user
from tests.homework.factories import attended, days_ago, give, library_item

ALL_FIVE: dict[str, Any] = {
    "rationale_explained": True,
    "designed_together": True,
    "practiced_in_session": True,
    "written_copy_given": True,
    "obstacles_discussed": True,
}


@dataclass
class Quarter:
    """Carla's sessions with Kai over the last 90 days.

    - 60 days ago: homework given with all five quality elements (only in the 90-day window;
      too old to count as open at later sessions);
    - 25 days ago: an intake (excluded);
    - 20 days ago: homework A1 given with 4 elements (eligible, assigned, nothing open);
    - 14 days ago: a crisis, no homework (excluded);
    - 10 days ago: A1 reviewed (partly done), A2 given with 1 element (assigned, reviewed);
    - 5 days ago: the family declined homework, A2 "not reviewed today" (counted, open, not
      reviewed);
    - 3 days ago: a no-show (not eligible);
    - 2 days ago: nothing recorded (counted, A2 still open, not reviewed).

    Cole, a second Harbor clinician, has no sessions yet.
    """

    county: County
    cole: User
    sessions: dict[int, Session]


@pytest.fixture
def quarter(county: County) -> Quarter:
    carla = county.clinician
    breathing = library_item()
    sessions = {ago: attended(county, ago) for ago in (60, 20, 14, 10, 5, 2)}
    sessions[25] = attended(county, 25, is_intake=True)
    sessions[3] = attended(county, 3, status="no_show")
    give(sessions[60], breathing, **ALL_FIVE)
    four: dict[str, Any] = {**ALL_FIVE, "obstacles_discussed": False}
    first = give(sessions[20], breathing, **four)
    actions.record_no_homework(carla, sessions[25], reason="intake")
    actions.record_no_homework(carla, sessions[14], reason="crisis")
    actions.review_assignment(
        carla,
        sessions[10],
        first,
        completion="partial",
        barrier_codes=["forgot"],
        strategy_code="reminder",
    )
    second = give(sessions[10], custom_title="Praise log", written_copy_given=True)
    actions.record_no_homework(carla, sessions[5], reason="declined")
    actions.review_assignment(carla, sessions[5], second, completion="not_reviewed")
    cole = make_user("cole", "Cole", "Baker")
    account_actions.grant_role(None, cole, county.harbor, Role.CLINICIAN)
    return Quarter(county, cole, sessions)


def supervision_rows(client: HttpClient, quarter: Quarter, days: int) -> dict[str, Any]:
    client.force_login(quarter.county.supervisor)
    response = client.get(reverse("homework:supervision"), {"days": days})
    assert response.status_code == 200
    return {row["clinician"].username: row for row in response.context["rows"]}


def counts(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("eligible", "assigned", "with_open", "reviewed", "assignments", "four_plus")
    return tuple(row[key] for key in keys)


# --- the supervisor's view ----------------------------------------------------------------------


def test_it_counts_a_clinicians_last_30_days(quarter: Quarter, client: HttpClient) -> None:
    rows = supervision_rows(client, quarter, 30)
    # Eligible: 20, 10, 5 (declined still counts) and 2 days ago; the intake, the crisis and
    # the no-show are out. Open prior homework at 10, 5 and 2 days ago, reviewed at 10.
    assert counts(rows["carla"]) == (4, 2, 3, 1, 2, 1)
    assert rows["carla"]["mean_elements"] == pytest.approx(2.5)
    # Cole has no sessions: zeros, not missing; the outsider is not Sam's to see.
    assert counts(rows["cole"]) == (0, 0, 0, 0, 0, 0)
    assert rows["cole"]["mean_elements"] is None
    assert set(rows) == {"carla", "cole"}


def test_it_shows_every_share_with_its_counts(quarter: Quarter, client: HttpClient) -> None:
    client.force_login(quarter.county.supervisor)
    html = client.get(reverse("homework:supervision")).content.decode()
    assert '50% <span class="counts">(2/4)</span>' in html
    assert '33% <span class="counts">(1/3)</span>' in html
    assert '50% <span class="counts">(1/2)</span>' in html
    assert "2.5" in html
    assert '— <span class="counts">(0/0)</span>' in html


def test_it_widens_to_90_days(quarter: Quarter, client: HttpClient) -> None:
    rows = supervision_rows(client, quarter, 90)
    # Adds the session 60 days ago: eligible and assigned, with all five elements.
    assert counts(rows["carla"]) == (5, 3, 3, 1, 3, 2)
    assert rows["carla"]["mean_elements"] == pytest.approx(10 / 3)


def test_it_falls_back_to_30_days_for_another_window(quarter: Quarter, client: HttpClient) -> None:
    client.force_login(quarter.county.supervisor)
    for days in ("7", "many"):
        response = client.get(reverse("homework:supervision"), {"days": days})
        assert response.context["days"] == 30


def test_it_lists_the_sessions_behind_a_clinicians_row(
    quarter: Quarter, client: HttpClient
) -> None:
    client.force_login(quarter.county.supervisor)
    url = reverse("homework:supervision-clinician", args=[quarter.county.clinician.pk])
    response = client.get(url)
    assert response.status_code == 200
    listed = [
        (s.pk, s.has_assignment, s.had_open_homework, s.was_reviewed)
        for s in response.context["sessions"]
    ]
    by_age = quarter.sessions
    assert listed == [
        (by_age[2].pk, False, True, False),
        (by_age[5].pk, False, True, False),
        (by_age[10].pk, True, True, True),
        (by_age[20].pk, True, False, False),
    ]
    html = response.content.decode()
    assert "4/5" in html and "1/5" in html
    wider = client.get(url, {"days": 90}).context["sessions"]
    assert [s.pk for s in wider][-1] == by_age[60].pk


def test_it_keeps_the_supervisor_view_from_clinicians(quarter: Quarter, client: HttpClient) -> None:
    client.force_login(quarter.county.clinician)
    assert client.get(reverse("homework:supervision")).status_code == 404
    client.force_login(quarter.county.supervisor)
    outsider = reverse("homework:supervision-clinician", args=[quarter.county.outsider.pk])
    assert client.get(outsider).status_code == 404


# --- my week ------------------------------------------------------------------------------------


def test_it_lists_unreviewed_sessions_and_silent_families(
    county: County, client: HttpClient
) -> None:
    silent = give(attended(county, 10), custom_title="Worry time")
    unreviewed = attended(county, 1)
    # Lena's family logs and her homework was reviewed: she is in neither list.
    lena = clinic_actions.register_client(
        None,
        county.harbor,
        ehr_id="H-1004",
        given_name="Lena",
        family_name="Ortiz",
        birth_date=days_ago(365 * 9),
        primary_clinician=county.clinician,
    )
    logged = give(attended(county, 9, client=lena), custom_title="Brave steps")
    actions.log_practice(
        None,
        logged,
        practiced_on=days_ago(8),
        completion="done",
        source="portal",
        idempotency_key="lena-1",
    )
    reviewed = attended(county, 2, client=lena)
    actions.review_assignment(county.clinician, reviewed, logged, completion="full")
    # Homework given yesterday has had no time to be logged yet.
    give(unreviewed, custom_title="Too new to chase")

    client.force_login(county.clinician)
    response = client.get(reverse("homework:my-week"))
    assert [s.pk for s in response.context["unreviewed"]] == [unreviewed.pk]
    assert [a.pk for a in response.context["silent"]] == [silent.pk]
    html = response.content.decode()
    assert f'href="/sessions/{unreviewed.pk}/"' in html
    assert "Kai Lopez</a> — Worry time" in html
    assert "Brave steps" not in html


def test_it_shows_a_clinician_only_her_own_week(county: County, client: HttpClient) -> None:
    give(attended(county, 10), custom_title="Worry time")
    attended(county, 1)
    client.force_login(county.supervisor)
    response = client.get(reverse("homework:my-week"))
    assert (list(response.context["unreviewed"]), list(response.context["silent"])) == ([], [])


# --- the client's timeline ----------------------------------------------------------------------


def log(assignment: Assignment, ago: int, completion: str, key: str, **extra: Any) -> None:
    actions.log_practice(
        None,
        assignment,
        practiced_on=days_ago(ago),
        completion=completion,
        source="portal",
        idempotency_key=key,
        **extra,
    )


def test_it_shows_the_practice_calendar_and_the_logs(county: County, client: HttpClient) -> None:
    given = give(attended(county, 9), library_item())
    log(given, 8, "done", "a")
    log(given, 7, "partly", "b")
    log(given, 6, "not", "c")
    log(given, 5, "not", "d")
    log(given, 5, "done", "e")  # the best report of the day wins
    actions.review_assignment(
        county.clinician,
        attended(county, 1),
        given,
        completion="partial",
        barrier_codes=["forgot"],
        strategy_code="reminder",
    )
    client.force_login(county.clinician)
    response = client.get(reverse("homework:client-timeline", args=[county.client.pk]))
    assert response.status_code == 200
    states = {cell["day"]: cell["state"] for week in response.context["weeks"] for cell in week}
    assert len(response.context["weeks"]) == 8
    expected = {8: "done", 7: "partly", 6: "not", 5: "done", 4: "", 0: ""}
    assert {ago: states[days_ago(ago)] for ago in expected} == expected
    future = {cell["day"] for week in response.context["weeks"] for cell in week if cell["future"]}
    assert all(day > days_ago(0) for day in future)
    assert len(future) == 6 - days_ago(0).weekday()  # the rest of this week (Monday first)
    html = response.content.decode()
    assert html.count('class="day day-done') == 2
    assert "5 practice logs" in html
    assert "not today (Family portal)" in html
    assert "Done partly — Forgot; plan: Set a reminder" in html


def test_it_keeps_the_timeline_from_the_outsider(county: County, client: HttpClient) -> None:
    client.force_login(county.outsider)
    url = reverse("homework:client-timeline", args=[county.client.pk])
    assert client.get(url).status_code == 404


# --- logging on the family's behalf -------------------------------------------------------------


@pytest.fixture
def open_homework(county: County) -> Assignment:
    return give(attended(county, 6), library_item())


def post_log(client: HttpClient, assignment: Assignment, **changes: Any) -> Any:
    data = {
        "practiced_on": days_ago(2).isoformat(),
        "completion": "partly",
        "count": "2",
        "source": "paper",
        "idempotency_key": "form-1",
        **changes,
    }
    return client.post(reverse("homework:log-create", args=[assignment.pk]), data, follow=True)


def test_it_logs_practice_once_however_often_the_form_is_posted(
    county: County, client: HttpClient, open_homework: Assignment
) -> None:
    client.force_login(county.clinician)
    first = post_log(client, open_homework)
    second = post_log(client, open_homework)
    timeline = reverse("homework:client-timeline", args=[county.client.pk])
    assert first.redirect_chain == [(timeline, 302)]
    assert "Practice logged." in first.content.decode()
    assert second.status_code == 200
    entry = PracticeLog.objects.get()
    assert (entry.source, entry.count, entry.logged_by, entry.practiced_on) == (
        "paper",
        2,
        county.clinician,
        days_ago(2),
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"practiced_on": (days_ago(0) + timedelta(days=1)).isoformat()}, "future day"),
        ({"count": "-3"}, "greater than or equal to 0"),
        ({"practiced_on": days_ago(7).isoformat()}, "before the homework was given"),
        ({"source": "portal"}, "Select a valid choice"),
    ],
)
def test_it_refuses_a_bad_log_from_the_timeline(
    county: County,
    client: HttpClient,
    open_homework: Assignment,
    changes: dict[str, str],
    message: str,
) -> None:
    client.force_login(county.clinician)
    response = post_log(client, open_homework, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PracticeLog.objects.exists()


def test_it_keeps_the_log_form_from_the_outsider(
    county: County, client: HttpClient, open_homework: Assignment
) -> None:
    client.force_login(county.outsider)
    assert post_log(client, open_homework).status_code == 404
    assert not PracticeLog.objects.exists()
