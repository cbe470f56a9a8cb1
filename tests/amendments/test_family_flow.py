"""The family's side of ONC 170.315(d)(4) in the portal: Maria asks to correct Kai's record
(his homework, a practice log, or "something else": his details), sees what was decided, and
adds a statement of disagreement to a denial."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from between.accounts.models import AuditEvent
from between.amendments import actions
from between.amendments.forms import FamilyRequestForm
from between.amendments.models import AmendmentRequest, Requester, Status
from between.clinic.actions import today
from between.portal import actions as portal_actions
from tests.amendments.helpers import (
    AMENDMENT,
    CHANGE,
    DISAGREEMENT,
    REASON,
    Records,
    accept,
    deny,
    family_request,
    staff_request,
)
from tests.conftest import make_user

PAGE = reverse("amendments:family-request")


def ask(http: HttpClient, record_key: str, **changes: Any) -> Any:
    data = {
        "record": record_key,
        "requested_change": CHANGE,
        "submission_key": str(uuid.uuid4()),
        **changes,
    }
    return http.post(PAGE, data)


def test_it_offers_the_childs_homework_logs_and_something_else_but_no_notes(
    charts: Records, client: HttpClient
) -> None:
    client.force_login(charts.county.family)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    kai, nico = charts.kai, charts.nico
    for value in (
        f"assignment:{kai.assignment.pk}",
        f"practice_log:{kai.log.pk}",
        f"client:{kai.client.pk}",
    ):
        assert f'value="{value}"' in page, value
    assert "Something else" in page
    for value in (
        f"session:{kai.session.pk}",
        f"note:{kai.note.pk}",
        f"assignment:{nico.assignment.pk}",
        f"client:{nico.client.pk}",
    ):
        assert f'value="{value}"' not in page, value
    assert "Practiced belly breathing." not in page  # the session's note


def test_it_sends_a_request_to_the_clinic(charts: Records, client: HttpClient) -> None:
    county = charts.county
    client.force_login(county.family)
    response = ask(client, f"practice_log:{charts.kai.log.pk}")
    assert response.status_code == 302 and response["Location"] == PAGE
    amendment = AmendmentRequest.objects.get()
    assert (amendment.client, amendment.record_type, amendment.record_id) == (
        charts.kai.client,
        "practice_log",
        charts.kai.log.pk,
    )
    assert amendment.requested_by == Requester.CAREGIVER
    assert amendment.requested_by_user == county.family == amendment.recorded_by
    assert amendment.received_on == today()
    page = client.get(PAGE).content.decode()
    assert "We sent your request to your child" in page
    assert CHANGE in page and "Waiting for an answer." in page
    event = AuditEvent.objects.get(action="create", object_type="amendments.amendmentrequest")
    assert (event.actor_id, event.client_id, event.detail) == (
        county.family.pk,
        charts.kai.client.pk,
        "requested:practice_log:portal",
    )
    # The clinic sees it waiting on the client's list.
    client.force_login(county.clinician)
    staff_page = client.get(reverse("amendments:client-list", args=[charts.kai.client.pk]))
    assert CHANGE in staff_page.content.decode()
    assert "in the family portal" in staff_page.content.decode()


def test_it_records_a_youths_own_request_as_the_youths(charts: Records, client: HttpClient) -> None:
    youth = make_user("kai", "Kai", "Lopez")
    portal_actions.link_youth_account(charts.county.clinician, charts.kai.client, youth)
    client.force_login(youth)
    assert ask(client, f"assignment:{charts.kai.assignment.pk}").status_code == 302
    assert AmendmentRequest.objects.get().requested_by == Requester.YOUTH
    # Maria does not see what Kai asked (and Kai would not see Maria's requests).
    client.force_login(charts.county.family)
    assert CHANGE not in client.get(PAGE).content.decode()


def test_it_sends_a_double_submit_once(charts: Records, client: HttpClient) -> None:
    client.force_login(charts.county.family)
    key = str(uuid.uuid4())
    for _ in range(2):
        response = ask(client, f"client:{charts.kai.client.pk}", submission_key=key)
        assert response.status_code == 302
    assert AmendmentRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("record", "changes", "message"),
    [
        ("", {}, "Please choose what you want to change."),
        ("assignment:{kai_assignment}", {"requested_change": ""}, "Please write what is wrong"),
        ("session:{kai_session}", {}, "Please choose what you want to change."),
        ("note:{kai_note}", {}, "Please choose what you want to change."),
        ("assignment:{nico_assignment}", {}, "Please choose what you want to change."),
        ("client:{nico}", {}, "Please choose what you want to change."),
    ],
)
def test_it_refuses_what_the_family_cannot_ask_and_writes_nothing(
    charts: Records, client: HttpClient, record: str, changes: dict[str, str], message: str
) -> None:
    ids = {
        "kai_assignment": charts.kai.assignment.pk,
        "kai_session": charts.kai.session.pk,
        "kai_note": charts.kai.note.pk,
        "nico_assignment": charts.nico.assignment.pk,
        "nico": charts.nico.client.pk,
    }
    client.force_login(charts.county.family)
    response = ask(client, record.format(**ids), **changes)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not AmendmentRequest.objects.exists()


@pytest.mark.parametrize("what", ["session", "note", "nico"])
def test_it_refuses_and_audits_the_action_on_records_the_family_cannot_see(
    charts: Records, what: str
) -> None:
    record_type, record_id = {
        "session": ("session", charts.kai.session.pk),
        "note": ("note", charts.kai.note.pk),
        "nico": ("assignment", charts.nico.assignment.pk),
    }[what]
    with pytest.raises(PermissionDenied):
        family_request(charts.county.family, record_type, record_id)
    event = AuditEvent.objects.filter(action="deny").latest("id")
    assert (event.actor_id, event.outcome, event.detail) == (
        charts.county.family.pk,
        "denied",
        "amendments:family",
    )
    assert not AmendmentRequest.objects.exists()


def test_it_shows_the_decisions_to_the_family(charts: Records, client: HttpClient) -> None:
    county = charts.county
    accepted = accept(
        county.clinician, family_request(county.family, "practice_log", charts.kai.log.pk)
    )
    denied = deny(
        county.clinician, family_request(county.family, "assignment", charts.kai.assignment.pk)
    )
    client.force_login(county.family)
    page = client.get(PAGE).content.decode()
    assert AMENDMENT in page and REASON in page
    assert f'id="amendment-{accepted.pk}"' in page and f'id="amendment-{denied.pk}"' in page
    assert reverse("amendments:family-disagreement", args=[denied.pk]) in page
    assert reverse("amendments:family-disagreement", args=[accepted.pk]) not in page
    # Reading them is a read of Kai's record.
    assert AuditEvent.objects.filter(
        action="view", client_id=charts.kai.client.pk, detail="family"
    ).exists()


def test_it_appends_the_familys_statement_of_disagreement_once(
    charts: Records, client: HttpClient
) -> None:
    county = charts.county
    denied = deny(
        county.clinician, family_request(county.family, "assignment", charts.kai.assignment.pk)
    )
    url = reverse("amendments:family-disagreement", args=[denied.pk])
    client.force_login(county.family)
    empty = client.post(url, {"statement": "  "})
    assert empty.status_code == 422
    assert "Please write why you disagree with the decision." in empty.content.decode()
    done = client.post(url, {"statement": DISAGREEMENT})
    assert done.status_code == 302 and done["Location"] == f"{PAGE}#amendment-{denied.pk}"
    again = client.post(url, {"statement": "Changed my mind."})
    assert again.status_code == 302
    denied.refresh_from_db()
    assert (denied.disagreement, denied.disagreement_by) == (DISAGREEMENT, county.family)
    page = client.get(PAGE).content.decode()
    assert DISAGREEMENT in page and "Changed my mind." not in page
    event = AuditEvent.objects.filter(action="update").latest("id")
    assert event.detail == "disagreement:portal"
    assert DISAGREEMENT[:20] not in event.detail


def test_it_keeps_other_requests_from_the_family(charts: Records, client: HttpClient) -> None:
    """Requests staff recorded stay with staff; the family's disagreement link is theirs only."""
    county = charts.county
    recorded = deny(
        county.clinician,
        staff_request(county.clinician, charts.kai.client, "note", charts.kai.note.pk),
    )
    client.force_login(county.family)
    assert CHANGE not in client.get(PAGE).content.decode()
    url = reverse("amendments:family-disagreement", args=[recorded.pk])
    assert client.post(url, {"statement": DISAGREEMENT}).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.add_disagreement(county.family, recorded, statement=DISAGREEMENT)
    recorded.refresh_from_db()
    assert recorded.disagreement == "" and recorded.status == Status.DENIED


def test_it_speaks_the_familys_language(charts: Records, client: HttpClient) -> None:
    """The page follows the portal's language; its own strings go through gettext (their
    Spanish is filled in the catalog later, English shows through until then)."""
    client.force_login(charts.county.family)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(PAGE).content.decode()
    assert '<html lang="es">' in page
    assert "Volver a Hoy" in page  # the portal's own strings, already translated
    with translation.override("es"):
        assert str(FamilyRequestForm.base_fields["record"].label) == translation.gettext(
            "What is wrong?"
        )
