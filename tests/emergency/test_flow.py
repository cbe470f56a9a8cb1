"""Break the glass: designated staff open one client's record for a few hours, read only,
with a reason; every grant is audited and reviewed by the client's program's supervisors.

The story: Olivia (a Bayside clinician, on call tonight) needs the record of Kai, a Harbor
client she cannot normally see. Sam supervises Harbor and reviews her access.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from between.accounts import actions as account_actions
from between.accounts import policy
from between.accounts.models import AuditEvent, Role
from between.clinic import actions as clinic_actions
from between.clinic.models import Client, Session
from between.emergency import access, actions
from between.emergency.context_processors import emergency_access
from between.emergency.models import EmergencyAccess, ReviewOutcome
from tests.conftest import PASSWORD, County, make_user
from tests.emergency.helpers import REASON, designate, grant

REQUEST = reverse("emergency:request")
REVIEWS = reverse("emergency:review-list")


def client_page(client: Client) -> str:
    return reverse("clinic:client-detail", kwargs={"client_id": client.pk})


def ask(http: HttpClient, ehr_id: str, reason: str = REASON) -> Any:
    return http.post(REQUEST, {"ehr_id": ehr_id, "reason": reason})


def emergency_events(**filters: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="emergency", **filters).order_by("id"))


@pytest.fixture
def harbor_neighbour(county: County) -> Client:
    """Another Harbor client, Lena: Olivia's grant on Kai must not open her record."""
    return clinic_actions.register_client(
        None,
        county.harbor,
        ehr_id="H-1002",
        given_name="Lena",
        family_name="Moss",
        birth_date=date(2014, 1, 9),
        primary_clinician=county.clinician,
    )


# --- Designation -------------------------------------------------------------------------------


def test_it_keeps_the_page_from_staff_without_the_permission(
    county: County, client: HttpClient
) -> None:
    client.force_login(county.outsider)
    assert client.get(REQUEST).status_code == 404
    assert ask(client, "H-1001").status_code == 404
    assert not EmergencyAccess.objects.exists()


def test_it_refuses_and_audits_the_action_without_the_permission(county: County) -> None:
    with pytest.raises(PermissionDenied):
        actions.break_glass(county.outsider, county.client, REASON)
    event = AuditEvent.objects.get(action="emergency")
    assert (event.outcome, event.detail, event.client_id) == (
        "denied",
        "not_designated",
        county.client.pk,
    )
    assert not EmergencyAccess.objects.exists()


def test_it_needs_a_staff_membership_as_well_as_the_permission(
    county: County, client: HttpClient
) -> None:
    designate(county.family)  # a family account, even with the permission
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )  # a superuser holds every permission, but no staff role
    for user in (county.family, root):
        assert not access.can_break_glass(user)
        client.force_login(user)
        assert client.get(REQUEST).status_code == 404


def test_it_audits_designation(county: County) -> None:
    assert actions.designate(county.admin, county.outsider) is True
    assert actions.designate(county.admin, county.outsider) is False  # idempotent
    assert access.can_break_glass(county.outsider)
    event = AuditEvent.objects.get(action="privilege", detail="grant:break_glass")
    assert (event.actor, event.object_id, event.detail) == (
        county.admin,
        str(county.outsider.pk),
        "grant:break_glass",
    )
    actions.designate(county.admin, county.outsider, allowed=False)
    assert not access.can_break_glass(county.outsider)


# --- The flow ----------------------------------------------------------------------------------


def test_it_opens_exactly_one_client_read_only(
    county: County, client: HttpClient, harbor_neighbour: Client
) -> None:
    designate(county.outsider)
    client.force_login(county.outsider)
    assert client.get(client_page(county.client)).status_code == 404
    assert client.get(REQUEST).status_code == 200

    response = ask(client, " H-1001 ")
    assert response.status_code == 302
    assert response["Location"] == client_page(county.client)

    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.client, grant.reason) == (county.outsider, county.client, REASON)
    assert grant.expires_at - grant.granted_at == timedelta(hours=actions.access_hours())
    page = client.get(client_page(county.client))
    assert page.status_code == 200
    assert "Kai" in page.content.decode()
    # Read only: no session form, and a posted session is refused.
    assert page.context["form"] is None
    assert client.post(client_page(county.client), {}).status_code == 404
    # The same program's other client, and her own caseload's neighbours, stay as they were.
    assert client.get(client_page(harbor_neighbour)).status_code == 404
    assert client.get(client_page(county.other_client)).status_code == 200
    assert set(policy.staff_visible_clients(county.outsider)) == {
        county.client,
        county.other_client,
    }
    assert not policy.writable_clients(county.outsider).filter(pk=county.client.pk).exists()


