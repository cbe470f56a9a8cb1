"""Fixtures of the REST API tests: the county's personas with homework on both sides, and
helpers to make a token and call the API with it. (No tests here.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from between.accounts.models import User
from between.clinic import actions as clinic_actions
from between.clinic.models import Session
from between.homework import actions as homework_actions
from between.homework.models import Assignment, HomeworkTemplate, PracticeLog, Review
from between.interop.api import tokens
from between.interop.api.models import ApiToken, hash_secret
from tests.conftest import County
from tests.homework.factories import TEMPLATE_FIELDS

STAFF = ("clinician", "supervisor", "reviewer", "analyst", "trainer", "admin", "outsider")
GIVEN_ON = date(2026, 10, 5)
REVIEWED_ON = date(2026, 10, 12)


@dataclass
class Side:
    """One program's records: a session with homework, a log of it, a review a week later."""

    session: Session
    later_session: Session
    assignment: Assignment
    log: PracticeLog
    review: Review


@dataclass
class World:
    county: County
    template: HomeworkTemplate
    a: Side
    b: Side

    def side(self, name: str) -> Side:
        return self.a if name == "A" else self.b


def make_side(clinician: User, client: Any, template: HomeworkTemplate, key: str) -> Side:
    session = clinic_actions.record_session(clinician, client, occurred_on=GIVEN_ON)
    assignment = homework_actions.assign_homework(
        clinician,
        session,
        template_version=template.current,
        assignee="youth",
        frequency_per_week=7,
        language="en",
    )
    log, _ = homework_actions.log_practice(
        clinician,
        assignment,
        practiced_on=GIVEN_ON + timedelta(days=1),
        completion="done",
        source="clinician",
        idempotency_key=f"fixture-{key}",
    )
    later = clinic_actions.record_session(clinician, client, occurred_on=REVIEWED_ON)
    review = homework_actions.review_assignment(clinician, later, assignment, completion="full")
    return Side(session, later, assignment, log, review)


@pytest.fixture
def world(county: County) -> World:
    template = homework_actions.create_template(None, key="api-breathing", fields=TEMPLATE_FIELDS)
    return World(
        county=county,
        template=template,
        a=make_side(county.clinician, county.client, template, "a"),
        b=make_side(county.outsider, county.other_client, template, "b"),
    )


def make_token(user: User, scope: str = "read", days: int = 30) -> str:
    """A new token's secret (made through the action, as the token page does)."""
    made = tokens.create_token(
        user,
        name=f"{user.username} {scope}",
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return made.secret


def family_token(user: User) -> str:
    """Families cannot make tokens; this one stands for a token found some other way."""
    secret = tokens.new_secret()
    ApiToken.objects.create(
        user=user,
        name="smuggled",
        prefix=secret[:12],
        secret_hash=hash_secret(secret),
        expires_at=timezone.now() + timedelta(days=1),
    )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class Api:
    """Calls the API with one persona's token."""

    def __init__(self, http: HttpClient, secret: str) -> None:
        self.http = http
        self.secret = secret

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(f"/api/v1{path}", params, headers=bearer(self.secret))

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.http.post(
            f"/api/v1{path}", body, content_type="application/json", headers=bearer(self.secret)
        )


def api_as(http: HttpClient, county: County, persona: str, scope: str = "read") -> Api:
    user = county.persona(persona)
    secret = family_token(user) if persona == "family" else make_token(user, scope)
    return Api(http, secret)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    error: dict[str, Any] = body["error"]
    return error
