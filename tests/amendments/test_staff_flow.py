"""ONC 170.315(d)(4) for staff: record a family's request against the record it is about,
accept it (the amendment is appended to that record) or deny it with a reason (the request and
the denial are appended), and append the family's statement of disagreement once.

The story: Maria phones Carla, Kai's clinician, because a practice log says Kai did not practice
on a day he did.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.template import Context, Template
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from between.accounts.models import AuditEvent
from between.amendments import actions, appended
from between.amendments import records as record_kinds
from between.amendments.models import AmendmentRequest, Status
from tests.amendments.helpers import (
    AMENDMENT,
    CHANGE,
    DISAGREEMENT,
    REASON,
    Records,
    accept,
    deny,
    staff_request,
)
from tests.emergency.helpers import grant
from tests.homework.factories import days_ago

TEXTS = (CHANGE, AMENDMENT, REASON, DISAGREEMENT)


def list_url(charts: Records, side: str = "A") -> str:
    return reverse("amendments:client-list", args=[charts.side(side).client.pk])


def request_form(record_key: str, **changes: Any) -> dict[str, Any]:
    return {
        "record": record_key,
        "requested_by": "caregiver",
        "received_on": days_ago(1).isoformat(),
        "requested_change": CHANGE,
        "submission_key": str(uuid.uuid4()),
        **changes,
    }


def log_key(charts: Records) -> str:
    return f"practice_log:{charts.kai.log.pk}"


def render_client_section(charts: Records) -> str:
    template = Template("{% load amendment_tags %}{% client_amendments client %}")
    return template.render(Context({"client": charts.kai.client}))


def render_record(record: Any) -> str:
    template = Template("{% load amendment_tags %}{% record_amendments record %}")
    return template.render(Context({"record": record}))


def events(**filters: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="amendments.amendmentrequest", **filters).order_by(
            "id"
        )
    )


# --- Recording a request -----------------------------------------------------------------------


def test_it_offers_every_kind_of_the_clients_records_and_nothing_of_another_client(
    charts: Records, client: HttpClient
) -> None:
    client.force_login(charts.county.clinician)
    response = client.get(list_url(charts))
    assert response.status_code == 200
    page = response.content.decode()
    kai, nico = charts.kai, charts.nico
    for value in (
        f"client:{kai.client.pk}",
        f"session:{kai.session.pk}",
        f"note:{kai.note.pk}",
        f"assignment:{kai.assignment.pk}",
        f"practice_log:{kai.log.pk}",
    ):
        assert f'value="{value}"' in page, value
    for value in (f"client:{nico.client.pk}", f"session:{nico.session.pk}"):
        assert f'value="{value}"' not in page, value


def test_it_records_a_request_against_the_chosen_record(
    charts: Records, client: HttpClient
) -> None:
    client.force_login(charts.county.clinician)
    response = client.post(list_url(charts), request_form(log_key(charts)))
    amendment = AmendmentRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{list_url(charts)}#amendment-{amendment.pk}"
    assert (amendment.client, amendment.record_type, amendment.record_id) == (
        charts.kai.client,
        "practice_log",
        charts.kai.log.pk,
    )
    assert amendment.status == Status.PENDING
    assert amendment.recorded_by == charts.county.clinician
    assert amendment.requested_by_user is None
    assert amendment.requested_change == CHANGE
    page = client.get(response["Location"]).content.decode()
    assert "Amendment request recorded." in page
    assert "Waiting for a decision" in page and CHANGE in page


def test_it_records_a_double_submit_once(charts: Records, client: HttpClient) -> None:
    client.force_login(charts.county.clinician)
    form = request_form(log_key(charts))
    first = client.post(list_url(charts), form)
    again = client.post(list_url(charts), form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert AmendmentRequest.objects.count() == 1
    assert len(events(action="create")) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"record": ""}, "Choose the record the family asks to change."),
        ({"requested_change": "  "}, "Write what the family says is wrong and what it should say."),
        ({"received_on": days_ago(-1).isoformat()}, "The date cannot be in the future."),
        ({"requested_by": "neighbour"}, "Select a valid choice."),
    ],
)
def test_it_refuses_an_incomplete_request_and_writes_nothing(
    charts: Records, client: HttpClient, changes: dict[str, str], message: str
) -> None:
    client.force_login(charts.county.clinician)
    response = client.post(list_url(charts), request_form(log_key(charts), **changes))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not AmendmentRequest.objects.exists()
    assert events() == []


def test_it_refuses_a_record_of_another_client(charts: Records, client: HttpClient) -> None:
    client.force_login(charts.county.clinician)
    nico_session = f"session:{charts.nico.session.pk}"
    response = client.post(list_url(charts), request_form(nico_session))
    assert response.status_code == 422
    assert "Choose one of this client&#x27;s records." in response.content.decode()
    with pytest.raises(ValidationError):
        staff_request(charts.county.clinician, charts.kai.client, "session", charts.nico.session.pk)
    assert not AmendmentRequest.objects.exists()


def test_it_refuses_and_audits_a_writer_of_another_program(charts: Records) -> None:
    with pytest.raises(PermissionDenied):
        staff_request(charts.county.outsider, charts.kai.client, "client", charts.kai.client.pk)
    event = AuditEvent.objects.filter(action="deny").latest("id")
    assert (event.actor_id, event.client_id, event.detail) == (
        charts.county.outsider.pk,
        charts.kai.client.pk,
        "amendments:write",
    )
    assert not AmendmentRequest.objects.exists()


# --- Accepting: the amendment is appended ------------------------------------------------------


def decide_url(amendment: AmendmentRequest) -> str:
    return reverse("amendments:decide", args=[amendment.pk])


def test_it_accepts_and_appends_the_amendment_to_the_record(
    charts: Records, client: HttpClient
) -> None:
    county = charts.county
    amendment = staff_request(
        county.clinician, charts.kai.client, "practice_log", charts.kai.log.pk
    )
    client.force_login(county.supervisor)
    response = client.post(decide_url(amendment), {"decision": "accepted", "note": AMENDMENT})
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.status == Status.ACCEPTED
    assert amendment.decided_by == county.supervisor and amendment.decided_at is not None
    assert amendment.decision_note == AMENDMENT
    # Appended to the log itself, and shown on the client's page under the log's name.
    assert appended.amendments_for(charts.kai.log) == [amendment]
    assert AMENDMENT in render_record(charts.kai.log)
    section = render_client_section(charts)
    label = record_kinds.label("practice_log", charts.kai.log)
    assert AMENDMENT in section and label in section
    assert "Amendment, accepted" in section
    assert f"{list_url(charts)}#amendment-{amendment.pk}" in section
    # Other records show nothing.
    assert render_record(charts.kai.assignment).strip() == ""
    assert appended.amendments_for(charts.kai.client) == []


# --- Denying: the request and the denial are appended ------------------------------------------


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ("denied", "Give the reason for the denial."),
        ("accepted", "Write the amendment to append to the record."),
        ("", "Choose to accept or to deny the request."),
    ],
)
def test_it_refuses_a_decision_without_its_text_and_keeps_the_request_pending(
    charts: Records, client: HttpClient, decision: str, message: str
) -> None:
    amendment = staff_request(
        charts.county.clinician, charts.kai.client, "note", charts.kai.note.pk
    )
    client.force_login(charts.county.clinician)
    response = client.post(decide_url(amendment), {"decision": decision, "note": " "})
    assert response.status_code == 422
    assert message in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.status == Status.PENDING and amendment.decided_at is None
    assert events(action="update") == []
    with pytest.raises(ValidationError):
        actions.decide(charts.county.clinician, amendment, decision=decision or "maybe", note="")


def test_it_denies_with_the_reason_and_appends_the_request_and_the_denial(
    charts: Records, client: HttpClient
) -> None:
    county = charts.county
    amendment = staff_request(county.clinician, charts.kai.client, "note", charts.kai.note.pk)
    client.force_login(county.clinician)
    response = client.post(decide_url(amendment), {"decision": "denied", "note": REASON})
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert (amendment.status, amendment.decision_note) == (Status.DENIED, REASON)
    for page in (render_record(charts.kai.note), render_client_section(charts)):
        assert "Amendment request denied" in page
        assert CHANGE in page and REASON in page
    assert appended.amendments_for(charts.kai.note) == [amendment]
    # A session and a note of the same id are different records.
    assert appended.amendments_for(charts.kai.session) == []


def test_it_decides_once(charts: Records, client: HttpClient) -> None:
    county = charts.county
    amendment = staff_request(county.clinician, charts.kai.client, "client", charts.kai.client.pk)
    client.force_login(county.clinician)
    first = client.post(decide_url(amendment), {"decision": "accepted", "note": AMENDMENT})
    again = client.post(decide_url(amendment), {"decision": "denied", "note": REASON})
    assert first.status_code == again.status_code == 302
    assert "This request was already decided." in client.get(again["Location"]).content.decode()
    amendment.refresh_from_db()
    assert (amendment.status, amendment.decision_note) == (Status.ACCEPTED, AMENDMENT)
    decided, now = actions.decide(county.supervisor, amendment, decision="denied", note=REASON)
    assert now is False and decided.status == Status.ACCEPTED
    assert [e.detail for e in events(action="update")] == ["accepted"]


def test_it_keeps_a_decision_complete_in_the_database(charts: Records) -> None:
    amendment = staff_request(
        charts.county.clinician, charts.kai.client, "client", charts.kai.client.pk
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AmendmentRequest.objects.filter(pk=amendment.pk).update(status="accepted")
    with pytest.raises(IntegrityError), transaction.atomic():
        AmendmentRequest.objects.filter(pk=amendment.pk).update(disagreement=DISAGREEMENT)


# --- The family's statement of disagreement ----------------------------------------------------


def test_it_appends_one_statement_of_disagreement_after_a_denial(
    charts: Records, client: HttpClient
) -> None:
    county = charts.county
    amendment = deny(
        county.clinician,
        staff_request(county.clinician, charts.kai.client, "session", charts.kai.session.pk),
    )
    url = reverse("amendments:disagreement", args=[amendment.pk])
    client.force_login(county.supervisor)
    empty = client.post(url, {"statement": ""})
    assert empty.status_code == 422
    assert "Please write why you disagree with the decision." in empty.content.decode()
    assert client.post(url, {"statement": DISAGREEMENT}).status_code == 302
    again = client.post(url, {"statement": "Something else entirely."})
    assert again.status_code == 302
    amendment.refresh_from_db()
    assert amendment.disagreement == DISAGREEMENT
    assert amendment.disagreement_by == county.supervisor
    page = render_record(charts.kai.session)
    assert DISAGREEMENT in page and REASON in page and CHANGE in page
    assert [e.detail for e in events(action="update")] == ["denied", "disagreement"]


def test_it_takes_no_statement_before_a_denial(charts: Records, client: HttpClient) -> None:
    county = charts.county
    pending = staff_request(county.clinician, charts.kai.client, "client", charts.kai.client.pk)
    accepted = accept(
        county.clinician,
        staff_request(county.clinician, charts.kai.client, "note", charts.kai.note.pk),
    )
    client.force_login(county.clinician)
    for amendment in (pending, accepted):
        url = reverse("amendments:disagreement", args=[amendment.pk])
        assert client.post(url, {"statement": DISAGREEMENT}).status_code == 302
        with pytest.raises(ValidationError):
            actions.add_disagreement(county.clinician, amendment, statement=DISAGREEMENT)
        amendment.refresh_from_db()
        assert amendment.disagreement == ""


# --- Who sees what -----------------------------------------------------------------------------


def test_it_shows_the_list_to_readers_without_the_forms(
    charts: Records, client: HttpClient
) -> None:
    county = charts.county
    amendment = staff_request(county.clinician, charts.kai.client, "client", charts.kai.client.pk)
    grant(county.analyst, charts.kai.client)  # emergency access: read only
    client.force_login(county.analyst)
    page = client.get(list_url(charts)).content.decode()
    assert CHANGE in page
    assert "Record a request" not in page and "Record the decision" not in page
    response = client.post(decide_url(amendment), {"decision": "accepted", "note": AMENDMENT})
    assert response.status_code == 404
    amendment.refresh_from_db()
    assert amendment.is_pending


def test_it_keeps_the_texts_out_of_the_audit_trail(charts: Records, client: HttpClient) -> None:
    county = charts.county
    client.force_login(county.clinician)
    client.post(list_url(charts), request_form(log_key(charts)))
    amendment = AmendmentRequest.objects.get()
    client.post(decide_url(amendment), {"decision": "denied", "note": REASON})
    url = reverse("amendments:disagreement", args=[amendment.pk])
    client.post(url, {"statement": DISAGREEMENT})
    trail = events()
    assert [(e.action, e.detail) for e in trail] == [
        ("create", "requested:practice_log"),
        ("update", "denied"),
        ("update", "disagreement"),
    ]
    assert {(e.client_id, e.program_id, e.object_id) for e in trail} == {
        (charts.kai.client.pk, county.harbor.pk, str(amendment.pk))
    }
    for event in AuditEvent.objects.all():
        for text in TEXTS:
            assert text[:20] not in f"{event.detail} {event.path} {event.object_id}"


def test_it_keeps_the_client_section_queries_flat(charts: Records) -> None:
    county = charts.county
    kai = charts.kai
    deny(county.clinician, staff_request(county.clinician, kai.client, "client", kai.client.pk))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            render_client_section(charts)
        return len(queries)

    few = count()
    for record_type, record_id in (
        ("session", kai.session.pk),
        ("note", kai.note.pk),
        ("assignment", kai.assignment.pk),
        ("practice_log", kai.log.pk),
    ):
        for _ in range(3):
            accept(
                county.clinician,
                staff_request(county.clinician, kai.client, record_type, record_id),
            )
    staff_request(county.clinician, kai.client, "client", kai.client.pk)  # pending
    many = count()
    # One query for the requests, and one per kind of record named, however many there are.
    assert (few, many) == (1, 5)
    assert "1 waits for a decision" in render_client_section(charts)


def test_it_gives_a_records_amendments_to_lay_out_and_refuses_other_objects(
    charts: Records,
) -> None:
    county = charts.county
    amendment = accept(
        county.clinician,
        staff_request(county.clinician, charts.kai.client, "assignment", charts.kai.assignment.pk),
    )
    template = Template(
        "{% load amendment_tags %}{% amendments_for record as items %}"
        "{% for a in items %}[{{ a.pk }}:{{ a.status }}]{% endfor %}"
    )
    rendered = template.render(Context({"record": charts.kai.assignment}))
    assert rendered == f"[{amendment.pk}:accepted]"
    with pytest.raises(TypeError):
        appended.amendments_for(county.harbor)


CLIENT_PAGE = Path(__file__).resolve().parents[2] / (
    "between/clinic/templates/clinic/client_detail.html"
)


@pytest.mark.skipif(
    "client_amendments" not in CLIENT_PAGE.read_text(),
    reason="the client page does not include the amendments section yet",
)
def test_it_shows_the_appended_amendments_on_the_client_page(
    charts: Records, client: HttpClient
) -> None:
    county = charts.county
    kai = charts.kai
    accepted = accept(
        county.clinician, staff_request(county.clinician, kai.client, "practice_log", kai.log.pk)
    )
    denied = deny(
        county.clinician, staff_request(county.clinician, kai.client, "note", kai.note.pk)
    )
    client.force_login(county.supervisor)
    page = client.get(reverse("clinic:client-detail", args=[kai.client.pk])).content.decode()
    assert AMENDMENT in page and REASON in page and CHANGE in page
    for amendment in (accepted, denied):
        assert f"{list_url(charts)}#amendment-{amendment.pk}" in page