def test_it_opens_the_clients_sessions_and_homework_pages(county: County) -> None:
    session = clinic_actions.record_session(
        county.clinician, county.client, occurred_on=date(2026, 11, 2)
    )
    grant(county.outsider, county.client)
    http = HttpClient()
    http.force_login(county.outsider)
    for url in (
        reverse("homework:session-detail", kwargs={"session_id": session.pk}),
        reverse("homework:client-timeline", kwargs={"client_id": county.client.pk}),
    ):
        assert http.get(url).status_code == 200, url
    assert set(policy.visible_sessions(county.outsider)) == set(
        Session.objects.filter(client__in=[county.client, county.other_client])
    )


def test_it_audits_the_grant_and_every_view_under_it(county: County, client: HttpClient) -> None:
    designate(county.outsider)
    client.force_login(county.outsider)
    ask(client, "H-1001")
    client.get(client_page(county.client))
    [granted] = emergency_events()
    grant = EmergencyAccess.objects.get()
    assert (granted.actor, granted.outcome, granted.client_id, granted.program_id) == (
        county.outsider,
        "ok",
        county.client.pk,
        county.harbor.pk,
    )
    assert (granted.object_type, granted.object_id) == ("emergency.emergencyaccess", str(grant.pk))
    assert REASON not in granted.detail  # the reason stays on the grant, not in the trail
    assert AuditEvent.objects.filter(
        actor=county.outsider, action="view", client_id=county.client.pk
    ).exists()


def test_it_requires_a_reason(county: County, client: HttpClient) -> None:
    designate(county.outsider)
    client.force_login(county.outsider)
    for reason in ("", "urgent", " " * 40):
        response = ask(client, "H-1001", reason)
        assert response.status_code == 422, reason
    assert not EmergencyAccess.objects.exists()
    with pytest.raises(ValidationError) as error:
        actions.break_glass(county.outsider, county.client, "too short")
    assert "reason" in error.value.message_dict


def test_it_says_no_client_with_that_id_and_audits_the_attempt(
    county: County, client: HttpClient
) -> None:
    other_org = clinic_actions.create_organization(None, name="Elsewhere", slug="elsewhere")
    program = clinic_actions.create_program(
        None, other_org, name="Far Away", code="FAR", kind="outpatient"
    )
    clinic_actions.register_client(
        None,
        program,
        ehr_id="F-1",
        given_name="Far",
        family_name="Away",
        birth_date=date(2013, 5, 5),
    )
    designate(county.outsider)
    client.force_login(county.outsider)
    # Unknown here, and a client of an organization she does not work in: the same answer.
    for ehr_id in ("H-9999", "F-1"):
        response = ask(client, ehr_id)
        assert response.status_code == 422
        assert "No client with that id." in response.content.decode()
    denied = emergency_events(outcome="denied")
    assert [(e.actor, e.detail, e.client_id) for e in denied] == [
        (county.outsider, "not_found", None),
        (county.outsider, "not_found", None),
    ]
    assert not EmergencyAccess.objects.exists()


def test_it_makes_one_grant_of_a_double_submit(county: County, client: HttpClient) -> None:
    designate(county.outsider)
    client.force_login(county.outsider)
    ask(client, "H-1001")
    ask(client, "H-1001")
    assert EmergencyAccess.objects.count() == 1
    assert len(emergency_events()) == 1


