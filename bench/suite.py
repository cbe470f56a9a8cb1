"""Every measurement of `between bench` on one database (run by bench/cli.py, one process
per database, because Django reads its database once, at setup).

    .venv/bin/python -m bench.suite --db postgres --size ci --out var/bench/ci-postgres.json

In order: the county is generated (fast bulk path) or reused; the summary rebuilt (timed);
the dashboards timed in process (bench/measure.py); the refresh of the open periods and of
one open month; the PIP report; then gunicorn is started and the two dashboards timed through
it, and practice logs posted by wrk with write tokens; last, a sessions CSV imported beside
COPY of the same rows (it adds sessions, so it comes after every read).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from bench import dashboard
from bench.sizes import SIZES, Size

Say = Callable[[str], None]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--size", choices=sorted(SIZES), default="ci")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--reuse", action="store_true", help="keep the county already built")
    parser.add_argument("--refresh", action="store_true", help="with --reuse: rebuild summary")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the size's)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--runs", type=int, help="timed requests per latency figure")
    parser.add_argument("--skip", action="append", default=[], help="a part to leave out")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="generate the county and rebuild its summary, time both, and stop (then --reuse)",
    )
    parser.add_argument("--sqlite-path", type=Path)
    parser.add_argument("--postgres-url")
    return parser.parse_args(argv)


def _guarded(name: str, results: dict[str, Any], say: Say, part: Callable[[], Any]) -> None:
    """Run one part; a failure is recorded in the result, not fatal to the others."""
    started = perf_counter()
    say(f"[{name}]")
    try:
        results[name] = part()
    except Exception as error:
        results[name] = {
            "error": "".join(traceback.format_exception_only(error)).strip(),
            "traceback": traceback.format_exc(limit=6),
        }
        say(f"  {name} FAILED: {results[name]['error']}")
    say(f"  {name}: {perf_counter() - started:.1f} s")


# --- PIP report ------------------------------------------------------------------------------


def pip_report(size: Size, analyst_id: int) -> dict[str, Any]:
    """A PIP over every program (baseline: the six months before the generator's PIP start;
    remeasurement: the last six months), both periods locked, then the report built and
    written as Word; each step timed."""
    from between.accounts.models import User
    from between.clinic.models import Organization, Program
    from between.improvement import actions, report
    from between.improvement.models import Pip
    from between.synth.generator import months_before
    from between.synth.homework import PIP_START

    organization = Organization.objects.get(slug=size.slug)
    analyst = User.objects.get(pk=analyst_id)
    window_start = months_before(size.end_date, size.months)
    span = (size.end_date - window_start).days
    pip_start = window_start + timedelta(days=round(span * PIP_START))
    title = f"Homework in every session ({size.name} benchmark)"
    Pip.objects.filter(organization=organization, title=title).delete()
    timings: dict[str, float] = {}

    started = perf_counter()
    pip = actions.create_pip(
        analyst,
        title=title,
        programs=list(Program.objects.filter(organization=organization)),
        indicator_keys=["homework_assigned", "prior_reviewed"],
        aim="Raise the share of sessions with homework assigned.",
    )
    baseline = actions.add_period(
        analyst,
        pip,
        kind="baseline",
        label="Baseline",
        start=months_before(pip_start, 6),
        end=pip_start - timedelta(days=1),
    )
    remeasured = actions.add_period(
        analyst,
        pip,
        kind="remeasurement",
        label="Remeasurement 1",
        start=months_before(size.end_date, 6) + timedelta(days=1),
        end=size.end_date,
    )
    timings["create_s"] = perf_counter() - started
    started = perf_counter()
    actions.lock_period(analyst, baseline)
    actions.lock_period(analyst, remeasured)
    timings["lock_periods_s"] = perf_counter() - started
    started = perf_counter()
    built = report.build(pip)
    timings["build_s"] = perf_counter() - started
    started = perf_counter()
    document = report.docx_bytes(built)
    timings["docx_s"] = perf_counter() - started
    return {
        **{k: round(v, 3) for k, v in timings.items()},
        "report_s": round(timings["build_s"] + timings["docx_s"], 3),
        "docx_bytes": len(document),
        "programs": pip.programs.count(),
        "chart": built.chart is not None,
        "chart_note": str(built.chart_note),
    }


# --- Through gunicorn ------------------------------------------------------------------------


def session_cookie(user_id: int) -> dict[str, str]:
    """A signed-in session for the user, stored where every gunicorn worker reads it."""
    from django.conf import settings
    from django.test import Client as TestClient

    from between.accounts.models import User

    client = TestClient()
    client.force_login(User.objects.get(pk=user_id))
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def write_tokens(
    organization_slug: str, count: int, per_token: int, practiced_on: date
) -> tuple[list[str], list[str]]:
    """`count` write tokens of clinicians with open homework, and for each token request
    body templates (`%s` for the idempotency key) on its clinician's own assignments."""
    from django.utils import timezone

    from between.accounts.models import Role, User
    from between.homework.models import Assignment
    from between.interop.api.tokens import create_token

    clinicians = list(
        User.objects.filter(
            memberships__role=Role.CLINICIAN,
            memberships__program__organization__slug=organization_slug,
        )
        .order_by("pk")
        .distinct()[: max(count, 1)]
    )
    tokens: list[str] = []
    bodies: list[str] = []
    expires = timezone.now() + timedelta(days=7)
    for index in range(count):
        clinician = clinicians[index % len(clinicians)]
        assignments = list(
            Assignment.objects.filter(
                client__primary_clinician=clinician, session__occurred_on__lte=practiced_on
            )
            .order_by("-pk")
            .values_list("pk", flat=True)[:per_token]
        )
        if not assignments:
            continue
        secret = create_token(
            clinician, name=f"bench {index}", scope="write", expires_at=expires
        ).secret
        for assignment_id in assignments:
            payload = {
                "assignment_id": assignment_id,
                "practiced_on": practiced_on.isoformat(),
                "completion": "done",
                "source": "clinician",
                "idempotency_key": "KEY",
                "count": 1,
            }
            bodies.append(json.dumps(payload).replace('"KEY"', '"%s"'))
            tokens.append(secret)
    return tokens, bodies


