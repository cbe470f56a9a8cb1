"""The clinic pages: the role-aware home page, the client page and its session form."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import formats

from between.accounts import actions as account_actions
from between.accounts.models import Role
from between.clinic import actions
from between.clinic.models import Client, ProgressNote, Session
from between.clinic.views import SESSIONS_PER_PAGE
from tests.conftest import County, make_user

NOTE = "Practiced the calm-down plan with Kai and his mother."


def short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def page_text(response: Any) -> str:
    assert response.status_code == 200
    return response.content.decode()


def add_clients(county: County, how_many: int, *, sessions_each: int = 0) -> None:
    """More of Carla's clients at Harbor, each with some attended sessions."""
    for n in range(how_many):
        client = actions.register_client(
            None,
            county.harbor,
            ehr_id=f"H-9{n:03}",
            given_name=f"Extra{n}",
            family_name="Client",
            birth_date=date(2014, 1, 1),
            primary_clinician=county.clinician,
        )
        for days_ago in range(sessions_each):
            actions.record_session(
                county.clinician,
                client,
                occurred_on=actions.today() - timedelta(days=days_ago),
                note_text="ok",
            )


def add_sessions(county: County, how_many: int) -> None:
    for days_ago in range(how_many):
        actions.record_session(
            county.clinician,
            county.client,
            occurred_on=actions.today() - timedelta(days=days_ago),
            note_text=f"note {days_ago}",
        )


# --- the home page -----------------------------------------------------------------------------


def test_it_shows_the_clinician_her_caseload_with_last_and_next_session(
    county: County, client: HttpClient
) -> None:
    today = actions.today()
    for days, status in [(-14, "attended"), (-7, "attended"), (7, "scheduled"), (21, "scheduled")]:
        actions.record_session(
            county.clinician, county.client, occurred_on=today + timedelta(days=days), status=status
        )
    client.force_login(county.clinician)
    html = page_text(client.get("/"))
    assert "My caseload" in html
    assert f'href="/clients/{county.client.pk}/">Kai Lopez</a>' in html
    assert short_date(today - timedelta(days=7)) in html
    assert short_date(today + timedelta(days=7)) in html
    assert short_date(today - timedelta(days=14)) not in html
    assert "Nico" not in html
    assert "Clinicians I supervise" not in html


def test_it_says_when_nothing_is_scheduled(county: County, client: HttpClient) -> None:
    client.force_login(county.clinician)
    html = page_text(client.get("/"))
    assert "none yet" in html
    assert "not scheduled" in html


def test_it_shows_the_supervisor_her_clinicians(county: County, client: HttpClient) -> None:
    actions.record_session(county.clinician, county.client, occurred_on=actions.today())
    client.force_login(county.supervisor)
    response = client.get("/")
    html = page_text(response)
    assert "Clinicians I supervise" in html
    carla = next(c for c in response.context["clinicians"] if c == county.clinician)
    assert (carla.caseload_size, carla.sessions_30) == (1, 1)
    assert "Carla Reyes" in html
    assert "Olivia" not in html
    # Exact counts: she has record access to Harbor.
    harbor = next(p for p in response.context["programs"] if p == county.harbor)
    assert (harbor.client_count, harbor.sessions_30) == (1, 1)
    assert "1–10" not in html.split("Programs</h2>")[1]


@pytest.mark.parametrize(("clients", "shown"), [(1, "1–10"), (10, "1–10"), (11, "11")])
def test_it_suppresses_small_cells_for_the_analyst(
    county: County, client: HttpClient, clients: int, shown: str
) -> None:
    add_clients(county, clients - 1)
    client.force_login(county.analyst)
    html = page_text(client.get("/"))
    row = html.split('href="/programs/')[1].split("</tr>")[0]
    assert "Harbor Clinic" in row
    assert f'<td class="num">{shown}</td>' in row
    assert '<td class="num">0</td>' in row  # no sessions: zero is not a small cell
    assert "Bayside" not in html
    assert "My caseload" not in html


def test_it_shows_exact_counts_to_an_analyst_with_record_access(
    county: County, client: HttpClient
) -> None:
    account_actions.grant_role(
        None, county.analyst, county.harbor, Role.ANALYST, has_record_access=True
    )
    client.force_login(county.analyst)
    html = page_text(client.get("/"))
    assert '<td class="num">1</td>' in html
    assert "1–10</td>" not in html


