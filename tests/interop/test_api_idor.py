"""IDOR: each staff persona walks every id of every record endpoint of the API and of the FHIR
facade's Patient, one by one past the largest id: what answers 200 is exactly what its list
shows; everything else is the same 404 as an id that does not exist (ids reveal nothing)."""

from __future__ import annotations

import pytest
from django.db.models import Max, Min, Model
from django.test import Client as HttpClient

from between.clinic.models import Client, Session
from between.homework.models import Assignment
from tests.interop import test_api_fixtures
from tests.interop.test_api_fixtures import STAFF, World, api_as, make_token
from tests.interop.test_api_resources import ids

world = test_api_fixtures.world

WALKS = {
    "/clients/{}": ("/clients", Client),
    "/sessions/{}": ("/sessions", Session),
    "/assignments/{}": ("/assignments", Assignment),
}


def around_every_id(model: type[Model]) -> range:
    """Every id from just below the table's first to just past its last (on PostgreSQL the
    sequences run on across tests, so the ids start high), and never one a token's rate limit
    would cut short."""
    span = model._default_manager.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = (span["low"] or 1), (span["high"] or 0)
    assert high - low < 100, "the world grew: walk fewer ids or raise the API's rate limit"
    return range(max(1, low - 3), high + 3)


@pytest.mark.parametrize("persona", STAFF)
def test_it_opens_by_id_only_what_the_list_shows(
    world: World, client: HttpClient, persona: str
) -> None:
    api = api_as(client, world.county, persona)
    for detail, (listing, model) in WALKS.items():
        allowed = ids(api.get(listing))
        opened, answers = set(), set()
        for pk in around_every_id(model):
            response = api.get(detail.format(pk))
            answers.add(response.status_code)
            if response.status_code == 200:
                opened.add(pk)
            else:
                assert response.status_code == 404, (detail, pk, response.status_code)
                assert response.json()["error"]["code"] == "not_found"
        assert opened == allowed, detail
        assert answers <= {200, 404}


@pytest.mark.parametrize("persona", STAFF)
def test_it_opens_fhir_patients_by_id_only_as_the_api_does(
    world: World, client: HttpClient, persona: str
) -> None:
    api = api_as(client, world.county, persona)
    allowed = ids(api.get("/clients"))
    token = make_token(world.county.persona(persona), "read")
    opened = set()
    for pk in around_every_id(Client):
        response = client.get(
            f"/fhir/R4/Patient/{pk}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code in (200, 404), (pk, response.status_code)
        if response.status_code == 200:
            opened.add(pk)
    assert opened == allowed
