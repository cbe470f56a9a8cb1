"""Role × URL × ownership: what every persona gets from every page, on program A and B objects.

Program A is Harbor Clinic (client Kai), program B is Bayside Center (client Nico, Olivia's).
Every URL pattern of the project must have its rows here: a new page fails
`test_it_covers_every_url_pattern` until someone decides who may open it.
The admin site's own routes are covered by `test_it_keeps_the_admin_site_to_admin_site_users`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from between.accounts import actions as account_actions
from between.clinic.models import ProgressNote, Session
from tests.conftest import PASSWORD, County

PERSONAS = (
    "anonymous",
    "clinician",
    "supervisor",
    "reviewer",
    "analyst",
    "trainer",
    "admin",
    "family",
    "outsider",
)

# fmt: off
#  route                    method  object  anon clin  sup  rev  ana  trn  adm  fam  out
MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    ("home",                  "GET",  "-",  302, 200, 200, 200, 200, 200, 200, 200, 200),
    ("healthz",               "GET",  "-",  200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("accounts:login",        "GET",  "-",  200, 302, 302, 302, 302, 302, 302, 302, 302),
    ("accounts:logout",       "GET",  "-",  405, 405, 405, 405, 405, 405, 405, 405, 405),
    ("accounts:logout",       "POST", "-",  302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("set_language",          "POST", "-",  302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("clinic:client-detail",  "GET",  "A",  302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("clinic:client-detail",  "GET",  "B",  302, 404, 404, 404, 404, 404, 404, 404, 200),
    # An empty form: 422 (invalid, nothing saved) for those who may write, 404 for the rest.
    ("clinic:client-detail",  "POST", "A",  302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("clinic:client-detail",  "POST", "B",  302, 404, 404, 404, 404, 404, 404, 404, 422),
    ("clinic:program-detail", "GET",  "A",  302, 200, 200, 200, 200, 200, 200, 404, 404),
    ("clinic:program-detail", "GET",  "B",  302, 404, 404, 404, 404, 404, 404, 404, 200),
]
# fmt: on

# Pages that need a signed-in user: anonymous visitors are sent to the sign-in page.
SIGN_IN_FIRST = {"home", "clinic:client-detail", "clinic:program-detail"}

URL_ARGUMENTS: dict[str, Callable[[County, str], dict[str, int]]] = {
    "clinic:client-detail": lambda county, side: {
        "client_id": (county.client if side == "A" else county.other_client).pk
    },
    "clinic:program-detail": lambda county, side: {
        "program_id": (county.harbor if side == "A" else county.bayside).pk
    },
}

POST_DATA: dict[str, dict[str, str]] = {"set_language": {"language": "es", "next": "/"}}


def route_names(
    resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""
) -> Iterator[str]:
    """Every URL pattern's name (namespaced), recursing into includes; unnamed ones by path."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin site's own routes: see the admin test below
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from route_names(entry, inner, prefix + str(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            yield f"{namespace}{entry.name}" if entry.name else f"<unnamed {prefix}{entry.pattern}>"


def test_it_covers_every_url_pattern() -> None:
    in_project = set(route_names())
    in_matrix = {row[0] for row in MATRIX}
    assert in_project - in_matrix == set(), "URL patterns missing from the access matrix"
    assert in_matrix - in_project == set(), "rows for URL patterns that no longer exist"


def test_it_finds_the_included_routes() -> None:
    # Guards the enumeration itself: included, namespaced routes are found.
    assert {"accounts:login", "clinic:client-detail"} <= set(route_names())


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in MATRIX:
        if row[2] == "A":
            assert row[outsider] == 404, row


def sign_in_as(http: HttpClient, county: County, persona: str) -> None:
    http.logout()
    if persona != "anonymous":
        http.force_login(county.persona(persona))


def request(http: HttpClient, method: str, route: str, url: str) -> Any:
    if method == "POST":
        return http.post(url, POST_DATA.get(route, {}))
    return http.get(url)


@pytest.mark.parametrize(
    "row", MATRIX, ids=[f"{route}-{method}-{side}" for route, method, side, *_ in MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    county: County, client: HttpClient, row: tuple[Any, ...]
) -> None:
    route, method, side, *expected = row
    arguments = URL_ARGUMENTS[route](county, side) if route in URL_ARGUMENTS else {}
    url = reverse(route, kwargs=arguments)
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, county, persona)
        response = request(client, method, route, url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif persona == "anonymous" and route in SIGN_IN_FIRST:
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    # No request in the matrix writes clinical data.
    assert not Session.objects.exists()
    assert not ProgressNote.objects.exists()


def test_it_keeps_the_admin_site_to_admin_site_users(county: County, client: HttpClient) -> None:
    for persona in PERSONAS:
        sign_in_as(client, county, persona)
        response = client.get("/admin/")
        assert response.status_code == 302, persona
        assert response["Location"].startswith("/admin/login/"), persona
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
    # Clinical records are not in the admin site at all.
    assert client.get("/admin/clinic/client/").status_code == 404
