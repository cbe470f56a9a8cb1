"""Role × URL for the emergency access routes, in the shape of tests/clinic/test_access_matrix.py
(whose coverage test takes these rows: see OTHER_MATRICES there).

Ana (analyst, Harbor) and Olivia (the outsider, Bayside) are designated for emergency access.
Grant A is Ana's on Kai (a Harbor client), grant B is Ana's on Nico (a Bayside client): Sam and
Adele review Harbor's grants; nobody among the personas supervises Bayside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.emergency.models import EmergencyAccess
from tests.clinic.test_access_matrix import PERSONAS, clinical_counts, request, sign_in_as
from tests.conftest import County
from tests.emergency.helpers import designate, grant

# fmt: off
#  route  method  object  anon clin  sup  rev  ana  trn  adm  fam  out
EMERGENCY_MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    # Designated staff only (the emergency.break_glass permission and a staff role).
    ("emergency:request",     "GET",  "-", 302, 404, 404, 404, 200, 404, 404, 404, 200),
    # An empty form: 422, no grant.
    ("emergency:request",     "POST", "-", 302, 404, 404, 404, 422, 404, 404, 404, 422),
    # Only the grant's holder ends it.
    ("emergency:end",         "POST", "A", 302, 404, 404, 404, 302, 404, 404, 404, 404),
    ("emergency:end",         "POST", "B", 302, 404, 404, 404, 302, 404, 404, 404, 404),
    # Supervisors and administrators (and superusers) see the grants of their programs' clients.
    ("emergency:review-list", "GET",  "-", 302, 404, 200, 404, 404, 404, 200, 404, 404),
    # An empty review: 422, nothing recorded.
    ("emergency:review",      "POST", "A", 302, 404, 422, 404, 404, 404, 422, 404, 404),
    ("emergency:review",      "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
]
# fmt: on


def _grants(county: County) -> dict[str, EmergencyAccess]:
    designate(county.analyst, county.outsider)
    return {
        "A": grant(county.analyst, county.client),
        "B": grant(county.analyst, county.other_client),
    }


URL_ARGUMENTS: dict[str, Callable[[dict[str, EmergencyAccess], str], dict[str, Any]]] = {
    "emergency:end": lambda grants, side: {"grant_id": grants[side].pk},
    "emergency:review": lambda grants, side: {"grant_id": grants[side].pk},
}


@pytest.mark.parametrize(
    "row", EMERGENCY_MATRIX, ids=[f"{r}-{m}-{s}" for r, m, s, *_ in EMERGENCY_MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    county: County, client: HttpClient, row: tuple[Any, ...]
) -> None:
    route, method, side, *expected = row
    grants = _grants(county)
    before = clinical_counts()
    reviewed_before = EmergencyAccess.objects.filter(reviewed_at__isnull=False).count()
    arguments = URL_ARGUMENTS[route](grants, side) if route in URL_ARGUMENTS else {}
    url = reverse(route, kwargs=arguments)
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, county, persona)
        response = request(client, method, route, url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif persona == "anonymous":
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    assert clinical_counts() == before
    # No request in the matrix makes a grant or records a review.
    assert EmergencyAccess.objects.count() == 2
    assert EmergencyAccess.objects.filter(reviewed_at__isnull=False).count() == reviewed_before


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in EMERGENCY_MATRIX:
        if row[2] == "A":
            assert row[outsider] == 404, row


def test_it_covers_every_emergency_route() -> None:
    from tests.clinic.test_access_matrix import route_names

    routes = {name for name in route_names() if name.startswith("emergency:")}
    assert routes == {row[0] for row in EMERGENCY_MATRIX}
