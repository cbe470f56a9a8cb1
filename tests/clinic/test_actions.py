"""Clinic actions: registering clients, recording sessions and notes, linking family accounts."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from between.accounts import policy
from between.accounts.models import AuditAction, AuditEvent, Membership, Role
from between.clinic import actions
from between.clinic.models import Client, ClientCaregiver, Episode, ProgressNote, Session
from tests.conftest import County, make_user


def register(county: County, **changes: object) -> Client:
    fields: dict[str, object] = {
        "ehr_id": "H-3003",
        "given_name": "Lena",
        "family_name": "Ortiz",
        "birth_date": date(2016, 1, 9),
        "primary_clinician": county.clinician,
        **changes,
    }
    return actions.register_client(county.clinician, county.harbor, **fields)  # type: ignore[arg-type]


# --- register_client ---------------------------------------------------------------------------


def test_it_registers_a_client_with_an_open_episode(county: County) -> None:
    client = register(county, opened_on=date(2025, 2, 3))
    assert client.organization == county.organization
    episode = Episode.objects.get(client=client)
    assert (episode.program, episode.opened_on, episode.is_open) == (
        county.harbor,
        date(2025, 2, 3),
        True,
    )
    created = AuditEvent.objects.get(action=AuditAction.CREATE, client_id=client.pk)
    assert (created.actor, created.program_id) == (county.clinician, county.harbor.pk)


def test_it_opens_the_episode_today_by_default(county: County) -> None:
    client = register(county)
    assert client.episodes.get().opened_on == actions.today()


def test_it_refuses_a_birth_date_in_the_future(county: County) -> None:
    with pytest.raises(ValidationError) as refused:
        register(county, birth_date=actions.today() + timedelta(days=1))
    assert "birth_date" in refused.value.message_dict
    assert not Client.objects.filter(ehr_id="H-3003").exists()


def test_it_requires_the_primary_clinician_to_be_program_staff(county: County) -> None:
    for outsider in [county.outsider, county.analyst, county.family]:
        with pytest.raises(ValidationError) as refused:
            register(county, primary_clinician=outsider)
        assert "primary_clinician" in refused.value.message_dict
    assert not Client.objects.filter(ehr_id="H-3003").exists()
    # A supervisor may carry a caseload.
    assert register(county, primary_clinician=county.supervisor).primary_clinician == (
        county.supervisor
    )


def test_it_refuses_a_duplicate_ehr_id_in_the_organization(county: County) -> None:
    with pytest.raises(ValidationError):
        register(county, ehr_id=county.client.ehr_id)
    assert Client.objects.filter(ehr_id=county.client.ehr_id).count() == 1
    # The same id in another organization is another child.
    other_org = actions.create_organization(None, name="Other County", slug="other")
    other_program = actions.create_program(None, other_org, name="X", code="X", kind="school")
    twin = actions.register_client(
        None,
        other_program,
        ehr_id=county.client.ehr_id,
        given_name="Someone",
        family_name="Else",
        birth_date=date(2014, 4, 4),
    )
    assert twin.pk != county.client.pk


# --- record_session ----------------------------------------------------------------------------


def test_it_records_a_session_in_the_clients_program_and_episode(county: County) -> None:
    session = actions.record_session(
        county.clinician, county.client, occurred_on=actions.today(), duration_minutes=50
    )
    assert session.clinician == county.clinician
    assert session.program == county.harbor
    assert session.episode == county.client.episodes.get()
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="clinic.session", object_id=str(session.pk)
    ).exists()


def test_it_refuses_a_future_date_unless_scheduled(county: County) -> None:
    tomorrow = actions.today() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        actions.record_session(county.clinician, county.client, occurred_on=tomorrow)
    assert "occurred_on" in refused.value.message_dict
    assert not Session.objects.exists()
    scheduled = actions.record_session(
        county.clinician, county.client, occurred_on=tomorrow, status="scheduled"
    )
    assert scheduled.occurred_on == tomorrow


def test_it_needs_someone_present_at_an_attended_session(county: County) -> None:
    with pytest.raises(ValidationError):
        actions.record_session(
            county.clinician,
            county.client,
            occurred_on=actions.today(),
            youth_attended=False,
            caregiver_attended=False,
        )
    assert not Session.objects.exists()
    caregiver_only = actions.record_session(
        county.clinician,
        county.client,
        occurred_on=actions.today(),
        youth_attended=False,
        caregiver_attended=True,
    )
    assert caregiver_only.pk
    no_show = actions.record_session(
        county.clinician,
        county.client,
        occurred_on=actions.today(),
        status="no_show",
        youth_attended=False,
    )
    assert no_show.pk


def test_it_records_a_double_submission_once(county: County) -> None:
    key = uuid.uuid4()
    first = actions.record_session(
        county.clinician, county.client, occurred_on=actions.today(), submission_key=key
    )
    again = actions.record_session(
        county.clinician,
        county.client,
        occurred_on=actions.today(),
        note_text="typed again",
        submission_key=key,
    )
    assert again.pk == first.pk
    assert Session.objects.count() == 1
    assert not ProgressNote.objects.exists()
    assert AuditEvent.objects.filter(object_type="clinic.session").count() == 1


def test_it_refuses_a_submission_key_used_for_another_client(county: County) -> None:
    key = uuid.uuid4()
    actions.record_session(
        county.outsider, county.other_client, occurred_on=actions.today(), submission_key=key
    )
    with pytest.raises(ValidationError):
        actions.record_session(
            county.clinician, county.client, occurred_on=actions.today(), submission_key=key
        )
    assert Session.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "analyst", "reviewer", "family", "admin"])
def test_it_refuses_a_session_from_someone_who_may_not_write(county: County, persona: str) -> None:
    actor = county.persona(persona)
    with pytest.raises(PermissionDenied):
        actions.record_session(
            actor, county.client, occurred_on=actions.today(), note_text="should not exist"
        )
    assert not Session.objects.exists()
    assert not ProgressNote.objects.exists()
    # The refusal itself is on the record.
    denied = AuditEvent.objects.get(action=AuditAction.DENY)
    assert (denied.actor, denied.outcome, denied.client_id) == (actor, "denied", county.client.pk)


def test_it_saves_and_audits_the_note(county: County) -> None:
    session = actions.record_session(
        county.clinician,
        county.client,
        occurred_on=actions.today(),
        note_text="Practiced praise with mother.",
    )
    note = ProgressNote.objects.get(session=session)
    assert (note.text, note.author) == ("Practiced praise with mother.", county.clinician)
    event = AuditEvent.objects.get(object_type="clinic.progressnote")
    assert (event.action, event.object_id) == (AuditAction.CREATE, str(note.pk))
    assert event.client_id == county.client.pk


def test_it_lets_the_supervisor_record_a_session(county: County) -> None:
    session = actions.record_session(county.supervisor, county.client, occurred_on=actions.today())
    assert session.clinician == county.supervisor


# --- add_progress_note -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_it_refuses_an_empty_note(county: County, text: str) -> None:
    session = actions.record_session(county.clinician, county.client, occurred_on=actions.today())
    with pytest.raises(ValidationError) as refused:
        actions.add_progress_note(county.clinician, session, text=text)
    assert "text" in refused.value.message_dict
    assert not ProgressNote.objects.exists()


def test_it_refuses_a_note_from_an_outsider(county: County) -> None:
    session = actions.record_session(county.clinician, county.client, occurred_on=actions.today())
    with pytest.raises(PermissionDenied):
        actions.add_progress_note(county.outsider, session, text="not mine to write")
    assert not ProgressNote.objects.exists()


# --- link_family_account -----------------------------------------------------------------------


def test_it_grants_the_family_role_when_linking_an_account(county: County) -> None:
    father = actions.add_caregiver(
        county.clinician, county.client, given_name="Jon", family_name="Lopez"
    )
    account = make_user("jon", "Jon", "Lopez")
    assert policy.roles_of(account) == frozenset()

    actions.link_family_account(county.clinician, father, account)

    father.refresh_from_db()
    assert father.user == account
    assert Membership.objects.filter(user=account, program=county.harbor, role=Role.FAMILY).exists()
    assert policy.roles_of(account) == {Role.FAMILY}
    assert list(policy.visible_clients(account)) == [county.client]
    assert not policy.staff_visible_clients(account).exists()


def test_it_links_a_family_to_every_program_of_their_children(county: County) -> None:
    sibling = actions.register_client(
        None,
        county.bayside,
        ehr_id="B-2003",
        given_name="Lia",
        family_name="Lopez",
        birth_date=date(2011, 8, 8),
    )
    # No action links an existing caregiver to a sibling yet (an EHR import will).
    ClientCaregiver.objects.create(client=sibling, caregiver=county.caregiver)
    actions.link_family_account(None, county.caregiver, county.family)
    programs = set(
        Membership.objects.filter(user=county.family, role=Role.FAMILY).values_list(
            "program__code", flat=True
        )
    )
    assert programs == {"HAR", "BAY"}
    assert {c.given_name for c in policy.visible_clients(county.family)} == {"Kai", "Lia"}


def test_it_returns_the_first_session_when_the_same_form_races_in_twice(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical submissions at the same moment: the second misses the first in its
    look-up, hits the unique key, and gets the first session back instead of an error."""
    key = uuid.uuid4()
    first = actions.record_session(
        county.clinician, county.client, occurred_on=date(2026, 11, 2), submission_key=key
    )
    real_filter = Session.objects.filter

    def blind_lookup(*args: object, **kwargs: object) -> object:
        if kwargs.get("submission_key") == key and not getattr(blind_lookup, "used", False):
            blind_lookup.used = True  # type: ignore[attr-defined]
            return Session.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Session.objects, "filter", blind_lookup)
    again = actions.record_session(
        county.clinician, county.client, occurred_on=date(2026, 11, 2), submission_key=key
    )
    assert again.pk == first.pk
    assert Session.objects.count() == 1
