"""Role × URL for the outcome pages, in the shape of tests/clinic/test_access_matrix.py (whose
`test_it_covers_every_url_pattern` takes these rows: see OUTCOMES_MATRIX). Program A is Harbor
(Kai), B is Bayside (Nico)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.outcomes.models import Administration
from between.outcomes.seed import PSC_35
from tests.clinic.test_access_matrix import PERSONAS, clinical_counts, request, sign_in_as
from tests.conftest import County
from tests.outcomes.factories import record

# fmt: off
#  route                             method object anon clin  sup  rev  ana  trn  adm  fam  out
OUTCOMES_MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    # A client's scores: those who may open the record.
    ("outcomes:client-outcomes",       "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("outcomes:client-outcomes",       "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    # The clinician's entry: those who may change the record; an empty form is 422, unsaved.
    ("outcomes:administration-create", "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("outcomes:administration-create", "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    ("outcomes:administration-create", "POST", "A", 302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("outcomes:administration-create", "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 422),
    # The family portal: the family's own children only.
    ("outcomes:family-due",            "GET",  "-", 302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("outcomes:family-form",           "GET",  "A", 302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("outcomes:family-form",           "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
    ("outcomes:family-form",           "POST", "A", 302, 404, 404, 404, 404, 404, 404, 422, 404),
    ("outcomes:family-form",           "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
    # The analysis: supervisors and analysts of their programs (aggregates only).
    ("outcomes:analysis",              "GET",  "-", 302, 404, 200, 404, 200, 404, 404, 404, 404),
]
# fmt: on

FAMILY_SIGN_IN_FIRST = {"outcomes:family-due", "outcomes:family-form"}


def _client_id(county: County, side: str) -> int:
    return (county.client if side == "A" else county.other_client).pk


URL_ARGUMENTS: dict[str, Callable[[County, str], dict[str, Any]]] = {
    "outcomes:client-outcomes": lambda c, side: {"client_id": _client_id(c, side)},
    "outcomes:administration-create": lambda c, side: {
        "client_id": _client_id(c, side),
        "instrument_key": PSC_35,
    },
    "outcomes:family-form": lambda c, side: {
        "client_id": _client_id(c, side),
        "instrument_key": PSC_35,
    },
}


@pytest.fixture
def outcomes_county(county: County) -> County:
    """An intake PSC-35 for Kai (by Carla) and for Nico (by Olivia)."""
    record(county.clinician, county.client, on=date(2026, 9, 1))
    record(county.outsider, county.other_client, on=date(2026, 9, 1))
    return county


@pytest.mark.parametrize(
    "row", OUTCOMES_MATRIX, ids=[f"{r}-{m}-{s}" for r, m, s, *_ in OUTCOMES_MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    outcomes_county: County, client: HttpClient, row: tuple[Any, ...]
) -> None:
    county = outcomes_county
    route, method, side, *expected = row
    before = (clinical_counts(), Administration.objects.count())
    arguments = URL_ARGUMENTS[route](county, side) if route in URL_ARGUMENTS else {}
    url = reverse(route, kwargs=arguments)
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, county, persona)
        response = request(client, method, route, url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif persona == "anonymous" and route in FAMILY_SIGN_IN_FIRST:
            assert response["Location"].startswith("/family/sign-in/?next="), url
        elif persona == "anonymous":
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    # No request in the matrix writes anything.
    assert (clinical_counts(), Administration.objects.count()) == before


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in OUTCOMES_MATRIX:
        if row[2] == "A":
            assert row[outsider] == 404, row
