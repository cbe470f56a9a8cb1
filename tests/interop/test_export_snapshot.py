"""`between export research` as it runs in production: outside any transaction, so on
PostgreSQL it reads every file from one read-only repeatable-read snapshot."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from between.accounts.models import AuditEvent
from tests.conftest import County

KEY = "research-key-for-snapshot-tests-" + "abcdefghij" * 3


def test_it_exports_outside_a_transaction_too(
    transactional_db: None, county: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BETWEEN_RESEARCH_KEY", KEY)
    with CaptureQueriesContext(connection) as queries:
        call_command("export", "research", "--out", str(tmp_path / "out"))
    with (tmp_path / "out" / "clients.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 2
    snapshot = any("REPEATABLE READ" in query["sql"] for query in queries.captured_queries)
    assert snapshot == (connection.vendor == "postgresql")
    assert AuditEvent.objects.filter(action="export").count() == 1
