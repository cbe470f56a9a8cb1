"""The gateway's webhooks: signed (HMAC-SHA256 over URL + sorted form fields), not for people.
A bad signature is refused with 403 and nothing is recorded."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from between.accounts.models import AuditEvent
from between.homework.models import Assignment, PracticeLog
from between.notify import actions, signatures
from between.notify.models import InboundMessage, Message
from tests.conftest import County
from tests.notify.conftest import Clock

SECRET = "test-webhook-secret"
FORM = "application/x-www-form-urlencoded"
INBOUND = "http://testserver/notify/sms/inbound"


@pytest.fixture(autouse=True)
def secret(settings: SettingsWrapper) -> None:
    settings.SMS_WEBHOOK_SECRET = SECRET
    settings.SMS_SIGNATURE_ALGORITHMS = ["sha256"]


def form(body: str = "1", sid: str = "SM-w1") -> dict[str, str]:
    return {"From": "+16195550100", "Body": body, "MessageSid": sid}


def signature(url: str, fields: dict[str, str], algorithm: str = "sha256") -> str:
    return signatures.sign(
        SECRET, signatures.signed_text(url, params=fields.items()), algorithm=algorithm
    )


def post(client: HttpClient, url: str, fields: dict[str, str], header: str | None) -> Any:
    """POST form-encoded fields, as gateways do."""
    headers = {"X-Signature": header} if header is not None else {}
    return client.post(url, urlencode(fields), content_type=FORM, headers=headers)


def records() -> tuple[int, int, int, int]:
    counts = (InboundMessage, PracticeLog, Message, AuditEvent)
    return tuple(model.objects.count() for model in counts)  # type: ignore[return-value]


@pytest.fixture
def reminded(county: County, homework: Assignment, clock: Clock) -> Assignment:
    actions.set_reminder_plan(
        county.family, homework, county.caregiver, weekdays=[2], time_of_day=clock.when.time()
    )
    actions.schedule_reminders()
    actions.send_due("test")
    return homework


def test_it_logs_a_signed_reply(client: HttpClient, reminded: Assignment) -> None:
    fields = form("Sí")
    response = post(client, "/notify/sms/inbound", fields, signature(INBOUND, fields))
    assert response.status_code == 200
    assert response.content == b""
    assert PracticeLog.objects.get().assignment == reminded


@pytest.mark.parametrize(
    "header",
    [None, "", "not base64!", signature(INBOUND, form("3")), signature(INBOUND, form(), "sha1")],
    ids=["missing", "empty", "garbage", "other-body", "sha1-not-accepted"],
)
def test_it_refuses_a_bad_signature_and_records_nothing(
    client: HttpClient, reminded: Assignment, header: str | None
) -> None:
    before = records()
    response = post(client, "/notify/sms/inbound", form(), header)
    assert response.status_code == 403
    assert records() == before


def test_it_refuses_everything_without_a_secret(
    client: HttpClient, reminded: Assignment, settings: SettingsWrapper
) -> None:
    fields = form()
    header = signature(INBOUND, fields)
    settings.SMS_WEBHOOK_SECRET = ""
    assert post(client, "/notify/sms/inbound", fields, header).status_code == 403


def test_it_accepts_sha1_when_configured(
    client: HttpClient, reminded: Assignment, settings: SettingsWrapper
) -> None:
    settings.SMS_SIGNATURE_ALGORITHMS = ["sha256", "sha1"]
    fields = form("poco")
    response = post(client, "/notify/sms/inbound", fields, signature(INBOUND, fields, "sha1"))
    assert response.status_code == 200
    assert PracticeLog.objects.get().completion == "partly"


def test_it_signs_the_public_url_behind_a_proxy(
    client: HttpClient, reminded: Assignment, settings: SettingsWrapper
) -> None:
    settings.SMS_WEBHOOK_BASE_URL = "https://between.example.org"
    fields = form()
    public = "https://between.example.org/notify/sms/inbound"
    assert (
        post(client, "/notify/sms/inbound", fields, signature(INBOUND, fields)).status_code == 403
    )
    assert post(client, "/notify/sms/inbound", fields, signature(public, fields)).status_code == 200


def test_it_checks_a_raw_body_signature_for_other_content_types() -> None:
    body = json.dumps({"MessageSid": "SM-j"}).encode()
    url = "http://testserver/notify/sms/status"
    good = signatures.sign(SECRET, signatures.signed_text(url, body=body))
    request = RequestFactory().post(
        "/notify/sms/status", body, content_type="application/json", headers={"X-Signature": good}
    )
    assert signatures.is_valid(request)
    request = RequestFactory().post(
        "/notify/sms/status",
        body + b" ",
        content_type="application/json",
        headers={"X-Signature": good},
    )
    assert not signatures.is_valid(request)


def test_it_accepts_only_post(client: HttpClient) -> None:
    assert client.get(reverse("notify:sms-inbound")).status_code == 405
    assert client.get(reverse("notify:sms-status")).status_code == 405


def test_it_records_delivery_reports(client: HttpClient, reminded: Assignment) -> None:
    [reminder] = Message.objects.filter(kind="reminder")
    url = "http://testserver/notify/sms/status"
    for status in ("delivered", "undelivered"):
        fields = {"MessageSid": reminder.provider_id, "MessageStatus": status}
        response = post(client, "/notify/sms/status", fields, signature(url, fields))
        assert response.status_code == 200
        reminder.refresh_from_db()
        assert reminder.delivery_status == status
    assert (reminder.status, reminder.error) == ("failed", "undelivered")