def through_gunicorn(
    args: argparse.Namespace,
    size: Size,
    dashboard_result: dict[str, Any],
    say: Say,
) -> dict[str, Any]:
    """The two dashboards timed through gunicorn, then the practice-log load with wrk."""
    from django.db import connection
    from django.urls import reverse

    from bench import server
    from bench.measure import page_params, window
    from between.homework.models import PracticeLog

    runs = args.runs or size.runs
    start, end = window(size)
    params = page_params(start, end)
    program = dashboard_result["program"]
    url = os.environ["DATABASE_URL"]  # set by dashboard.configure
    log = dashboard.BENCH_DIR / f"gunicorn-{size.name}-{args.db}.log"
    say("  write tokens...")
    tokens, bodies = write_tokens(
        size.slug, count=size.tokens, per_token=4, practiced_on=size.end_date
    )
    say("  starting gunicorn...")
    workers = args.workers or size.workers
    result: dict[str, Any] = {"workers": workers, "threads": args.threads}
    connection.close()  # SQLite: leave the file to gunicorn's workers
    with server.gunicorn_server(
        workers=workers, threads=args.threads, log=log, database_url=url
    ) as running:
        result["port"] = running.port
        say("  gunicorn answers")
        say("  program dashboard through gunicorn...")
        result["program_page"] = server.time_get(
            running,
            reverse("indicators:program", args=[program["id"]]),
            params,
            session_cookie(program["supervisor_id"]),
            runs=runs,
            warmups=size.warmups,
        )
        say("  county dashboard through gunicorn...")
        result["county_page"] = server.time_get(
            running,
            reverse("indicators:county"),
            params,
            session_cookie(dashboard_result["analyst_id"]),
            runs=runs,
            warmups=size.warmups,
        )
        if not server.wrk_available():
            result["practice_logs"] = {"error": "wrk is not installed (apt-get install wrk)"}
            return result

        def post(seconds: int, run: str) -> dict[str, Any]:
            return server.wrk_post(
                running,
                "/api/v1/practice-logs",
                bodies,
                tokens,
                connections=args.connections,
                threads=2,
                seconds=seconds,
                run_id=f"{run}{int(perf_counter() * 1000) % 10**9}",
            )

        say("  practice logs: warm-up...")
        warmup = post(size.load_warmup_seconds, "warm")
        before = PracticeLog.objects.count()
        say(f"  practice logs: wrk, {args.connections} connections, {size.load_seconds} s...")
        load = post(size.load_seconds, "bench")
    created = PracticeLog.objects.count() - before
    load.update(
        warmup_requests=warmup["requests"],
        warmup_errors=warmup["errors"],
        tokens=len(set(tokens)),
        assignments=len(bodies),
        # Requests still in flight when wrk stops are finished by the server: at least as
        # many logs as answered requests, each with its audit event.
        logs_created=created,
        audited=True,
        every_answer_stored=created >= load["requests"],
    )
    result["practice_logs"] = load
    return result


