"""Benchmark: a program dashboard at county scale, against a bare GROUP BY over sessions.

    .venv/bin/python -m bench.dashboard --db sqlite --size ci
    .venv/bin/python -m bench.dashboard --db postgres --size county --out var/bench/pg.json
    .venv/bin/python -m bench.dashboard --db sqlite --size county --reuse   # keep the county

Each database gets its own benchmark database: a SQLite file under var/bench/ or the
PostgreSQL database `bench_<size>` (dropped and created again unless --reuse). The county is
drawn by the synthetic generator, the summary rebuilt and timed, then the reads are timed for
the median-sized program (see bench/measure.py). Prints a table; --out writes the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.sizes import SIZES

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--size", choices=sorted(SIZES), default="ci")
    parser.add_argument("--out", type=Path, help="write the result as JSON to this file")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the county (and summary) already built"
    )
    parser.add_argument(
        "--refresh", action="store_true", help="with --reuse: rebuild the summary anyway"
    )
    parser.add_argument("--runs", type=int, help="timed runs per measurement")
    parser.add_argument("--warmups", type=int, help="untimed runs before them")
    parser.add_argument(
        "--sqlite-path", type=Path, help="SQLite file (default var/bench/dashboard-<size>.sqlite3)"
    )
    parser.add_argument(
        "--postgres-url",
        help=f"PostgreSQL database URL (default {POSTGRES_SERVER}/bench_<size>)",
    )
    return parser.parse_args(argv)


def sqlite_url(path: Path, *, reuse: bool) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path.resolve()}"


def postgres_url(url: str, *, reuse: bool) -> str:
    """Create (or with `reuse`, keep) the benchmark database; refuse any other database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to use the database {name!r}: its name must start 'bench'")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def configure(args: argparse.Namespace) -> None:
    """Point Django at the benchmark database, set it up and migrate."""
    if args.db == "sqlite":
        path = args.sqlite_path or BENCH_DIR / f"dashboard-{args.size}.sqlite3"
        url = sqlite_url(path, reuse=args.reuse)
    else:
        url = postgres_url(
            args.postgres_url or f"{POSTGRES_SERVER}/bench_{args.size}", reuse=args.reuse
        )
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "between.settings"
    # As in production: no query log kept per request, no template debugging.
    os.environ["BETWEEN_DEBUG"] = "false"
    import django
    from django.core.management import call_command

    # Whitenoise warns that collectstatic never ran: irrelevant to the timings.
    warnings.filterwarnings("ignore", message="No directory at")

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


LABELS = {
    "series": "(a) series, homework assigned",
    "series_breakdown": "(b) series + breakdown by diagnosis",
    "page": "(c) program page (test client)",
    "bare_group_by": "(d) bare GROUP BY over sessions",
    "series_county": "(e) series, all programs",
    "county_page": "(f) county page (test client)",
}
RATIOS = {
    "series": "series_to_bare",
    "series_breakdown": "series_breakdown_to_bare",
    "page": "page_to_bare",
    "series_county": "series_county_to_bare",
    "county_page": "county_page_to_bare",
}


def report(result: dict[str, Any]) -> None:
    """The result as a readable table on the terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    database, rows, program = result["database"], result["rows"], result["program"]
    build, refreshed, window = result["build"], result["refresh"], result["window"]
    console.print(
        f"[bold]Dashboard benchmark[/bold]: {result['size']['name']} county on "
        f"{database['vendor']} {database['version']} "
        f"({database['size_bytes'] / 2**20:,.0f} MiB)"
    )
    console.print(
        f"Sessions {rows['sessions']:,} (attended {rows['sessions_attended']:,}), "
        f"assignments {rows['assignments']:,}, practice logs {rows['practice_logs']:,}, "
        f"reviews {rows['reviews']:,}; summary rows {rows['summary_rows']:,} "
        f"(program rollup {rows.get('program_rollup_rows', 0):,})"
    )
    built = "reused" if build["reused"] else f"{build['seconds']:,.1f} s"
    rebuilt = "reused" if refreshed["reused"] else f"{refreshed['seconds']:,.1f} s"
    console.print(f"Generation {built}; summary refresh (rebuild) {rebuilt}")
    console.print(
        f"Program {program['id']} {program['name']!r} (median, {program['rank']} of "
        f"{program['programs']}): {rows['program_sessions_in_window']:,} sessions "
        f"{window['start'][:7]}..{window['end'][:7]}, {program['clinicians']} clinicians, "
        f"{rows['summary_rows_read_by_series']:,} summary rows per series"
    )
    table = Table(title=f"Milliseconds per read, {window['months']} months by month")
    for heading in ("measurement", "median", "p95", "min", "ratio to (d)", "runs"):
        table.add_column(heading, justify="left" if heading == "measurement" else "right")
    for name, label in LABELS.items():
        timing = result["timings"].get(name)
        if timing is None:
            table.add_row(label, "-", "-", "-", "-", "not measured")
            continue
        ratio = result["ratios"].get(RATIOS.get(name, ""), 1.0 if name == "bare_group_by" else None)
        table.add_row(
            label,
            _ms(timing["median_ms"]),
            _ms(timing["p95_ms"]),
            _ms(timing["min_ms"]),
            _ratio(ratio),
            str(timing["runs"]),
        )
    console.print(table)
    page = result["page"]
    if page["available"]:
        console.print(
            f"Page: first request {_ms(page['first_request_ms'])} ms (draws the chart), "
            f"{page['queries_per_request']} queries per request, {page['bytes']:,} bytes"
        )
    else:
        console.print(f"Page not measured: {page['detail']}")
    console.print(f"Target: p95 under {result['target_ms']:.0f} ms: {result['within_target']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure(args)
    from bench import measure

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = measure.run(
        SIZES[args.size],
        reuse=args.reuse,
        force_refresh=args.refresh,
        runs=args.runs,
        warmups=args.warmups,
        say=say,
    )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
