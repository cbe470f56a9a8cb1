"""Role × URL for the fhir routes, in the shape of tests/clinic/test_access_matrix.py (whose
coverage test takes these rows: see OTHER_MATRICES there).

FHIR answers in its own words: anonymous callers get 401 (no sign-in redirect), families 403,
a record outside the viewer's scope 404; a search finds only what the viewer may see (200).
Program A is Harbor (Kai, Carla's client), B is Bayside (Nico, Olivia's). Every answer, refusals
included, is application/fhir+json: a resource, a Bundle or an OperationOutcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.clinic.actions import today
from between.clinic.models import ClientCaregiver
from between.interop.fhir.http import FHIR_JSON
from tests.clinic.test_access_matrix import PERSONAS, clinical_counts, sign_in_as
from tests.interop.test_fhir_fixtures import Record, parse, record

__all__ = ["record"]

# Client records: the clinician's caseload and the supervisor's program; nobody else.
REC_A = (401, 200, 200, 404, 404, 404, 404, 403, 404)
REC_B = (401, 404, 404, 404, 404, 404, 404, 403, 200)
# Programs and their staff and aggregates: every staff role of the program.
PROG_A = (401, 200, 200, 200, 200, 200, 200, 403, 404)
PROG_B = (401, 404, 404, 404, 404, 404, 404, 403, 200)
# Searches, the library and the measures: every staff member (a search finds what they may see).
STAFF = (401, 200, 200, 200, 200, 200, 200, 403, 200)
PUBLIC = (200, 200, 200, 200, 200, 200, 200, 200, 200)

RECORD_KINDS = ("patient", "relatedperson", "encounter", "careplan", "task", "observation")
PROGRAM_KINDS = ("practitioner", "organization", "measurereport")
SHARED_KINDS = ("activitydefinition", "measure", "codesystem")
ALL_KINDS = RECORD_KINDS + PROGRAM_KINDS + SHARED_KINDS

Row = tuple[str, str, str, int, int, int, int, int, int, int, int, int]


def _rows() -> list[Row]:
    rows: list[Row] = [
        ("fhir:metadata", "GET", "-", *PUBLIC),
        ("fhir:patient-everything", "GET", "A", *REC_A),
        ("fhir:patient-everything", "GET", "B", *REC_B),
    ]
    for kind in ALL_KINDS:
        rows.append((f"fhir:{kind}-search", "GET", "-", *STAFF))
        if kind in SHARED_KINDS:
            rows.append((f"fhir:{kind}-read", "GET", "-", *STAFF))
            continue
        a, b = (REC_A, REC_B) if kind in RECORD_KINDS else (PROG_A, PROG_B)
        rows += [(f"fhir:{kind}-read", "GET", "A", *a), (f"fhir:{kind}-read", "GET", "B", *b)]
    return rows


#  route  method  object  anon clin  sup  rev  ana  trn  adm  fam  out
FHIR_MATRIX: list[Row] = _rows()


def _side(record: Record, a: Any, b: Any, side: str) -> Any:
    return a if side == "A" else b


def _report_id(record: Record, side: str) -> str:
    program = _side(record, record.county.harbor, record.county.bayside, side)
    return f"homework-assigned.{program.pk}.{today():%Y-%m}"


OBJECT_IDS: dict[str, Callable[[Record, str], Any]] = {
    "patient": lambda r, s: _side(r, r.county.client, r.county.other_client, s).pk,
    "relatedperson": lambda r, s: (
        ClientCaregiver.objects.get(client=_side(r, r.county.client, r.county.other_client, s)).pk
    ),
    "encounter": lambda r, s: _side(r, r.first_session, r.nico_session, s).pk,
    "careplan": lambda r, s: _side(r, r.county.client, r.county.other_client, s).pk,
    "task": lambda r, s: _side(r, r.breathing, r.nico_task, s).pk,
    "observation": lambda r, s: _side(r, r.family_log, r.nico_log, s).pk,
    "practitioner": lambda r, s: _side(r, r.county.clinician, r.county.outsider, s).pk,
    "organization": lambda r, s: _side(r, r.county.harbor, r.county.bayside, s).pk,
    "measurereport": _report_id,
    "activitydefinition": lambda r, s: r.item.pk,
    "measure": lambda r, s: "homework-assigned",
    "codesystem": lambda r, s: "homework-barrier",
}


def url_of(record: Record, route: str, side: str) -> str:
    if route == "fhir:metadata" or route.endswith("-search"):
        return reverse(route)
    kind = "patient" if route == "fhir:patient-everything" else route[5:].removesuffix("-read")
    return reverse(route, kwargs={"resource_id": OBJECT_IDS[kind](record, side)})


@pytest.mark.parametrize(
    "row", FHIR_MATRIX, ids=[f"{route}-{method}-{side}" for route, method, side, *_ in FHIR_MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    record: Record, client: HttpClient, row: tuple[Any, ...]
) -> None:
    route, method, side, *expected = row
    url = url_of(record, route, side)
    before = clinical_counts()
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, record.county, persona)
        response = client.get(url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
            continue
        assert response["Content-Type"] == FHIR_JSON, (persona, url)
        body = response.json()
        parse(body)
        if status >= 400:
            assert body["resourceType"] == "OperationOutcome", (persona, url)
    assert wrong == [], f"{method} {url}"
    assert clinical_counts() == before


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in FHIR_MATRIX:
        if row[2] == "A":
            assert row[outsider] == 404, row


def test_it_has_a_row_for_every_kind_served() -> None:
    from between.interop.fhir.kinds import KINDS

    assert {kind.lower() for kind in KINDS} == set(ALL_KINDS)
