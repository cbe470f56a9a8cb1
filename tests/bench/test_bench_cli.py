"""`between bench`: the fast bulk path writes the generator's rows unchanged, and the table is
read from the result's shape. The whole run (`between bench --size ci`) is left to CI, which
prints its figures; nothing here times anything."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bench import cli
from bench.sizes import SIZES
from between.clinic.models import ProgressNote, Session
from between.homework.models import Assignment, PracticeLog, Review
from between.synth.bulk import fast_write
from between.synth.generator import CountyParams, generate_county


def _rows(slug: str) -> dict[str, list[tuple[Any, ...]]]:
    """What a county holds, without ids or anything derived from its slug."""
    sessions = Session.objects.filter(program__organization__slug=slug).order_by("pk")
    return {
        "sessions": list(
            sessions.values_list(
                "occurred_on", "status", "session_type", "is_intake", "duration_minutes",
                "client__given_name", "clinician__first_name",
            )
        ),
        "notes": list(
            ProgressNote.objects.filter(session__in=sessions).order_by("pk").values_list("text")
        ),
        "assignments": list(
            Assignment.objects.filter(session__in=sessions)
            .order_by("pk")
            .values_list("session__occurred_on", "due_on", "confidence")
        ),
        "logs": list(
            PracticeLog.objects.filter(assignment__session__in=sessions)
            .order_by("pk")
            .values_list("practiced_on", "completion", "count", "source")
        ),
        "reviews": list(
            Review.objects.filter(session__in=sessions)
            .order_by("pk", "barriers__code")  # a review's barriers come in any order otherwise
            .values_list("completion", "barriers__code")
        ),
    }  # fmt: skip


@pytest.mark.django_db
def test_the_fast_bulk_path_writes_the_same_rows_as_bulk_create() -> None:
    params = CountyParams(programs=1, clinicians=2, clients=10, months=6, seed=7)
    params = replace(params, end_date=date(2026, 6, 30))
    generate_county(replace(params, slug="orm-county"))
    generate_county(replace(params, slug="fast-county"), write=fast_write)

    orm, fast = _rows("orm-county"), _rows("fast-county")
    assert len(orm["sessions"]) > 50 and orm["logs"]
    assert fast == orm


def test_it_reads_every_figure_with_its_reference_and_target() -> None:
    timing = {"median_ms": 40.0, "p95_ms": 60.0, "first_request_ms": 900.0}
    result = {
        "dashboard": {
            "timings": {"page": timing, "county_page": timing, "bare_group_by": {"median_ms": 4.0}},
            "build": {"seconds": 10.0, "sessions_per_second": 3000},
            "refresh": {"seconds": 30.0},
        },
        "refresh_open": {
            "one_month_seconds": 1.5,
            "one_month_unchanged_seconds": 0.9,
            "open_periods_seconds": 3.0,
        },
        "http": {
            "program_page": timing,
            "county_page": timing,
            "practice_logs": {"per_second": 600.0, "p99_ms": 80.0, "errors": 0},
        },
        "import": {
            "import": {"rows_per_s": 3000, "rows": 1000, "two_pass": {"rows_per_s": 2000}},
            "reference": {"rows_per_s": 10000, "method": "COPY"},
        },
        "pip_report": {"report_s": 2.0, "lock_periods_s": 0.5},
    }
    rows = {row["figure"]: row for row in cli.figures(result)}
    assert rows["program dashboard, test client: p95"]["ratio"] == 15.0
    assert rows["program dashboard, gunicorn: p95"]["met"] is True
    assert rows["summary: one open month, every row written"]["met"] is True
    assert rows["summary: one open month, nothing changed"]["ratio"] == 0.03
    assert rows["session import, one pass (1,000 rows)"]["ratio"] == 0.3
    assert rows["session import, one pass (1,000 rows)"]["met"] is True
    assert rows["session import, validate then commit (web page)"]["ratio"] == 0.2
    assert rows["practice logs: p99 latency"]["met"] is True
    failed = cli.figures({"dashboard": {}, "http": {"error": "gunicorn did not answer"}})
    assert [row["figure"] for row in failed] == ["http: FAILED gunicorn did not answer"]


def test_the_state_size_is_postgres_only() -> None:
    assert cli.databases(cli.parser().parse_args(["--size", "state"])) == ["postgres"]
    assert cli.databases(cli.parser().parse_args(["--size", "ci"])) == ["sqlite", "postgres"]
    with pytest.raises(SystemExit):
        cli.databases(cli.parser().parse_args(["--size", "state", "--db", "sqlite"]))
    assert SIZES["county"].clients == 23_400


def test_a_broken_part_fails_the_run_but_a_slow_one_does_not() -> None:
    slow = {"http": {"practice_logs": {"per_second": 3.0, "p99_ms": 9000.0, "errors": 0}}}
    assert cli.problems({"databases": {"sqlite": slow}}) == []
    no_wrk = {"http": {"practice_logs": {"error": "wrk is not installed (apt-get install wrk)"}}}
    assert cli.problems({"databases": {"sqlite": no_wrk}}) == []
    broken = {
        "import": {"error": "AssertionError"},
        "http": {"practice_logs": {"errors": 2, "errors_by_kind": {"status": 2}}},
    }
    assert len(cli.problems({"databases": {"postgres": broken, "sqlite": {"error": "x"}}})) == 3
