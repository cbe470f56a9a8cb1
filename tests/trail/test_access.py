"""Role × URL for the audit trail report, in the shape of tests/clinic/test_access_matrix.py
(whose coverage test takes these rows: see OTHER_MATRICES there); and who sees which events."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.accounts import actions as account_actions
from between.accounts.models import AuditEvent, Role
from between.trail.access import visible_audit_events
from tests.clinic.test_access_matrix import PERSONAS, clinical_counts, request, sign_in_as
from tests.conftest import PASSWORD, County
from tests.trail.conftest import PERIOD, Trail

# fmt: off
#  route  method  object  anon clin  sup  rev  ana  trn  adm  fam  out
TRAIL_MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    # Administrators read the trail of their programs (superusers all of it); the rest: 404.
    ("trail:event-list",   "GET",  "-", 302, 404, 404, 404, 404, 404, 200, 404, 404),
    ("trail:event-export", "GET",  "-", 302, 404, 404, 404, 404, 404, 200, 404, 404),
    # Read-only pages: nothing to post.
    ("trail:event-list",   "POST", "-", 405, 405, 405, 405, 405, 405, 405, 405, 405),
    ("trail:event-export", "POST", "-", 405, 405, 405, 405, 405, 405, 405, 405, 405),
]
# fmt: on


@pytest.mark.parametrize("row", TRAIL_MATRIX, ids=[f"{r}-{m}-{s}" for r, m, s, *_ in TRAIL_MATRIX])
def test_it_answers_each_persona_as_the_matrix_says(
    county: County, client: HttpClient, row: tuple[Any, ...]
) -> None:
    route, method, _side, *expected = row
    url = reverse(route)
    before = clinical_counts()
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, county, persona)
        response = request(client, method, route, url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif status == 302 and persona == "anonymous":
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    assert clinical_counts() == before


def _superuser() -> Any:
    return account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )


def _names(trail: Trail, events: Any) -> set[str]:
    ids = set(events.values_list("pk", flat=True))
    return {name for name, event in trail.events.items() if event.pk in ids}


def test_it_shows_a_superuser_every_event(trail: Trail) -> None:
    root = _superuser()
    assert _names(trail, visible_audit_events(root)) == set(trail.events)
    assert visible_audit_events(root).count() == AuditEvent.objects.count()


def test_it_shows_an_administrator_the_events_of_their_programs(trail: Trail) -> None:
    seen = _names(trail, visible_audit_events(trail.county.admin))
    # Harbor's client (kai_view, month_end), Harbor's member Carla acting on a Bayside client
    # (carla_denied), an outsider's event about Harbor as a program (olivia_harbor).
    assert seen == {"kai_view", "month_end", "carla_denied", "olivia_harbor"}


def test_it_keeps_other_programs_events_from_an_administrator(trail: Trail) -> None:
    county = trail.county
    bayside_admin = account_actions.create_user(None, username="boris", password=PASSWORD)
    account_actions.grant_role(None, bayside_admin, county.bayside, Role.ADMIN)
    seen = _names(trail, visible_audit_events(bayside_admin))
    # Nico is Bayside's, Olivia is Bayside's member; Carla is refused Nico's record.
    assert seen == {"nico_view", "carla_denied", "olivia_harbor"}


@pytest.mark.parametrize(
    "persona", ["clinician", "supervisor", "reviewer", "analyst", "trainer", "family", "outsider"]
)
def test_it_shows_nobody_else_any_event(trail: Trail, persona: str) -> None:
    assert not visible_audit_events(trail.county.persona(persona)).exists()


def test_it_hides_the_trail_from_an_inactive_superuser(trail: Trail) -> None:
    root = _superuser()
    root.is_active = False
    assert not visible_audit_events(root).exists()


def test_it_lets_a_superuser_open_the_pages(trail: Trail, client: HttpClient) -> None:
    client.force_login(_superuser())
    page = client.get(reverse("trail:event-list"), PERIOD)
    assert page.status_code == 200
    assert page.context["page"].paginator.count == len(trail.events)
    assert client.get(reverse("trail:event-export"), PERIOD).status_code == 200


def test_it_audits_a_refused_look_at_the_trail(county: County, client: HttpClient) -> None:
    client.force_login(county.clinician)
    assert client.get(reverse("trail:event-list")).status_code == 404
    refused = AuditEvent.objects.filter(
        actor=county.clinician, action="deny", object_type="accounts.auditevent"
    ).get()
    assert (refused.outcome, refused.path) == ("denied", "/audit/")


def test_it_keeps_the_list_page_queries_flat(
    trail: Trail, client: HttpClient, django_assert_max_num_queries: Any
) -> None:
    """Session, user, roles, the access check's count, the page, the openable clients, the
    view event: the same number for 6 events as for 100 of many users and clients."""
    from tests.trail.test_reports import add_events

    account_actions.grant_role(None, trail.county.admin, trail.county.harbor, Role.SUPERVISOR)
    client.force_login(trail.county.admin)
    url = reverse("trail:event-list")
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    add_events(trail.county, 150)
    with django_assert_max_num_queries(12) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == 100
    assert len(many.captured_queries) == len(few.captured_queries)
