"""The OpenAPI spec run by schemathesis as each staff persona, with its own (write) token:
whatever the generated requests, the API never answers with a server error."""

from __future__ import annotations

import os
import zlib
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode

from tests.interop import test_api_fixtures
from tests.interop.test_api_fixtures import (
    STAFF,
    World,
    make_token,
)

# Examples per operation, persona and mode. On PostgreSQL, the production database, the wide
# search: 14 operations x 7 personas x (15 + 10) is at most 2,450 requests (about 50 s on a
# quiet machine). On SQLite, which runs the same API code, a short one (3 + 2: 490 requests)
# keeps the suite inside CI's time. BETWEEN_API_FUZZ_EXAMPLES=200 runs a longer search by hand.
WIDE = connection.vendor == "postgresql"
EXAMPLES = {
    GenerationMode.POSITIVE: int(os.environ.get("BETWEEN_API_FUZZ_EXAMPLES", 15 if WIDE else 3)),
    GenerationMode.NEGATIVE: int(os.environ.get("BETWEEN_API_FUZZ_EXAMPLES", 10 if WIDE else 2)),
}
# Hypothesis stops early on an operation with few distinct inputs, so the examples above are an
# upper bound. The wide run must really make at least 7 x 300 = 2,100 requests (it makes 2,450);
# any other run must at least call every operation.
MIN_REQUESTS_PER_PERSONA = 300 if WIDE and "BETWEEN_API_FUZZ_EXAMPLES" not in os.environ else 14

# The shared fixture (fixture modules cannot be conftest files here).
world = test_api_fixtures.world


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI app inside the test's transaction. Like Django's test client, it must not
    close the database connection at the end of each request (that would end the transaction
    on PostgreSQL)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", STAFF)
def test_it_never_answers_with_a_server_error(
    world: World, wsgi_app: WSGIHandler, persona: str
) -> None:
    app = wsgi_app
    secret = make_token(world.county.persona(persona), "write")
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) == 14
    made = Counter[str]()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # A fixed seed per persona, operation and mode: the run is reproducible, and each
            # persona gets its own inputs (derandomize=True would send all seven the same ones).
            @given(case=operation.as_strategy(generation_mode=mode))
            @seed(zlib.crc32(f"{persona} {operation.label} {mode.value}".encode()))
            @settings(
                max_examples=EXAMPLES[mode],
                deadline=None,
                database=None,
                derandomize=False,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                made[f"{case.method} {case.path}"] += 1
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])

            run()

    print(f"{persona}: {made.total()} requests over {len(made)} operations")
    assert made.total() >= MIN_REQUESTS_PER_PERSONA, made