@pytest.mark.parametrize("persona", ["trainer", "admin"])
def test_it_shows_trainers_and_admins_the_staff(
    county: County, client: HttpClient, persona: str
) -> None:
    client.force_login(county.persona(persona))
    html = page_text(client.get("/"))
    assert "Staff in my programs" in html
    for name in ["Carla Reyes", "Sam Okafor", "Rita Lund"]:
        assert name in html
    assert "Olivia Stone" not in html
    assert "Kai" not in html


def test_it_tells_a_reviewer_that_no_cycle_is_assigned(county: County, client: HttpClient) -> None:
    client.force_login(county.reviewer)
    html = page_text(client.get("/"))
    assert "No review cycle is assigned to you" in html
    assert "Kai" not in html


def test_it_shows_the_family_their_child_and_never_notes(
    county: County, client: HttpClient
) -> None:
    next_week = actions.today() + timedelta(days=7)
    actions.record_session(
        county.clinician, county.client, occurred_on=actions.today(), note_text=NOTE
    )
    actions.record_session(
        county.clinician, county.client, occurred_on=next_week, status="scheduled"
    )
    client.force_login(county.family)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/family/today/"
    html = page_text(client.get("/family/today/"))
    assert NOTE not in html
    assert "calm-down" not in html
    assert "H-1001" not in html
    assert "My caseload" not in html


def test_it_tells_an_account_without_roles_to_ask(db: None, client: HttpClient) -> None:
    client.force_login(make_user("newbie", "New", "Person"))
    assert "Your account has no role yet" in page_text(client.get("/"))


# --- the client page ---------------------------------------------------------------------------


def test_it_shows_the_clients_sessions_and_notes(county: County, client: HttpClient) -> None:
    day = actions.today() - timedelta(days=3)
    actions.record_session(
        county.clinician, county.client, occurred_on=day, session_type="family", note_text=NOTE
    )
    client.force_login(county.clinician)
    html = page_text(client.get(f"/clients/{county.client.pk}/"))
    assert "<h1>Kai Lopez</h1>" in html
    assert short_date(day) in html
    assert "Family" in html
    assert NOTE in html
    assert "Maria Lopez" in html  # the caregiver
    assert "Record a session" in html


def test_it_hides_the_form_from_an_analyst_with_record_access(
    county: County, client: HttpClient
) -> None:
    account_actions.grant_role(
        None, county.analyst, county.harbor, Role.ANALYST, has_record_access=True
    )
    client.force_login(county.analyst)
    html = page_text(client.get(f"/clients/{county.client.pk}/"))
    assert "<h1>Kai Lopez</h1>" in html
    assert "Record a session" not in html


def test_it_pages_sessions_and_answers_htmx_with_the_partial(
    county: County, client: HttpClient
) -> None:
    add_sessions(county, SESSIONS_PER_PAGE + 1)
    client.force_login(county.clinician)
    full = page_text(client.get(f"/clients/{county.client.pk}/"))
    assert "Page 1 of 2" in full
    assert f"note {SESSIONS_PER_PAGE}" not in full  # the oldest is on page 2

    partial = page_text(
        client.get(f"/clients/{county.client.pk}/", {"page": 2}, HTTP_HX_REQUEST="true")
    )
    assert "<html" not in partial
    assert "Page 2 of 2" in partial
    assert f"note {SESSIONS_PER_PAGE}" in partial
    assert partial.count('<li class="session">') == 1


# --- the session form --------------------------------------------------------------------------


def session_form(**changes: str) -> dict[str, str]:
    return {
        "occurred_on": actions.today().isoformat(),
        "session_type": "individual",
        "status": "attended",
        "youth_attended": "on",
        "duration_minutes": "50",
        "note_text": NOTE,
        "submission_key": str(uuid.uuid4()),
        **changes,
    }


