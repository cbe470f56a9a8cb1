"""Who sees and changes what: the scoping querysets and get_client_for, persona by persona.

Besides the county's personas, `caseloads` adds Cole, a second clinician at Harbor, with his
client Ivy, and gives Carla a past session with Ivy and one with Nico at Bayside (both recorded
while she briefly held a supervisor role there, which was then revoked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.http import Http404

from between.accounts import actions as account_actions
from between.accounts import policy
from between.accounts.models import AuditAction, AuditEvent, Role, User
from between.clinic import actions as clinic_actions
from between.clinic.models import Client
from tests.conftest import County, make_user

PERSONAS = [
    "clinician",
    "supervisor",
    "reviewer",
    "analyst",
    "trainer",
    "admin",
    "family",
    "outsider",
]


@dataclass
class Caseloads:
    county: County
    cole: User
    ivy: Client


def _past_session(actor: User, client: Client) -> None:
    clinic_actions.record_session(
        actor, client, occurred_on=clinic_actions.today() - timedelta(days=7)
    )


@pytest.fixture
def caseloads(county: County) -> Caseloads:
    cole = make_user("cole", "Cole", "Baker")
    account_actions.grant_role(None, cole, county.harbor, Role.CLINICIAN)
    ivy = clinic_actions.register_client(
        None,
        county.harbor,
        ehr_id="H-1002",
        given_name="Ivy",
        family_name="Marsh",
        birth_date=date(2013, 5, 2),
        primary_clinician=cole,
    )
    # Carla covered a session for Ivy (Harbor) and for Nico (Bayside, where she has no role).
    for program, client in [(county.harbor, ivy), (county.bayside, county.other_client)]:
        account_actions.grant_role(None, county.clinician, program, Role.SUPERVISOR)
        _past_session(county.clinician, client)
        account_actions.revoke_role(None, county.clinician, program, Role.SUPERVISOR)
    return Caseloads(county=county, cole=cole, ivy=ivy)


def names(clients: object) -> set[str]:
    return {client.given_name for client in clients}  # type: ignore[attr-defined]


# --- visible_clients, staff_visible_clients, writable_clients --------------------------------

# persona: (visible_clients, staff_visible_clients, writable_clients)
EXPECTED_CLIENTS: dict[str, tuple[set[str], set[str], set[str]]] = {
    "clinician": ({"Kai", "Ivy"}, {"Kai", "Ivy"}, {"Kai", "Ivy"}),
    "supervisor": ({"Kai", "Ivy"}, {"Kai", "Ivy"}, {"Kai", "Ivy"}),
    "reviewer": (set(), set(), set()),
    "analyst": (set(), set(), set()),
    "trainer": (set(), set(), set()),
    "admin": (set(), set(), set()),
    "family": ({"Kai"}, set(), set()),
    "outsider": ({"Nico"}, {"Nico"}, {"Nico"}),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_scopes_clients_for_each_persona(caseloads: Caseloads, persona: str) -> None:
    user = caseloads.county.persona(persona)
    visible, staff_visible, writable = EXPECTED_CLIENTS[persona]
    assert names(policy.visible_clients(user)) == visible
    assert names(policy.staff_visible_clients(user)) == staff_visible
    assert names(policy.writable_clients(user)) == writable


def test_it_limits_a_clinician_to_her_caseload_and_her_sessions(caseloads: Caseloads) -> None:
    # Cole sees his own client only: Kai is Carla's and he never saw him.
    assert names(policy.visible_clients(caseloads.cole)) == {"Ivy"}
    # Carla had a session with Nico, but she holds no role at Bayside.
    assert "Nico" not in names(policy.visible_clients(caseloads.county.clinician))


def test_it_gives_an_analyst_records_only_where_granted(county: County) -> None:
    account_actions.grant_role(
        None, county.analyst, county.harbor, Role.ANALYST, has_record_access=True
    )
    assert names(policy.visible_clients(county.analyst)) == {"Kai"}
    assert names(policy.staff_visible_clients(county.analyst)) == {"Kai"}
    _past_session(county.clinician, county.client)
    assert policy.visible_sessions(county.analyst).count() == 1
    assert not policy.writable_clients(county.analyst).exists()
    assert policy.record_program_ids(county.analyst) == {county.harbor.pk}


def test_it_shows_all_program_clients_to_a_supervisor_with_no_caseload(county: County) -> None:
    assert not Client.objects.filter(primary_clinician=county.supervisor).exists()
    assert names(policy.visible_clients(county.supervisor)) == {"Kai"}


# --- visible_sessions ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_scopes_sessions_for_each_persona(caseloads: Caseloads, persona: str) -> None:
    county = caseloads.county
    _past_session(county.clinician, county.client)
    _past_session(county.outsider, county.other_client)
    seen = {
        session.client.given_name for session in policy.visible_sessions(county.persona(persona))
    }
    expected = {
        "clinician": {"Kai", "Ivy"},
        "supervisor": {"Kai", "Ivy"},
        "outsider": {"Nico"},
    }.get(persona, set())
    assert seen == expected


def test_it_never_shows_sessions_to_the_family(county: County) -> None:
    clinic_actions.record_session(
        county.clinician, county.client, occurred_on=clinic_actions.today(), note_text="x"
    )
    assert policy.visible_clients(county.family).exists()
    assert not policy.visible_sessions(county.family).exists()
    assert not policy.staff_visible_clients(county.family).exists()


# --- visible_programs, visible_staff, record_program_ids -------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_scopes_programs_for_each_persona(county: County, persona: str) -> None:
    expected = {"family": set(), "outsider": {"Bayside Center"}}.get(persona, {"Harbor Clinic"})
    programs = policy.visible_programs(county.persona(persona))
    assert {program.name for program in programs} == expected


HARBOR_STAFF = {"carla", "sam", "rita", "ana", "tomas", "adele"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_scopes_staff_for_each_persona(county: County, persona: str) -> None:
    expected = HARBOR_STAFF if persona in {"supervisor", "trainer", "admin"} else set()
    staff = policy.visible_staff(county.persona(persona))
    assert {user.username for user in staff} == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_gives_exact_counts_only_with_record_access(county: County, persona: str) -> None:
    expected = {county.harbor.pk} if persona == "supervisor" else set()
    assert policy.record_program_ids(county.persona(persona)) == expected


def test_it_sees_nothing_without_a_role(county: County) -> None:
    stranger = make_user("nobody", "No", "Body")
    assert not policy.visible_clients(stranger).exists()
    assert not policy.visible_programs(stranger).exists()
    assert not policy.visible_sessions(stranger).exists()
    assert not policy.visible_staff(stranger).exists()


# --- get_client_for --------------------------------------------------------------------------


def test_it_returns_a_visible_client_and_audits_the_view(county: County) -> None:
    client = policy.get_client_for(county.clinician, county.client.pk)
    assert client == county.client
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.actor, event.action, event.outcome) == (county.clinician, AuditAction.VIEW, "ok")
    assert event.client_id == county.client.pk
    assert event.object_type == "clinic.client"


@pytest.mark.parametrize(
    "persona", ["outsider", "family", "reviewer", "analyst", "trainer", "admin"]
)
def test_it_404s_and_audits_a_denied_read(county: County, persona: str) -> None:
    user = county.persona(persona)
    with pytest.raises(Http404):
        policy.get_client_for(user, county.client.pk)
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.actor, event.action, event.outcome) == (user, AuditAction.DENY, "denied")
    assert (event.client_id, event.detail) == (county.client.pk, "read")


def test_it_404s_for_a_client_that_does_not_exist(county: County) -> None:
    with pytest.raises(Http404):
        policy.get_client_for(county.clinician, 999_999)
    event = AuditEvent.objects.first()
    assert event is not None
    assert event.action == AuditAction.DENY
    assert event.client_id is None
    assert event.object_id == "999999"


def test_it_refuses_writes_to_an_analyst_with_record_access(county: County) -> None:
    account_actions.grant_role(
        None, county.analyst, county.harbor, Role.ANALYST, has_record_access=True
    )
    assert policy.get_client_for(county.analyst, county.client.pk) == county.client
    with pytest.raises(Http404):
        policy.get_client_for(county.analyst, county.client.pk, write=True)
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.action, event.outcome, event.detail) == (AuditAction.DENY, "denied", "write")


def test_it_lets_the_clinician_write_without_a_view_event(county: County) -> None:
    before = AuditEvent.objects.count()
    assert policy.get_client_for(county.clinician, county.client.pk, write=True) == county.client
    assert AuditEvent.objects.count() == before


# --- revoking ---------------------------------------------------------------------------------


def test_it_removes_access_when_a_role_is_revoked(county: County) -> None:
    assert policy.visible_clients(county.supervisor).exists()
    account_actions.revoke_role(None, county.supervisor, county.harbor, Role.SUPERVISOR)
    assert not policy.visible_clients(county.supervisor).exists()
    assert not policy.visible_programs(county.supervisor).exists()
    assert not policy.visible_staff(county.supervisor).exists()
    assert policy.record_program_ids(county.supervisor) == set()
    with pytest.raises(Http404):
        policy.get_client_for(county.supervisor, county.client.pk)


def test_it_removes_a_clinicians_caseload_when_her_role_is_revoked(county: County) -> None:
    account_actions.revoke_role(None, county.clinician, county.harbor, Role.CLINICIAN)
    # Still Kai's primary clinician on paper, but no longer on Harbor's staff.
    assert county.client.primary_clinician == county.clinician
    assert not policy.visible_clients(county.clinician).exists()
    assert not policy.writable_clients(county.clinician).exists()


def test_it_audits_role_changes(county: County) -> None:
    account_actions.revoke_role(county.admin, county.supervisor, county.harbor, Role.SUPERVISOR)
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.actor, event.detail) == (county.admin, "revoke:supervisor")
    assert event.object_id == str(county.supervisor.pk)
