"""Role × URL for the portal's routes, in the shape of tests/clinic/test_access_matrix.py
(whose MATRIX should take these rows: see PORTAL_MATRIX). Program A is Harbor (Kai), B is
Bayside (Nico)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.clinic import actions as clinic_actions
from between.homework import actions as homework_actions
from between.homework.models import Assignment, PracticeLog
from between.portal import actions
from between.portal.models import Invitation
from tests.clinic.test_access_matrix import PERSONAS, clinical_counts, request, sign_in_as
from tests.conftest import County
from tests.portal.conftest import Family

# fmt: off
#  route                         method object anon clin  sup  rev  ana  trn  adm  fam  out
PORTAL_MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    ("portal:index",              "GET",  "-", 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:sign-in",            "GET",  "-", 200, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:sign-in",            "POST", "-", 422, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:link-request",       "GET",  "-", 200, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:link-request",       "POST", "-", 422, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:link-sign-in",       "GET",  "-", 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("portal:link-sign-in",       "POST", "-", 410, 410, 410, 410, 410, 410, 410, 410, 410),
    ("portal:join",               "GET",  "-", 200, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:join",               "POST", "-", 422, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:join-link",          "GET",  "-", 410, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:join-link",          "POST", "-", 422, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:sign-out",           "POST", "-", 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:language",           "POST", "-", 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("portal:today",              "GET",  "-", 302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("portal:week",               "GET",  "-", 302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("portal:help",               "GET",  "-", 302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("portal:messages-stop",      "POST", "-", 302, 404, 404, 404, 404, 404, 404, 302, 404),
    # An empty tap form: back to Today with a message, nothing written.
    ("portal:log-create",         "POST", "A", 302, 404, 404, 404, 404, 404, 404, 302, 404),
    ("portal:log-create",         "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
    ("portal:log-details",        "POST", "A", 302, 404, 404, 404, 404, 404, 404, 302, 404),
    ("portal:log-details",        "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
    ("portal:reminders",          "GET",  "A", 302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("portal:reminders",          "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
    ("portal:reminders",          "POST", "A", 302, 404, 404, 404, 404, 404, 404, 422, 404),
    ("portal:reminders",          "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
    # The clinician's side: those who may change the client's record.
    ("portal:invite",             "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("portal:invite",             "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    ("portal:invite",             "POST", "A", 302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("portal:invite",             "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 422),
    ("portal:invitation-handout", "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("portal:invitation-handout", "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    ("portal:invitation-revoke",  "POST", "A", 302, 302, 302, 404, 404, 404, 404, 404, 404),
    ("portal:invitation-revoke",  "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 302),
]
# fmt: on

STAFF_SIGN_IN_FIRST = {"portal:invite", "portal:invitation-handout", "portal:invitation-revoke"}
FAMILY_SIGN_IN_FIRST = {
    "portal:today",
    "portal:week",
    "portal:help",
    "portal:messages-stop",
    "portal:log-create",
    "portal:log-details",
    "portal:reminders",
}


def _assignment(family: Family, side: str) -> Assignment:
    return family.kai_homework if side == "A" else family.nico_homework


def _log(family: Family, side: str) -> PracticeLog:
    return PracticeLog.objects.get(assignment=_assignment(family, side))


def _invitation(family: Family, side: str) -> Invitation:
    client = family.county.client if side == "A" else family.county.other_client
    return Invitation.objects.get(client=client)


URL_ARGUMENTS: dict[str, Callable[[Family, str], dict[str, Any]]] = {
    "portal:link-sign-in": lambda f, side: {"token": "not-a-token"},
    "portal:join-link": lambda f, side: {"token": "not-a-token"},
    "portal:log-create": lambda f, side: {"assignment_id": _assignment(f, side).pk},
    "portal:reminders": lambda f, side: {"assignment_id": _assignment(f, side).pk},
    "portal:log-details": lambda f, side: {"log_id": _log(f, side).pk},
    "portal:invite": lambda f, side: {
        "client_id": (f.county.client if side == "A" else f.county.other_client).pk
    },
    "portal:invitation-handout": lambda f, side: {"invitation_id": _invitation(f, side).pk},
    "portal:invitation-revoke": lambda f, side: {"invitation_id": _invitation(f, side).pk},
}


@pytest.fixture
def portal_county(family: Family) -> Family:
    """Kai's and Nico's homework, a log on each (Kai's by Maria), an invitation on each side."""
    county: County = family.county
    for side, actor, source in (
        ("A", county.family, "portal"),
        ("B", county.outsider, "clinician"),
    ):
        homework_actions.log_practice(
            actor,
            _assignment(family, side),
            practiced_on=_assignment(family, side).session.occurred_on,
            completion="done",
            source=source,
            idempotency_key=f"matrix-{side}",
        )
    actions.invite(county.clinician, county.client, channel="print", caregiver=county.caregiver)
    nicos_mother = clinic_actions.add_caregiver(
        None, county.other_client, given_name="Eva", family_name="Hart"
    )
    actions.invite(county.outsider, county.other_client, channel="print", caregiver=nicos_mother)
    return family


@pytest.mark.parametrize(
    "row", PORTAL_MATRIX, ids=[f"{r}-{m}-{s}" for r, m, s, *_ in PORTAL_MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    portal_county: Family, client: HttpClient, row: tuple[Any, ...]
) -> None:
    family = portal_county
    route, method, side, *expected = row
    before = clinical_counts()
    arguments = URL_ARGUMENTS[route](family, side) if route in URL_ARGUMENTS else {}
    url = reverse(route, kwargs=arguments)
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, family.county, persona)
        response = request(client, method, route, url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif persona == "anonymous" and route in STAFF_SIGN_IN_FIRST:
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
        elif persona == "anonymous" and route in FAMILY_SIGN_IN_FIRST:
            assert response["Location"].startswith("/family/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    assert clinical_counts() == before


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in PORTAL_MATRIX:
        if row[2] == "A":
            assert row[outsider] == 404, row