def test_it_records_a_session_once_when_posted_twice(county: County, client: HttpClient) -> None:
    client.force_login(county.clinician)
    url = f"/clients/{county.client.pk}/"
    form = session_form()
    for _attempt in range(2):
        response = client.post(url, form)
        assert response.status_code == 302
        # An attended session goes straight on to its homework page.
        assert response["Location"] == f"/sessions/{Session.objects.get().pk}/"
    session = Session.objects.get()
    assert (session.client, session.clinician, session.duration_minutes) == (
        county.client,
        county.clinician,
        50,
    )
    assert ProgressNote.objects.get().text == NOTE
    assert "Session recorded." in page_text(client.get(url))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_on": (actions.today() + timedelta(days=2)).isoformat()}, "occurred_on"),
        ({"duration_minutes": "-5"}, "duration_minutes"),
        ({"occurred_on": ""}, "occurred_on"),
        ({"status": "maybe"}, "status"),
    ],
    ids=["future-attended", "negative-minutes", "missing-date", "unknown-status"],
)
def test_it_shows_field_errors_and_changes_nothing(
    county: County, client: HttpClient, changes: dict[str, str], field: str
) -> None:
    client.force_login(county.clinician)
    response = client.post(f"/clients/{county.client.pk}/", session_form(**changes))
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not Session.objects.exists()
    assert not ProgressNote.objects.exists()


def test_it_shows_a_form_wide_error_when_nobody_attended(
    county: County, client: HttpClient
) -> None:
    client.force_login(county.clinician)
    form = session_form()
    del form["youth_attended"]
    response = client.post(f"/clients/{county.client.pk}/", form)
    assert response.status_code == 422
    assert "needs the youth or a caregiver" in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.parametrize("persona", ["family", "analyst", "outsider", "reviewer"])
def test_it_404s_a_post_from_someone_who_may_not_write(
    county: County, client: HttpClient, persona: str
) -> None:
    if persona == "analyst":  # even with record access
        account_actions.grant_role(
            None, county.analyst, county.harbor, Role.ANALYST, has_record_access=True
        )
    client.force_login(county.persona(persona))
    response = client.post(f"/clients/{county.client.pk}/", session_form())
    assert response.status_code == 404
    assert not Session.objects.exists()
    assert not ProgressNote.objects.exists()


# --- language ----------------------------------------------------------------------------------


def test_it_switches_the_language_to_spanish(county: County, client: HttpClient) -> None:
    client.force_login(county.clinician)
    assert '<html lang="en">' in page_text(client.get("/"))
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="es">' in page_text(client.get("/"))


# --- query budgets -----------------------------------------------------------------------------
# Every staff page asks once whether an emergency grant is open (the banner); a page that audits
# a view reads its chain's last hash (PostgreSQL also claims the chain); the client page reads
# the amendments appended to the client's records.


def count_queries(client: HttpClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "budget"), [("clinician", 5), ("supervisor", 8), ("analyst", 6)]
)
def test_it_keeps_the_home_page_queries_flat(
    county: County,
    client: HttpClient,
    django_assert_max_num_queries: Any,
    persona: str,
    budget: int,
) -> None:
    client.force_login(county.persona(persona))
    small = count_queries(client, "/")
    add_clients(county, 15, sessions_each=2)
    with django_assert_max_num_queries(budget):
        response = client.get("/")
    assert response.status_code == 200
    assert count_queries(client, "/") == small
    if persona == "clinician":
        assert len(response.context["caseload"]) == 16


def test_it_keeps_the_client_page_queries_flat(
    county: County, client: HttpClient, django_assert_max_num_queries: Any
) -> None:
    url = f"/clients/{county.client.pk}/"
    client.force_login(county.clinician)
    add_sessions(county, 1)
    small = count_queries(client, url)
    add_sessions(county, 30)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert len(response.context["page"].object_list) == SESSIONS_PER_PAGE
    assert count_queries(client, url) == small


def test_it_keeps_the_program_page_queries_flat(
    county: County, client: HttpClient, django_assert_max_num_queries: Any
) -> None:
    url = f"/programs/{county.harbor.pk}/"
    client.force_login(county.supervisor)
    small = count_queries(client, url)
    add_clients(county, 30)
    with django_assert_max_num_queries(12):
        client.get(url)
    assert count_queries(client, url) == small
    assert Client.objects.filter(program=county.harbor).count() == 31