def test_it_sends_people_who_can_already_see_the_client_to_the_record(
    county: County, client: HttpClient
) -> None:
    designate(county.clinician)
    client.force_login(county.clinician)
    response = ask(client, "H-1001")
    assert response.status_code == 302
    assert response["Location"] == client_page(county.client)
    assert not EmergencyAccess.objects.exists()


def test_it_asks_people_in_two_organizations_which_one(county: County) -> None:
    other_org = clinic_actions.create_organization(None, name="Elsewhere", slug="elsewhere")
    program = clinic_actions.create_program(
        None, other_org, name="Far Away", code="FAR", kind="outpatient"
    )
    account_actions.grant_role(None, county.outsider, program, Role.CLINICIAN)
    designate(county.outsider)
    http = HttpClient()
    http.force_login(county.outsider)
    assert ask(http, "H-1001").status_code == 422  # the organization is missing
    response = http.post(
        REQUEST,
        {"ehr_id": "H-1001", "reason": REASON, "organization": county.organization.pk},
    )
    assert response.status_code == 302
    assert EmergencyAccess.objects.get().client == county.client


# --- Expiry and ending early -------------------------------------------------------------------


def test_it_ends_at_expires_at(county: County, client: HttpClient) -> None:
    hours = actions.access_hours()
    started = timezone.now() - timedelta(hours=hours) - timedelta(seconds=1)
    expired = grant(county.outsider, county.client, now=started)
    assert expired.is_active_at(expired.expires_at - timedelta(seconds=1))
    assert not expired.is_active_at(expired.expires_at)
    assert not policy.staff_visible_clients(county.outsider).filter(pk=county.client.pk).exists()
    client.force_login(county.outsider)
    assert client.get(client_page(county.client)).status_code == 404
    # A new request makes a new grant: the old one stays expired, for the review.
    assert ask(client, "H-1001").status_code == 302
    assert EmergencyAccess.objects.count() == 2
    assert client.get(client_page(county.client)).status_code == 200


def test_it_lets_the_user_end_it_early(county: County, client: HttpClient) -> None:
    open_grant = grant(county.outsider, county.client)
    end = reverse("emergency:end", kwargs={"grant_id": open_grant.pk})
    client.force_login(county.clinician)  # not hers
    assert client.post(end).status_code == 404
    client.force_login(county.outsider)
    assert client.post(end).status_code == 302
    open_grant.refresh_from_db()
    assert open_grant.ended_at is not None
    assert client.get(client_page(county.client)).status_code == 404
    assert client.post(end).status_code == 302  # again: nothing changes
    hours = actions.access_hours()
    assert [e.detail for e in emergency_events()] == [f"granted:{hours}h", "ended"]


# --- The banner --------------------------------------------------------------------------------


def test_it_shows_a_banner_while_the_grant_is_open(county: County) -> None:
    open_grant = grant(county.outsider, county.client)
    request = RequestFactory().get("/")
    request.user = county.outsider
    policy.roles_of(county.outsider)  # cached for the request already (the roles processor)
    with CaptureQueriesContext(connection) as queries:
        context = emergency_access(request)
        html = render_to_string("emergency/_banner.html", context, request=request)
    assert len(queries) == 1
    ends = formats.time_format(timezone.localtime(open_grant.expires_at), "H:i")
    assert f"Emergency access — ends at {ends}" in html
    assert reverse("emergency:end", kwargs={"grant_id": open_grant.pk}) in html


def test_it_shows_no_banner_and_runs_no_query_without_a_grant(county: County) -> None:
    request = RequestFactory().get("/")
    request.user = county.clinician
    policy.roles_of(county.clinician)
    with CaptureQueriesContext(connection) as queries:
        context = emergency_access(request)
    assert len(queries) == 0  # lazy: only a page that shows the banner asks
    assert render_to_string("emergency/_banner.html", context, request=request).strip() == ""
    request.user = county.family
    assert list(emergency_access(request)["emergency_grants"]) == []


def test_it_shows_the_way_in_to_designated_staff_only(county: County) -> None:
    designate(county.outsider)
    request = RequestFactory().get("/clients/1/")
    shown = {}
    for persona in ("outsider", "clinician"):
        request.user = county.persona(persona)
        html = render_to_string("emergency/_link.html", emergency_access(request), request=request)
        shown[persona] = REQUEST in html
    assert shown == {"outsider": True, "clinician": False}


