"""The dashboard benchmark's measurements, run against the configured database.

Django must be set up before this module is imported (`bench.dashboard` does that; the smoke
test runs inside pytest-django). `run` builds or reuses the county, refreshes the indicator
summary, and times, for the median-sized program over 24 months at month grain:

- `series`: `repository.series` of homework assigned (what the chart reads);
- `series_breakdown`: that plus `repository.breakdown` by diagnosis group;
- `page`: the whole dashboard page through Django's test client, as the program's supervisor
  (when `between.indicators.views` imports);
- `bare_group_by`: one hand-written GROUP BY over the program's attended sessions by month,
  the reference every other figure is divided by;
- `series_county`: the series over every program together (the county dashboard's read).
"""

from __future__ import annotations

import importlib
import json
import statistics
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from time import perf_counter
from typing import Any
from unittest import mock

from django.db import connection
from django.db.models import Count, Q
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.machine import machine_info
from bench.sizes import Size
from between.accounts.models import Membership, Role, User
from between.clinic.models import Client, Organization, Program, Session
from between.homework.models import Assignment, NoHomework, PracticeLog, Review
from between.indicators import actions, periods, registry, repository
from between.indicators.models import Grain, IndicatorCount, ProgramCount, SummaryPeriod
from between.indicators.repository import Scope
from between.synth.bulk import fast_write, orm_write
from between.synth.generator import CountyParams, generate_county

INDICATOR = "homework_assigned"
BREAKDOWN = "diagnosis_group"
TARGET_MS = 150.0  # issue 10: dashboards p95 under 150 ms at county scale
Say = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default `say`: print nothing."""


# --- Timing ------------------------------------------------------------------------------------


def time_it(action: Callable[[], object], *, runs: int, warmups: int) -> dict[str, Any]:
    """Median, p95, min and max milliseconds of `runs` calls after `warmups` untimed ones."""
    for _ in range(warmups):
        action()
    samples = []
    for _ in range(runs):
        started = perf_counter()
        action()
        samples.append((perf_counter() - started) * 1000)
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if runs > 1 else ordered[0]
    return {
        "runs": runs,
        "warmups": warmups,
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "min_ms": round(ordered[0], 3),
        "max_ms": round(ordered[-1], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "samples_ms": [round(s, 3) for s in samples],
    }


def bare_group_by_sql() -> str:
    """Attended sessions of one program per month, truncated the way each database does it."""
    table = Session._meta.db_table
    month = (
        "date_trunc('month', occurred_on)::date"
        if connection.vendor == "postgresql"
        else "strftime('%%Y-%%m-01', occurred_on)"
    )
    return (
        f"SELECT {month} AS month, COUNT(*) FROM {table} "  # noqa: S608 (constants only)
        "WHERE program_id = %s AND status = 'attended' "
        "AND occurred_on >= %s AND occurred_on <= %s "
        "GROUP BY 1 ORDER BY 1"
    )


def bare_group_by(program_id: int, start: date, end: date) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(bare_group_by_sql(), [program_id, start, end])
        return list(cursor.fetchall())


# --- The county and its summary ---------------------------------------------------------------


def county_params(size: Size) -> CountyParams:
    return CountyParams(
        programs=size.programs,
        clinicians=size.clinicians,
        clients=size.clients,
        months=size.months,
        seed=size.seed,
        end_date=size.end_date,
        slug=size.slug,
        name=f"Benchmark County {size.name} (synthetic)",
    )


def build_county(size: Size, say: Say = _quiet, *, fast: bool = True) -> dict[str, Any]:
    """Generate the county with the synthetic generator; its summary and wall time.

    `fast` writes the rows with COPY / executemany (synth/bulk.py) instead of bulk_create:
    the same rows, in a third of the time."""
    step = max(1, size.clients // 20)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            say(f"  generated {done:,} of {total:,} clients")

    started = perf_counter()
    summary = generate_county(
        county_params(size), progress=progress, write=fast_write if fast else orm_write
    )
    seconds = perf_counter() - started
    # Plain JSON values: dates (end date, PIP start, ...) as ISO strings.
    generated = json.loads(json.dumps(asdict(summary), default=str))
    return {
        "reused": False,
        "seconds": round(seconds, 2),
        "writer": "fast (COPY / executemany)" if fast else "bulk_create",
        "sessions_per_second": round(summary.sessions / seconds) if seconds else None,
        "generator": generated,
    }


def refresh(size: Size, say: Say = _quiet) -> dict[str, Any]:
    """`refresh_summary(rebuild=True)`, timing each of its aggregate queries on the way."""
    queries: list[dict[str, Any]] = []
    count_rows = actions.count_rows

    def timed(indicator: registry.Indicator, grain: str, *args: Any, **kwargs: Any) -> Any:
        started = perf_counter()
        rows = count_rows(indicator, grain, *args, **kwargs)
        seconds = round(perf_counter() - started, 2)
        first = args[0] if args else kwargs.get("first")
        queries.append(
            {
                "indicator": indicator.key,
                "grain": str(grain),
                "from": str(first),
                "rows": len(rows),
                "seconds": seconds,
            }
        )
        say(f"  {indicator.key} by {grain} from {first}: {len(rows):,} rows in {seconds:.1f} s")
        return rows

    started = perf_counter()
    with mock.patch.object(actions, "count_rows", timed):
        result = actions.refresh_summary(today=size.end_date, rebuild=True)
    seconds = perf_counter() - started
    in_queries = sum(q["seconds"] for q in queries)
    return {
        "reused": False,
        "seconds": round(seconds, 2),
        "aggregate_seconds": round(in_queries, 2),
        "write_seconds": round(seconds - in_queries, 2),
        "periods_refreshed": result.periods_refreshed,
        "rows_written": result.rows_written,
        "queries": queries,
    }


def analyze() -> bool:
    """The steady state after a bulk load on PostgreSQL, which autovacuum reaches within
    minutes: planner statistics everywhere, and the visibility map of the two tables read here
    (without it an index-only scan still visits the heap). SQLite is left as the app leaves
    it, without sqlite_stat1."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (tests)
            tables = [
                IndicatorCount._meta.db_table,
                ProgramCount._meta.db_table,
                Session._meta.db_table,
            ]
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
        cursor.execute("ANALYZE")
    return True


