"""The audit trail: ids and codes only, append-only, sign-ins recorded, searchable in the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient

from between.accounts import actions as account_actions
from between.accounts.models import AuditAction, AuditEvent, User
from between.clinic import actions as clinic_actions
from tests.conftest import PASSWORD, County

NOTE = "Kai hid under the table when his stepfather shouted; practiced belly breathing."

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger (accounts migration 0003) exists only on PostgreSQL",
)


def all_audit_text() -> str:
    """Every value of every audit event, as one string."""
    fields = [field.attname for field in AuditEvent._meta.concrete_fields]
    rows = AuditEvent.objects.values_list(*fields)
    return "\n".join(" ".join(str(value) for value in row) for row in rows)


def test_it_never_writes_notes_names_or_phone_numbers(county: County, client: HttpClient) -> None:
    client.force_login(county.clinician)
    response = client.post(
        f"/clients/{county.client.pk}/",
        {
            "occurred_on": clinic_actions.today().isoformat(),
            "session_type": "family",
            "status": "attended",
            "youth_attended": "on",
            "caregiver_attended": "on",
            "note_text": NOTE,
            "submission_key": "6f1c3a52-8a57-4f43-9d3e-0b1b6a6f1a01",
        },
    )
    assert response.status_code == 302
    assert client.get(f"/clients/{county.client.pk}/").status_code == 200
    assert AuditEvent.objects.filter(object_type="clinic.progressnote").exists()

    text = all_audit_text()
    assert AuditEvent.objects.filter(client_id=county.client.pk).count() >= 4  # events exist
    for secret in [
        NOTE,
        "belly breathing",
        county.client.given_name,
        county.client.family_name,
        county.caregiver.given_name,
        county.caregiver.phone,
        county.client.ehr_id,
    ]:
        assert secret not in text, secret


def test_it_refuses_to_change_an_event(county: County) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.detail = "rewritten"
    with pytest.raises(PermissionDenied):
        event.save()
    event.refresh_from_db()
    assert event.detail != "rewritten"


def test_it_refuses_to_delete_an_event(county: County) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    with pytest.raises(PermissionDenied):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET detail = 'rewritten'",
        "DELETE FROM accounts_auditevent",
    ],
)
def test_it_refuses_raw_sql_rewrites_on_postgresql(county: County, sql: str) -> None:
    before = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.count() == before
    assert not AuditEvent.objects.filter(detail="rewritten").exists()


@postgresql_only
def test_it_refuses_queryset_rewrites_on_postgresql(county: County) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(detail="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.exists()


# --- sign-in, failed sign-in, sign-out --------------------------------------------------------


def test_it_records_a_sign_in(county: County, client: HttpClient) -> None:
    response = client.post("/accounts/sign-in/", {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.actor, event.action, event.outcome) == (county.clinician, AuditAction.LOGIN, "ok")
    assert event.ip_address == "127.0.0.1"
    assert event.path == "/accounts/sign-in/"


def test_it_records_a_failed_sign_in_without_the_typed_text(
    county: County, client: HttpClient
) -> None:
    response = client.post("/accounts/sign-in/", {"username": "carla", "password": "guess-1234"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.actor, event.action, event.outcome) == (None, AuditAction.LOGIN_FAILED, "failed")
    assert (event.object_type, event.object_id) == ("accounts.user", str(county.clinician.pk))
    assert "guess-1234" not in all_audit_text()


def test_it_records_a_failed_sign_in_for_an_unknown_name(
    county: County, client: HttpClient
) -> None:
    client.post("/accounts/sign-in/", {"username": "my-password-by-mistake", "password": "x"})
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.action, event.object_type, event.object_id) == (AuditAction.LOGIN_FAILED, "", "")
    assert "my-password-by-mistake" not in all_audit_text()


def test_it_records_a_sign_out(county: County, client: HttpClient) -> None:
    client.force_login(county.supervisor)
    response = client.post("/accounts/sign-out/")
    assert response.status_code == 302
    event = AuditEvent.objects.first()
    assert event is not None
    assert (event.actor, event.action) == (county.supervisor, AuditAction.LOGOUT)
    assert client.get("/").status_code == 302


# --- the admin site ----------------------------------------------------------------------------


@pytest.fixture
def superuser(county: County) -> User:
    return account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )


def test_it_finds_a_clients_events_in_the_admin(
    county: County, superuser: User, client: HttpClient
) -> None:
    clinic_actions.record_session(
        county.outsider, county.other_client, occurred_on=clinic_actions.today()
    )
    clinic_actions.record_session(
        county.clinician, county.client, occurred_on=clinic_actions.today()
    )
    client.force_login(superuser)
    response = client.get("/admin/accounts/auditevent/", {"q": str(county.client.pk)})
    assert response.status_code == 200
    found = set(response.context["cl"].result_list)
    kai_events = set(AuditEvent.objects.filter(client_id=county.client.pk))
    assert len(kai_events) >= 3  # registered, caregiver added, session recorded
    assert kai_events <= found
    nico_events = AuditEvent.objects.filter(client_id=county.other_client.pk).exclude(
        object_id=str(county.client.pk)
    )
    assert nico_events.exists()
    assert not found & set(nico_events)


def test_it_offers_no_add_change_or_delete_in_the_admin(
    county: County, superuser: User, client: HttpClient
) -> None:
    client.force_login(superuser)
    event = AuditEvent.objects.first()
    assert event is not None
    changelist = client.get("/admin/accounts/auditevent/")
    assert changelist.status_code == 200
    assert changelist.context["has_add_permission"] is False
    assert b'name="action"' not in changelist.content  # no bulk delete either
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    change_page = client.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert change_page.status_code == 200  # read-only view
    assert change_page.context["has_change_permission"] is False
    assert b'type="submit"' not in change_page.content.split(b'id="content"')[1]
    posted = client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"detail": "x"})
    assert posted.status_code == 403
    assert client.get(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, detail=event.detail).exists()


def test_it_keeps_the_audit_admin_from_staff_without_the_admin_site(
    county: County, client: HttpClient
) -> None:
    client.force_login(county.admin)  # the program administrator role is not an admin site user
    response = client.get("/admin/accounts/auditevent/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_finds_a_persons_events_in_the_admin(
    county: County, superuser: User, client: HttpClient
) -> None:
    clinic_actions.record_session(
        county.clinician, county.client, occurred_on=clinic_actions.today()
    )
    client.force_login(superuser)
    response = client.get("/admin/accounts/auditevent/", {"q": "carla"})
    assert response.status_code == 200
    found = response.context["cl"].result_list
    assert found
    assert {event.actor for event in found} == {county.clinician}
