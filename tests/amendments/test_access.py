"""Role × URL for the amendment routes, in the shape of tests/clinic/test_access_matrix.py
(whose coverage test takes these rows: see OTHER_MATRICES there).

Program A is Harbor (Kai), B is Bayside (Nico, Olivia's). The objects are amendment requests:
pending ones for `decide`, denied ones for the statements of disagreement; A's family request is
one Maria made in the portal, B's was recorded by Olivia (no family sees it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.amendments.models import AmendmentRequest
from tests.amendments.helpers import Records, deny, family_request, staff_request
from tests.clinic.test_access_matrix import PERSONAS, clinical_counts, request, sign_in_as

# fmt: off
#  route                             method object anon clin  sup  rev  ana  trn  adm  fam  out
AMENDMENTS_MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    # A client's requests: those who may open the record see them.
    ("amendments:client-list",         "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("amendments:client-list",         "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    # Recording one: those who may change the record; an empty form is 422, nothing written.
    ("amendments:client-list",         "POST", "A", 302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("amendments:client-list",         "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 422),
    # Deciding a pending request: the same; an empty decision is 422, still pending.
    ("amendments:decide",              "POST", "A", 302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("amendments:decide",              "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 422),
    # The family's statement received on paper, on a denied request: the same.
    ("amendments:disagreement",        "POST", "A", 302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("amendments:disagreement",        "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 422),
    # The family portal: family accounts only, their own children and their own requests.
    ("amendments:family-request",      "GET",  "-", 302, 404, 404, 404, 404, 404, 404, 200, 404),
    ("amendments:family-request",      "POST", "-", 302, 404, 404, 404, 404, 404, 404, 422, 404),
    ("amendments:family-disagreement", "POST", "A", 302, 404, 404, 404, 404, 404, 404, 422, 404),
    ("amendments:family-disagreement", "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
]
# fmt: on

FAMILY_SIGN_IN_FIRST = {"amendments:family-request", "amendments:family-disagreement"}


def _pending(charts: Records, side: str) -> AmendmentRequest:
    found = charts.side(side)
    writer = charts.county.clinician if side == "A" else charts.county.outsider
    return staff_request(writer, found.client, "session", found.session.pk)


def _denied(charts: Records, side: str) -> AmendmentRequest:
    writer = charts.county.clinician if side == "A" else charts.county.outsider
    return deny(writer, _pending(charts, side))


def _family_denied(charts: Records, side: str) -> AmendmentRequest:
    if side == "B":
        return _denied(charts, side)
    asked = family_request(charts.county.family, "assignment", charts.kai.assignment.pk)
    return deny(charts.county.clinician, asked)


URL_ARGUMENTS: dict[str, Callable[[Records, str], dict[str, Any]]] = {
    "amendments:client-list": lambda c, side: {"client_id": c.side(side).client.pk},
    "amendments:decide": lambda c, side: {"request_id": _pending(c, side).pk},
    "amendments:disagreement": lambda c, side: {"request_id": _denied(c, side).pk},
    "amendments:family-disagreement": lambda c, side: {"request_id": _family_denied(c, side).pk},
}


def _state() -> list[tuple[Any, ...]]:
    return list(
        AmendmentRequest.objects.order_by("pk").values_list(
            "pk", "status", "decision_note", "disagreement"
        )
    )


@pytest.mark.parametrize(
    "row", AMENDMENTS_MATRIX, ids=[f"{r}-{m}-{s}" for r, m, s, *_ in AMENDMENTS_MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    charts: Records, client: HttpClient, row: tuple[Any, ...]
) -> None:
    route, method, side, *expected = row
    arguments = URL_ARGUMENTS[route](charts, side) if route in URL_ARGUMENTS else {}
    url = reverse(route, kwargs=arguments)
    before = (clinical_counts(), _state())
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, charts.county, persona)
        response = request(client, method, route, url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif persona == "anonymous" and route in FAMILY_SIGN_IN_FIRST:
            assert response["Location"].startswith("/family/sign-in/?next="), url
        elif persona == "anonymous":
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    # No request in the matrix records, decides or appends anything.
    assert (clinical_counts(), _state()) == before


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in AMENDMENTS_MATRIX:
        if row[2] == "A":
            assert row[outsider] == 404, row


def test_it_covers_every_amendments_route() -> None:
    from tests.clinic.test_access_matrix import route_names

    routes = {name for name in route_names() if name.startswith("amendments:")}
    assert routes == {row[0] for row in AMENDMENTS_MATRIX}
