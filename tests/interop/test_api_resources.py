"""Each API resource as each persona: the same records the pages show them, one error shape,
pagination, filters, idempotent writes, audit events and query budgets."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from between.accounts import actions as account_actions
from between.accounts.models import AuditEvent, Role
from between.clinic import actions as clinic_actions
from between.homework import actions as homework_actions
from between.homework.models import Barrier, PracticeLog, Review
from between.indicators.actions import roll_up
from between.indicators.models import IndicatorCount
from between.interop.api.api import THROTTLE
from tests.conftest import PASSWORD
from tests.interop import test_api_fixtures
from tests.interop.test_api_fixtures import (
    STAFF,
    World,
    api_as,
    assert_error,
)

# Which side's records each persona sees (A: Harbor Clinic, B: Bayside Center).
RECORDS_SEEN = {
    "clinician": {"A"},
    "supervisor": {"A"},
    "reviewer": set(),
    "analyst": set(),  # aggregates only: no record access granted
    "trainer": set(),
    "admin": set(),
    "outsider": {"B"},
}
LISTS = {
    "/sessions": lambda side: {side.session.pk, side.later_session.pk},
    "/assignments": lambda side: {side.assignment.pk},
    "/practice-logs": lambda side: {side.log.pk},
    "/reviews": lambda side: {side.review.pk},
    "/clients": lambda side: {side.session.client_id},
}
DETAILS = {
    "/sessions/{}": lambda side: side.session.pk,
    "/assignments/{}": lambda side: side.assignment.pk,
    "/clients/{}": lambda side: side.session.client_id,
}

# The shared fixture (fixture modules cannot be conftest files here).
world = test_api_fixtures.world


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize("persona", STAFF)
def test_it_lists_what_each_persona_may_see(world: World, client: HttpClient, persona: str) -> None:
    api = api_as(client, world.county, persona)
    for path, expected in LISTS.items():
        wanted: set[int] = set()
        for side in RECORDS_SEEN[persona]:
            wanted |= expected(world.side(side))
        assert ids(api.get(path)) == wanted, path


@pytest.mark.parametrize("persona", STAFF)
def test_it_opens_only_records_the_persona_may_see(
    world: World, client: HttpClient, persona: str
) -> None:
    api = api_as(client, world.county, persona)
    for path, pick in DETAILS.items():
        for side in ("A", "B"):
            response = api.get(path.format(pick(world.side(side))))
            if side in RECORDS_SEEN[persona]:
                assert response.status_code == 200, (path, side)
                assert response.json()["id"] == pick(world.side(side))
            else:
                assert_error(response, 404, "not_found")


def test_it_gives_families_nothing(world: World, client: HttpClient) -> None:
    api = api_as(client, world.county, "family")
    for path in [*LISTS, "/programs", "/library-templates", "/indicator-values"]:
        assert_error(api.get(path), 401, "unauthorized")


def test_a_list_of_several_clients_leaves_an_event_on_each_trail(
    world: World, client: HttpClient
) -> None:
    county = world.county
    second = clinic_actions.register_client(
        None,
        county.harbor,
        ehr_id="H-7777",
        given_name="Ari",
        family_name="Test",
        birth_date=date(2014, 1, 1),
        primary_clinician=county.clinician,
    )
    before = AuditEvent.objects.count()
    listed = api_as(client, county, "supervisor").get("/clients").json()["items"]
    ids = {row["id"] for row in listed}
    assert {county.client.pk, second.pk} <= ids
    events = [
        e for e in AuditEvent.objects.order_by("id")[before:] if e.object_type == "clinic.client"
    ]
    assert {e.client_id for e in events} == ids and len(events) == len(ids)
    assert all(e.actor_id == county.supervisor.pk and e.action == "view" for e in events)


def test_it_audits_reading_records_and_refusals(world: World, client: HttpClient) -> None:
    county = world.county
    before = AuditEvent.objects.count()
    api = api_as(client, county, "clinician")
    api.get("/clients")
    api.get(f"/clients/{county.client.pk}")
    api.get(f"/clients/{county.other_client.pk}")
    events = list(AuditEvent.objects.order_by("id")[before:])
    listed, viewed, denied = events[-3:]
    assert (listed.action, listed.object_type, listed.client_id) == (
        "view",
        "clinic.client",
        county.client.pk,
    )
    assert listed.actor_id == county.clinician.pk and listed.path == "/api/v1/clients"
    assert (viewed.action, viewed.client_id) == ("view", county.client.pk)
    assert (denied.action, denied.outcome, denied.client_id) == (
        "deny",
        "denied",
        county.other_client.pk,
    )


def test_it_lists_programs_and_the_library_for_every_staff_role(
    world: World, client: HttpClient
) -> None:
    county = world.county
    for persona in STAFF:
        api = api_as(client, county, persona)
        program = county.bayside if persona == "outsider" else county.harbor
        assert ids(api.get("/programs")) == {program.pk}
        assert api.get(f"/programs/{program.pk}").status_code == 200
        other = county.harbor if persona == "outsider" else county.bayside
        assert_error(api.get(f"/programs/{other.pk}"), 404)
        library = api.get("/library-templates").json()["items"]
        assert [t["key"] for t in library] == ["api-breathing"]
        assert library[0]["version"] == 1 and library[0]["steps_en"]


class TestPagination:
    def test_it_pages_by_an_opaque_cursor_without_repeats(
        self, world: World, client: HttpClient
    ) -> None:
        county = world.county
        for day in range(1, 6):
            clinic_actions.record_session(
                county.clinician, county.client, occurred_on=date(2026, 9, day)
            )
        api = api_as(client, county, "clinician")
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            body = api.get("/sessions", **params).json()
            seen += [item["id"] for item in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert pages == 4
        assert seen == sorted(seen) and len(seen) == len(set(seen)) == 7

    def test_it_refuses_a_bad_cursor_or_limit(self, world: World, client: HttpClient) -> None:
        api = api_as(client, world.county, "clinician")
        assert_error(api.get("/sessions", cursor="not-a-cursor"), 400, "invalid_cursor")
        assert_error(api.get("/sessions", limit=201), 422, "validation_error")
        assert_error(api.get("/sessions", limit=0), 422)
        assert api.get("/sessions", limit=200).status_code == 200


class TestFilters:
    def test_it_filters_by_program_clinician_and_date(
        self, world: World, client: HttpClient
    ) -> None:
        county = world.county
        a = world.a
        api = api_as(client, county, "supervisor")
        assert ids(api.get("/sessions", program=county.harbor.pk)) == {
            a.session.pk,
            a.later_session.pk,
        }
        assert ids(api.get("/sessions", program=county.bayside.pk)) == set()
        assert ids(api.get("/sessions", clinician=county.supervisor.pk)) == set()
        assert len(ids(api.get("/sessions", clinician=county.clinician.pk))) == 2
        assert ids(api.get("/sessions", date_from="2026-10-10")) == {a.later_session.pk}
        assert ids(api.get("/sessions", date_to="2026-10-10")) == {a.session.pk}
        assert ids(api.get("/practice-logs", date_from="2026-10-07")) == set()
        assert ids(api.get("/reviews", date_from="2026-10-10", date_to="2026-10-12")) == {
            a.review.pk
        }
        assert ids(api.get("/assignments", is_open="true")) == set()
        assert ids(api.get("/clients", clinician=county.clinician.pk)) == {county.client.pk}
        error = assert_error(
            api.get("/sessions", date_from="2026-10-10", date_to="2026-10-01"), 422
        )
        assert "date_from" in error["details"]

    def test_it_explains_invalid_parameters(self, world: World, client: HttpClient) -> None:
        api = api_as(client, world.county, "supervisor")
        error = assert_error(api.get("/sessions", date_from="yesterday"), 422, "validation_error")
        assert error["details"][0]["loc"] == ["query", "date_from"]


def _log_body(world: World, key: str = "api-log-0001", **changes: Any) -> dict[str, Any]:
    return {
        "assignment_id": world.a.assignment.pk,
        "practiced_on": "2026-10-08",
        "completion": "partly",
        "count": 2,
        "idempotency_key": key,
        **changes,
    }


class TestLoggingPractice:
    def test_it_logs_once_per_idempotency_key(self, world: World, client: HttpClient) -> None:
        api = api_as(client, world.county, "clinician", "write")
        first = api.post("/practice-logs", _log_body(world))
        assert first.status_code == 201, first.content
        again = api.post("/practice-logs", _log_body(world))
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert PracticeLog.objects.filter(idempotency_key="api-log-0001").count() == 1
        log = PracticeLog.objects.get(idempotency_key="api-log-0001")
        assert (log.source, log.logged_by_id, log.count) == (
            "clinician",
            world.county.clinician.pk,
            2,
        )
        assert AuditEvent.objects.filter(
            action="create", object_type="homework.practicelog", object_id=str(log.pk)
        ).exists()

    def test_it_refuses_a_key_used_for_other_homework(
        self, world: World, client: HttpClient
    ) -> None:
        api = api_as(client, world.county, "supervisor", "write")
        assert api.post("/practice-logs", _log_body(world)).status_code == 201
        other = homework_actions.assign_homework(
            world.county.clinician,
            world.a.later_session,
            custom_title="Praise log",
            assignee="caregiver",
            frequency_per_week=5,
            language="en",
        )
        response = api.post("/practice-logs", _log_body(world, assignment_id=other.pk))
        assert_error(response, 409, "conflict")

    def test_it_keeps_other_programs_homework_out_of_reach(
        self, world: World, client: HttpClient
    ) -> None:
        for persona in ("outsider", "analyst", "admin"):
            api = api_as(client, world.county, persona, "write")
            response = api.post("/practice-logs", _log_body(world, key=f"try-{persona}"))
            assert_error(response, 404)
        assert not PracticeLog.objects.filter(idempotency_key__startswith="try-").exists()

    def test_it_validates_the_log(self, world: World, client: HttpClient) -> None:
        api = api_as(client, world.county, "clinician", "write")
        future = (date.today() + timedelta(days=3)).isoformat()
        error = assert_error(api.post("/practice-logs", _log_body(world, practiced_on=future)), 422)
        assert "practiced_on" in error["details"]
        assert_error(api.post("/practice-logs", _log_body(world, completion="maybe")), 422)
        assert_error(api.post("/practice-logs", {"assignment_id": 1}), 422)
        body = _log_body(world, note="a\x00b")
        assert_error(api.post("/practice-logs", body), 422)


class TestReviewing:
    def test_it_records_and_then_changes_a_review(self, world: World, client: HttpClient) -> None:
        county = world.county
        given = homework_actions.assign_homework(
            county.clinician,
            world.a.later_session,
            custom_title="Praise log",
            assignee="caregiver",
            frequency_per_week=5,
            language="en",
        )
        next_session = clinic_actions.record_session(
            county.clinician, county.client, occurred_on=date(2026, 10, 19)
        )
        api = api_as(client, county, "clinician", "write")
        body = {"session_id": next_session.pk, "assignment_id": given.pk, "completion": "full"}
        created = api.post("/reviews", body)
        assert created.status_code == 201, created.content
        assert created.json()["version"] == 1
        stale = api.post("/reviews", {**body, "completion": "partial"})
        assert_error(stale, 409, "conflict")
        changed = api.post("/reviews", {**body, "completion": "partial", "expected_version": 1})
        assert changed.status_code == 200 and changed.json()["version"] == 2
        assert Review.objects.get(pk=created.json()["id"]).completion == "partial"

    def test_it_refuses_outsiders(self, world: World, client: HttpClient) -> None:
        api = api_as(client, world.county, "outsider", "write")
        body = {
            "session_id": world.a.later_session.pk,
            "assignment_id": world.a.assignment.pk,
            "completion": "none",
        }
        assert_error(api.post("/reviews", body), 404)


class TestIndicatorValues:
    @pytest.fixture
    def counts(self, world: World) -> World:
        county = world.county
        rows = [
            # Harbor: one month with a small cell, one month of plenty.
            (county.harbor, county.clinician, date(2026, 8, 1), 3, 20),
            (county.harbor, county.clinician, date(2026, 9, 1), 30, 60),
            (county.bayside, county.outsider, date(2026, 9, 1), 25, 50),
        ]
        IndicatorCount.objects.bulk_create(
            IndicatorCount(
                indicator="homework_assigned",
                grain="month",
                period_start=month,
                program=program,
                clinician=clinician,
                numerator=n,
                denominator=d,
            )
            for program, clinician, month, n, d in rows
        )
        roll_up("month", {month for _, _, month, _, _ in rows})
        return world

    def values(self, api: Any, **params: Any) -> dict[tuple[int, str], Any]:
        response = api.get(
            "/indicator-values",
            indicator="homework_assigned",
            date_from="2026-08-01",
            date_to="2026-09-30",
            **params,
        )
        assert response.status_code == 200, response.content
        return {(i["program_id"], i["month"]): i for i in response.json()["items"]}

    def test_it_shows_exact_counts_with_record_access(
        self, counts: World, client: HttpClient
    ) -> None:
        county = counts.county
        values = self.values(api_as(client, county, "supervisor"))
        assert set(values) == {(county.harbor.pk, "2026-08-01"), (county.harbor.pk, "2026-09-01")}
        august = values[(county.harbor.pk, "2026-08-01")]
        assert (august["numerator"], august["denominator"], august["exact"]) == (3, 20, True)

    @pytest.mark.parametrize("persona", ["clinician", "analyst", "reviewer", "trainer", "admin"])
    def test_it_hides_small_cells_without_record_access(
        self, counts: World, client: HttpClient, persona: str
    ) -> None:
        county = counts.county
        values = self.values(api_as(client, county, persona))
        for item in values.values():
            assert item["exact"] is False
            assert item["numerator"] is None and item["hidden_because"] is not None
            assert item["numerator"] not in range(1, 11)

    def test_it_shows_a_clinician_their_own_numbers(
        self, counts: World, client: HttpClient
    ) -> None:
        county = counts.county
        mine = self.values(api_as(client, county, "clinician"), clinician=county.clinician.pk)
        assert mine[(county.harbor.pk, "2026-08-01")]["numerator"] == 3
        outsider = api_as(client, county, "outsider")
        response = outsider.get("/indicator-values", clinician=county.clinician.pk)
        assert_error(response, 404)
        assert_error(outsider.get("/indicator-values", program=county.harbor.pk), 404)
        # A colleague in the same program may not see Carla's own numbers, even suppressed.
        peer = account_actions.create_user(None, username="pete", password=PASSWORD)
        account_actions.grant_role(None, peer, county.harbor, Role.CLINICIAN)
        county.peer = peer  # type: ignore[attr-defined]
        colleague = api_as(client, county, "peer")
        params = {"clinician": county.clinician.pk}
        assert_error(colleague.get("/indicator-values", **params), 404)
        assert_error(colleague.get("/indicator-values", program=county.harbor.pk, **params), 404)

    def test_it_limits_the_months(self, counts: World, client: HttpClient) -> None:
        api = api_as(client, counts.county, "supervisor")
        assert_error(api.get("/indicator-values", date_from="2020-01-01"), 422)
        assert_error(api.get("/indicator-values", indicator="nonsense"), 422)
        body = api.get("/indicator-values", limit=5).json()
        assert len(body["items"]) == 5 and body["next_cursor"]
        rest = api.get("/indicator-values", limit=200, cursor=body["next_cursor"]).json()
        keys = [(i["indicator"], i["month"]) for i in body["items"] + rest["items"]]
        assert len(keys) == len(set(keys))


class TestQueryBudgets:
    """A list costs the same number of queries for 2 rows as for 20: no N+1."""

    def test_it_logs_practice_in_nine_statements(self, world: World, client: HttpClient) -> None:
        # The busiest write (issue 10): token, roles, the assignment under the write policy
        # (checked once for the view and the action), the key, the insert, the audit chain's
        # last hash and event, and the transaction around the two inserts.
        api = api_as(client, world.county, "clinician", "write")
        assert api.post("/practice-logs", _log_body(world, key="budget-key-1")).status_code == 201
        with CaptureQueriesContext(connection) as captured:
            response = api.post("/practice-logs", _log_body(world, key="budget-key-2"))
        assert response.status_code == 201
        claims = 1 if connection.vendor == "postgresql" else 0  # the audit chain's advisory lock
        assert len(captured) <= 9 + claims, [q["sql"][:80] for q in captured]

    def _queries(self, api: Any, path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    def test_it_lists_without_n_plus_one(self, world: World, client: HttpClient) -> None:
        county = world.county
        api = api_as(client, county, "supervisor")
        paths = ["/clients", "/sessions", "/assignments", "/practice-logs", "/reviews"]
        paths += ["/programs", "/library-templates"]
        api.get("/programs")  # the token's first use records it; later ones within a minute don't
        small = {path: self._queries(api, path) for path in paths}
        barrier_codes = list(Barrier.objects.filter(is_active=True).values_list("code", flat=True))
        assert barrier_codes, "the barrier catalog is loaded by a migration"
        for n in range(8):
            child = clinic_actions.register_client(
                None,
                county.harbor,
                ehr_id=f"H-20{n}",
                given_name="Kid",
                family_name=f"N{n}",
                birth_date=date(2014, 1, 1),
                primary_clinician=county.clinician,
            )
            side_sessions = [
                clinic_actions.record_session(county.clinician, child, occurred_on=day)
                for day in (date(2026, 10, 1), date(2026, 10, 8))
            ]
            given = homework_actions.assign_homework(
                county.clinician,
                side_sessions[0],
                template_version=world.template.current,
                assignee="youth",
                frequency_per_week=3,
                language="es",
            )
            homework_actions.log_practice(
                county.clinician,
                given,
                practiced_on=date(2026, 10, 2),
                completion="not",
                source="paper",
                idempotency_key=f"budget-{n}",
            )
            homework_actions.review_assignment(
                county.clinician,
                side_sessions[1],
                given,
                completion="none",
                barrier_codes=barrier_codes[:2],
            )
        large = {path: self._queries(api, path) for path in paths}
        assert large == small
        assert max(large.values()) <= 12


def test_it_answers_clinicians_added_later(world: World, client: HttpClient) -> None:
    """A new clinician of program A sees none of Kai's records until they see him."""
    county = world.county
    newcomer = account_actions.create_user(None, username="nell", password=PASSWORD)
    account_actions.grant_role(None, newcomer, county.harbor, Role.CLINICIAN)
    county.newcomer = newcomer  # type: ignore[attr-defined]
    api = api_as(client, county, "newcomer")
    assert ids(api.get("/sessions")) == set()
    assert_error(api.get(f"/sessions/{world.a.session.pk}"), 404)


def test_it_answers_unknown_addresses_in_the_error_shape(world: World, client: HttpClient) -> None:
    api = api_as(client, world.county, "clinician")
    assert_error(api.get("/no-such-thing"), 404, "not_found")
    assert_error(api.get("/sessions/not-a-number"), 422, "validation_error")
    assert_error(api.get(f"/sessions/{2**70}"), 404, "not_found")


def test_it_throttles_a_runaway_token(
    world: World, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(THROTTLE, "num_requests", 2)
    api = api_as(client, world.county, "clinician")
    assert api.get("/programs").status_code == 200
    assert api.get("/programs").status_code == 200
    response = api.get("/programs")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) >= 1
    # Another token of the same person has its own allowance.
    assert api_as(client, world.county, "clinician").get("/programs").status_code == 200