# --- Review ------------------------------------------------------------------------------------


def review_url(grant: EmergencyAccess) -> str:
    return reverse("emergency:review", kwargs={"grant_id": grant.pk})


def test_it_lists_the_grant_for_the_clients_supervisor_and_records_the_review(
    county: County, client: HttpClient
) -> None:
    pending = grant(county.outsider, county.client)
    client.force_login(county.supervisor)
    page = client.get(REVIEWS)
    assert page.status_code == 200
    assert REASON in page.content.decode()
    response = client.post(review_url(pending), {"outcome": "appropriate", "note": ""})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.reviewed_by, pending.review_outcome) == (
        county.supervisor,
        ReviewOutcome.APPROPRIATE,
    )
    event = AuditEvent.objects.get(action="emergency_review")
    assert (event.actor, event.client_id, event.detail) == (
        county.supervisor,
        county.client.pk,
        "appropriate",
    )
    assert REASON not in client.get(REVIEWS).content.decode()  # reviewed: off the list
    # Idempotent: a second review (even another outcome) changes nothing.
    again = client.post(review_url(pending), {"outcome": "inappropriate", "note": "Changed"})
    assert again.status_code == 302
    pending.refresh_from_db()
    assert pending.review_outcome == ReviewOutcome.APPROPRIATE
    assert AuditEvent.objects.filter(action="emergency_review").count() == 1


def test_it_validates_the_review(county: County, client: HttpClient) -> None:
    pending = grant(county.outsider, county.client)
    client.force_login(county.admin)
    for data in (
        {},
        {"outcome": "maybe"},
        {"outcome": "inappropriate", "note": "  "},
    ):
        assert client.post(review_url(pending), data).status_code == 422, data
    pending.refresh_from_db()
    assert not pending.is_reviewed
    response = client.post(
        review_url(pending), {"outcome": "inappropriate", "note": "No emergency; coaching."}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.review_outcome, pending.review_note) == (
        "inappropriate",
        "No emergency; coaching.",
    )


def test_it_never_lets_a_reviewer_review_their_own_grant(
    county: County, client: HttpClient
) -> None:
    # Adele administers Harbor (no record access) and breaks the glass on Kai.
    own = grant(county.admin, county.client)
    client.force_login(county.admin)
    assert REASON not in client.get(REVIEWS).content.decode()
    assert client.post(review_url(own), {"outcome": "appropriate"}).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.review_emergency_access(county.admin, own, outcome="appropriate")
    refused = AuditEvent.objects.get(action="emergency_review")
    assert (refused.outcome, refused.detail) == ("denied", "self_review")
    own.refresh_from_db()
    assert not own.is_reviewed
    # Sam, Harbor's supervisor, can.
    actions.review_emergency_access(county.supervisor, own, outcome="appropriate")


def test_it_keeps_grants_from_reviewers_of_other_programs(
    county: County, client: HttpClient
) -> None:
    pending = grant(county.admin, county.other_client)  # Nico is a Bayside client
    client.force_login(county.supervisor)  # Harbor's supervisor
    assert REASON not in client.get(REVIEWS).content.decode()
    assert client.post(review_url(pending), {"outcome": "appropriate"}).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.review_emergency_access(county.supervisor, pending, outcome="appropriate")
    bayside_lead = make_user("bea", "Bea", "North")
    account_actions.grant_role(None, bayside_lead, county.bayside, Role.SUPERVISOR)
    client.force_login(bayside_lead)
    assert REASON in client.get(REVIEWS).content.decode()
    assert client.post(review_url(pending), {"outcome": "appropriate"}).status_code == 302


def test_it_shows_every_grant_to_a_superuser(county: County, client: HttpClient) -> None:
    pending = grant(county.outsider, county.client)
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client.force_login(root)
    assert REASON in client.get(REVIEWS).content.decode()
    assert client.post(review_url(pending), {"outcome": "appropriate"}).status_code == 302
