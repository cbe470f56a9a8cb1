"""Role × URL for the api routes, in the shape of tests/clinic/test_access_matrix.py (whose
coverage test takes these rows: see OTHER_MATRICES there).

Each persona is signed in with a browser session here. The API itself takes only personal
tokens, so with a session alone every endpoint answers 401 (tests/interop/test_api_resources.py
tries each persona's token); the token pages and the docs are for signed-in staff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.interop.api.models import ApiToken
from tests.clinic.test_access_matrix import PERSONAS, clinical_counts, sign_in_as
from tests.interop import test_api_fixtures
from tests.interop.test_api_fixtures import (
    World,
    make_token,
)

ALL_401 = (401, 401, 401, 401, 401, 401, 401, 401, 401)

# fmt: off
#  route  method  object  anon clin  sup  rev  ana  trn  adm  fam  out
API_MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    # Token pages: every staff member keeps their own tokens; families have no API access.
    ("api:token-list",     "GET",  "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    # An empty form: 422, no token made.
    ("api:token-list",     "POST", "-", 302, 422, 422, 422, 422, 422, 422, 404, 422),
    # A: Carla's token, B: Olivia's. Only the owner may revoke it.
    ("api:token-revoke",   "POST", "A", 302, 302, 404, 404, 404, 404, 404, 404, 404),
    ("api:token-revoke",   "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 302),
    # The docs page and the schema: signed-in staff (or a token).
    ("api:v1:openapi-view", "GET", "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("api:v1:openapi-json", "GET", "-", 401, 200, 200, 200, 200, 200, 200, 404, 200),
    ("api:v1:api-root",     "GET", "-", 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # Unknown addresses under /api/v1/: the API's 404, in its error shape.
    ("api:v1-not-found",    "GET", "-", 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # The API: tokens only, a session is not enough.
    ("api:v1:program-list",         "GET",  "-", *ALL_401),
    ("api:v1:program-detail",       "GET",  "A", *ALL_401),
    ("api:v1:client-list",          "GET",  "-", *ALL_401),
    ("api:v1:client-detail",        "GET",  "A", *ALL_401),
    ("api:v1:session-list",         "GET",  "-", *ALL_401),
    ("api:v1:session-detail",       "GET",  "A", *ALL_401),
    ("api:v1:assignment-list",      "GET",  "-", *ALL_401),
    ("api:v1:assignment-detail",    "GET",  "A", *ALL_401),
    ("api:v1:practice-log-list",    "GET",  "-", *ALL_401),
    ("api:v1:practice-log-create",  "POST", "-", *ALL_401),
    ("api:v1:review-list",          "GET",  "-", *ALL_401),
    ("api:v1:review-save",          "POST", "-", *ALL_401),
    ("api:v1:library-template-list", "GET", "-", *ALL_401),
    ("api:v1:indicator-value-list", "GET",  "-", *ALL_401),
]
# fmt: on

# The shared fixture (fixture modules cannot be conftest files here).
world = test_api_fixtures.world


def _token_id(world: World, side: str) -> int:
    owner = world.county.clinician if side == "A" else world.county.outsider
    token = ApiToken.objects.filter(user=owner).first()
    if token is None:
        make_token(owner)
        token = ApiToken.objects.get(user=owner)
    return token.pk


URL_ARGUMENTS: dict[str, Callable[[World, str], dict[str, int | str]]] = {
    "api:v1-not-found": lambda w, side: {"rest": "no-such-thing"},
    "api:token-revoke": lambda w, side: {"token_id": _token_id(w, side)},
    "api:v1:program-detail": lambda w, side: {
        "program_id": (w.county.harbor if side == "A" else w.county.bayside).pk
    },
    "api:v1:client-detail": lambda w, side: {"client_id": w.side(side).session.client_id},
    "api:v1:session-detail": lambda w, side: {"session_id": w.side(side).session.pk},
    "api:v1:assignment-detail": lambda w, side: {"assignment_id": w.side(side).assignment.pk},
}


@pytest.mark.parametrize(
    "row", API_MATRIX, ids=[f"{route}-{method}-{side}" for route, method, side, *_ in API_MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    world: World, client: HttpClient, row: tuple[Any, ...]
) -> None:
    route, method, side, *expected = row
    arguments = URL_ARGUMENTS[route](world, side) if route in URL_ARGUMENTS else {}
    url = reverse(route, kwargs=arguments)
    before = clinical_counts()
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, world.county, persona)
        response = client.post(url, {}) if method == "POST" else client.get(url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif status == 302 and persona == "anonymous":
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    assert clinical_counts() == before


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in API_MATRIX:
        if row[2] == "A":
            assert row[outsider] in (401, 404), row


def test_it_serves_the_docs_from_this_server(world: World, client: HttpClient) -> None:
    client.force_login(world.county.analyst)
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "v1"
    assert "/api/v1/practice-logs" in schema["paths"]
    assert "TokenAuth" in schema["components"]["securitySchemes"]


def test_it_gives_the_schema_to_a_token(world: World, client: HttpClient) -> None:
    secret = make_token(world.county.reviewer)
    response = client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    anonymous = client.get("/api/v1/openapi.json")
    assert anonymous.json()["error"]["code"] == "unauthorized"