def window(size: Size) -> tuple[date, date]:
    """The dashboard's months: the last `window_months` up to the county's end date."""
    end = periods.period_start("month", size.end_date)
    index = end.year * 12 + end.month - 1 - (size.window_months - 1)
    return date(index // 12, index % 12 + 1, 1), periods.period_end("month", end)


def median_program(organization: Organization, start: date, end: date) -> dict[str, Any]:
    """The program with the median number of sessions in the window (the lower median)."""
    counted = list(
        Program.objects.filter(organization=organization)
        .annotate(
            n=Count(
                "sessions",
                filter=Q(sessions__occurred_on__gte=start, sessions__occurred_on__lte=end),
            )
        )
        .order_by("n", "pk")
        .values_list("pk", "name", "n")
    )
    position = (len(counted) - 1) // 2
    program_id, name, sessions = counted[position]
    supervisor = (
        Membership.objects.filter(program_id=program_id, role=Role.SUPERVISOR)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )
    return {
        "id": program_id,
        "name": name,
        "sessions_in_window": sessions,
        "rank": position + 1,
        "programs": len(counted),
        "smallest_sessions_in_window": counted[0][2],
        "largest_sessions_in_window": counted[-1][2],
        "supervisor_id": supervisor,
        "clinicians": Membership.objects.filter(program_id=program_id, role=Role.CLINICIAN).count(),
    }


def row_counts(program_id: int, start: date, end: date) -> dict[str, int]:
    indicator = registry.get(INDICATOR)
    scope = Scope(frozenset({program_id}))
    in_window = Session.objects.filter(
        program_id=program_id, occurred_on__gte=start, occurred_on__lte=end
    )
    return {
        "sessions": Session.objects.count(),
        "sessions_attended": Session.objects.filter(status="attended").count(),
        "clients": Client.objects.count(),
        "assignments": Assignment.objects.count(),
        "practice_logs": PracticeLog.objects.count(),
        "reviews": Review.objects.count(),
        "no_homework": NoHomework.objects.count(),
        "summary_rows": IndicatorCount.objects.count(),
        "summary_rows_month": IndicatorCount.objects.filter(grain=Grain.MONTH).count(),
        "summary_rows_week": IndicatorCount.objects.filter(grain=Grain.WEEK).count(),
        "program_rollup_rows": ProgramCount.objects.count(),
        "program_sessions_in_window": in_window.count(),
        "program_attended_in_window": in_window.filter(status="attended").count(),
        "summary_rows_read_by_series": repository._rows(
            indicator, "month", start, end, scope, ""
        ).count(),
        "summary_rows_read_by_breakdown": repository._rows(
            indicator, "month", start, end, scope, BREAKDOWN
        ).count(),
    }


# --- The page ----------------------------------------------------------------------------------


def page_available() -> tuple[bool, str]:
    """Whether the dashboard views import (they were being written when this was)."""
    try:
        importlib.import_module("between.indicators.views")
    except Exception as error:  # a half-written module: SyntaxError, ImportError, ...
        return False, f"{type(error).__name__}: {error}"
    return True, ""


@contextmanager
def _signed_in(user_id: int) -> Iterator[TestClient]:
    client = TestClient()
    client.force_login(User.objects.get(pk=user_id))
    try:
        yield client
    finally:
        client.logout()


def page_params(start: date, end: date) -> dict[str, str]:
    """The dashboard's query: the indicator by month over the window, split by diagnosis."""
    return {
        "indicator": INDICATOR,
        "grain": "month",
        "start": f"{start:%Y-%m}",
        "end": f"{end:%Y-%m}",
        "breakdown": BREAKDOWN,
    }


def measure_page(
    user_id: int | None, url: str, params: dict[str, str], *, runs: int, warmups: int
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Timings of one dashboard page through the test client (or None) and what is known
    about it: the first request (which draws the chart, cached after it), queries, bytes."""
    available, problem = page_available()
    info: dict[str, Any] = {"available": available, "detail": problem}
    if not available or user_id is None:
        info["detail"] = problem or "nobody to sign in as"
        return None, info
    info.update(url=url, params=params)
    try:
        with _signed_in(user_id) as client:

            def get() -> int:
                response = client.get(url, params)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")
                return len(response.content)

            started = perf_counter()  # the first request draws the chart (cached after it)
            info["bytes"] = get()
            info["first_request_ms"] = round((perf_counter() - started) * 1000, 3)
            with CaptureQueriesContext(connection) as captured:
                get()
            info["queries_per_request"] = len(captured.captured_queries)
            timing = time_it(get, runs=runs, warmups=warmups)
    except Exception as error:
        info["available"] = False
        info["detail"] = "".join(traceback.format_exception_only(error)).strip()
        return None, info
    return timing, info


def county_analyst(organization: Organization) -> int:
    """The county's analyst (made once, through the actions): analyst in every program, so
    the county dashboard covers them all, with small cells suppressed as for any analyst."""
    from between.accounts import actions as accounts

    username = f"analyst.{organization.slug}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = accounts.create_user(
            None, username=username, first_name="County", last_name="Analyst"
        )
    have = set(
        Membership.objects.filter(user=user, role=Role.ANALYST).values_list("program_id", flat=True)
    )
    for program in Program.objects.filter(organization=organization).exclude(pk__in=have):
        accounts.grant_role(None, user, program, Role.ANALYST)
    return int(user.pk)


def refresh_open(size: Size) -> dict[str, Any]:
    """The nightly refresh: the open periods (look-back window), then one open month alone.

    First `refresh_summary` as the nightly job runs it (every period inside the look-back
    window: two or three months and their weeks); then, with a look-back of zero, the
    periods before the current month are closed, and the refresh of the one month left open
    (with its weeks) is timed."""
    started = perf_counter()
    nightly = actions.refresh_summary(today=size.end_date)
    nightly_seconds = perf_counter() - started
    actions.refresh_summary(today=size.end_date, lookback_days=0)  # closes all but this month
    # The open month's rows are all written anew (as on the first night of a month, or
    # after a day that touched every cell): the summary's rows of the month are removed first.
    for grain, start in SummaryPeriod.objects.filter(closed_at__isnull=True).values_list(
        "grain", "start"
    ):
        IndicatorCount.objects.filter(grain=grain, period_start=start).delete()
    started = perf_counter()
    month = actions.refresh_summary(today=size.end_date, lookback_days=0)
    month_seconds = perf_counter() - started
    # Again, nothing having changed: the counts are computed and compared, nothing written.
    started = perf_counter()
    unchanged = actions.refresh_summary(today=size.end_date, lookback_days=0)
    unchanged_seconds = perf_counter() - started
    return {
        "one_month_unchanged_seconds": round(unchanged_seconds, 3),
        "one_month_unchanged_rows_written": unchanged.rows_written,
        "open_periods_seconds": round(nightly_seconds, 3),
        "open_periods": nightly.periods_refreshed,
        "open_rows_written": nightly.rows_written,
        "one_month_seconds": round(month_seconds, 3),
        "one_month_periods": month.periods_refreshed,
        "one_month_rows_written": month.rows_written,
    }


# --- Everything --------------------------------------------------------------------------------


def database_info() -> dict[str, Any]:
    settings = connection.settings_dict
    info: dict[str, Any] = {"vendor": connection.vendor, "name": str(settings["NAME"])}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            info["version"] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            info["size_bytes"] = cursor.fetchone()[0]
            for setting in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather"):
                cursor.execute(f"SHOW {setting}")
                info[setting] = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            info["version"] = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            info["size_bytes"] = pages * cursor.fetchone()[0]
            cursor.execute("PRAGMA journal_mode")
            info["journal_mode"] = cursor.fetchone()[0]
    return info


def _ratio(timing: dict[str, Any] | None, reference: dict[str, Any]) -> float | None:
    if timing is None or not reference["median_ms"]:
        return None
    return round(timing["median_ms"] / reference["median_ms"], 2)


def run(
    size: Size,
    *,
    reuse: bool = False,
    force_refresh: bool = False,
    runs: int | None = None,
    warmups: int | None = None,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Build (or reuse) the county, refresh the summary, time the reads; the JSON result."""
    started = perf_counter()
    runs = size.runs if runs is None else runs
    warmups = size.warmups if warmups is None else warmups
    organization = Organization.objects.filter(slug=size.slug).first()
    if organization is not None and not reuse:
        raise RuntimeError(f"the county {size.slug!r} exists: pass reuse=True or start empty")
    if organization is None:
        say(f"Generating the {size.name} county ({size.clients:,} clients)...")
        build = build_county(size, say)
        organization = Organization.objects.get(slug=size.slug)
    else:
        build = {"reused": True, "seconds": None, "generator": None}
    analyzed = analyze()

    if force_refresh or not IndicatorCount.objects.exists():
        say("Refreshing the indicator summary (rebuild)...")
        refreshed = refresh(size, say)
        analyze()
    else:
        refreshed = {"reused": True, "seconds": None}

    start, end = window(size)
    program = median_program(organization, start, end)
    say(f"Timing program {program['id']} ({program['name']}), {start:%Y-%m} to {end:%Y-%m}...")
    indicator = registry.get(INDICATOR)
    scope = Scope(frozenset({program["id"]}))
    county_scope = Scope(
        frozenset(Program.objects.filter(organization=organization).values_list("pk", flat=True))
    )

    def series() -> list[repository.Cell]:
        return repository.series(indicator, grain="month", start=start, end=end, scope=scope)

    def series_breakdown() -> tuple[list[repository.Cell], list[repository.Cell]]:
        by = repository.breakdown(
            indicator, by=BREAKDOWN, grain="month", start=start, end=end, scope=scope
        )
        return series(), by

    def series_county() -> list[repository.Cell]:
        return repository.series(indicator, grain="month", start=start, end=end, scope=county_scope)

    def bare() -> list[tuple[Any, ...]]:
        return bare_group_by(program["id"], start, end)

    timings: dict[str, dict[str, Any] | None] = {
        "series": time_it(series, runs=runs, warmups=warmups),
        "series_breakdown": time_it(series_breakdown, runs=runs, warmups=warmups),
    }
    say("  the pages...")
    params = page_params(start, end)
    timings["page"], page = measure_page(
        program["supervisor_id"],
        reverse("indicators:program", args=[program["id"]]),
        params,
        runs=runs,
        warmups=warmups,
    )
    analyst_id = county_analyst(organization)
    timings["county_page"], county_page = measure_page(
        analyst_id, reverse("indicators:county"), params, runs=runs, warmups=warmups
    )
    timings["bare_group_by"] = reference = time_it(bare, runs=runs, warmups=warmups)
    timings["series_county"] = time_it(series_county, runs=runs, warmups=warmups)

    cells = series()
    months = bare()
    return {
        "benchmark": "dashboard",
        "size": {**asdict(size), "end_date": size.end_date.isoformat()},
        "database": {**database_info(), "analyzed": analyzed},
        "build": build,
        "refresh": refreshed,
        "rows": row_counts(program["id"], start, end),
        "program": program,
        "window": {
            "indicator": INDICATOR,
            "breakdown": BREAKDOWN,
            "grain": "month",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "months": size.window_months,
        },
        "timings": timings,
        "ratios": {
            "series_to_bare": _ratio(timings["series"], reference),
            "series_breakdown_to_bare": _ratio(timings["series_breakdown"], reference),
            "page_to_bare": _ratio(timings["page"], reference),
            "series_county_to_bare": _ratio(timings["series_county"], reference),
            "county_page_to_bare": _ratio(timings["county_page"], reference),
        },
        "target_ms": TARGET_MS,
        "within_target": {
            name: timing["p95_ms"] < TARGET_MS
            for name, timing in timings.items()
            if timing is not None and name != "bare_group_by"
        },
        "page": page,
        "county_page": county_page,
        "analyst_id": analyst_id,
        "checks": {
            # The indicator's denominator (eligible sessions) is a subset of attended sessions.
            "series_points": len(cells),
            "series_denominator": sum(c.denominator for c in cells),
            "series_numerator": sum(c.numerator for c in cells),
            "bare_months": len(months),
            "bare_attended_sessions": sum(int(m[1]) for m in months),
        },
        "machine": machine_info(),
        "elapsed_seconds": round(perf_counter() - started, 2),
    }