# --- Import ----------------------------------------------------------------------------------


def import_vs_copy(size: Size) -> dict[str, Any]:
    """A sessions CSV of the county's own clients, imported as `between import` does, beside
    COPY of the same rows (rolled back). The imported sessions are deleted afterwards (their
    audit events stay), so that a county measured again with --reuse is the county it was: left
    in, two runs had added 60,000 sessions, a twelfth of them in the open month."""
    from bench import imports
    from between.clinic.models import Client, Organization, Session

    organization = Organization.objects.get(slug=size.slug)
    people = [
        (ehr, username)
        for ehr, username in Client.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("ehr_id", "primary_clinician__username")[:5000]
    ]
    imports.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    prefixes = [f"{prefix}{int(perf_counter()) % 100000}" for prefix in ("IMP", "WEB")]
    path, web_path = (
        imports.write_file(
            size.import_rows,
            people,
            start=size.end_date - timedelta(days=365),
            days=365,
            prefix=prefix,
        )
        for prefix in prefixes
    )
    try:
        columns, rows = imports.resolved_rows(path, organization)
        reference = imports.time_bulk_reference(columns, rows)
        del rows
        imported = imports.time_import(organization, path, size.import_rows, two_pass_path=web_path)
    finally:
        path.unlink(missing_ok=True)
        web_path.unlink(missing_ok=True)
        for prefix in prefixes:
            Session.objects.filter(
                program__organization=organization, ehr_id__startswith=prefix
            ).delete()
    return {
        "import": imported,
        "reference": reference,
        "ratio_to_reference": round(imported["rows_per_s"] / reference["rows_per_s"], 3)
        if reference["rows_per_s"]
        else None,
    }


# --- Everything ------------------------------------------------------------------------------


def run(args: argparse.Namespace, say: Say) -> dict[str, Any]:
    from bench import measure

    size = SIZES[args.size]
    started = perf_counter()
    result: dict[str, Any] = {"db": args.db, "size": args.size}
    result["dashboard"] = measure.run(
        size, reuse=args.reuse, force_refresh=args.refresh, runs=args.runs, say=say
    )
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("refresh_open", lambda: measure.refresh_open(size)),
        ("pip_report", lambda: pip_report(size, result["dashboard"]["analyst_id"])),
        ("http", lambda: through_gunicorn(args, size, result["dashboard"], say)),
        ("import", lambda: import_vs_copy(size)),
    ]
    for name, part in parts:
        if name not in args.skip:
            _guarded(name, result, say, part)
    result["elapsed_seconds"] = round(perf_counter() - started, 2)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    size = SIZES[args.size]
    if size.postgres_only and args.db != "postgres":
        raise SystemExit(f"the {size.name} size runs on PostgreSQL only")
    dashboard.configure(args)

    began = perf_counter()

    def say(message: str) -> None:
        print(f"{perf_counter() - began:7.1f} s {args.db}: {message}", file=sys.stderr, flush=True)

    if args.build_only:
        from bench import measure

        size_ = SIZES[args.size]
        result: dict[str, Any] = {"db": args.db, "size": args.size}
        result["build"] = measure.build_county(size_, say)
        measure.analyze()
        result["refresh"] = measure.refresh(size_, say)
        measure.analyze()
    else:
        result = run(args, say)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
