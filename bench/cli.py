"""`between bench`: a county of a given size on SQLite and PostgreSQL, every figure beside
its reference, as JSON and as a table.

    between bench --size ci                         # seconds: CI prints it, asserts nothing
    between bench --size county --db postgres       # about 1.8 million sessions
    between bench --size state --db postgres        # ten counties (PostgreSQL only)
    between bench --size county --reuse             # keep the county built by an earlier run

Each database runs in its own process (bench/suite.py; Django reads its database once), one
after the other so they do not share the two cores; then the detector is timed (no database)
and the results merged into one JSON file (var/bench/<size>-<time>.json unless --out) and one
table on standard output.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.machine import machine_info
from bench.sizes import SIZES

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"

# The targets of issue 10, at county scale on a 2-core machine.
TARGETS = {
    "dashboard_p95_ms": 150.0,
    "one_month_refresh_s": 2.0,
    "practice_logs_per_s": 500.0,
    "practice_logs_p99_ms": 100.0,
    "import_to_copy": 0.25,
}


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="between bench", description=(__doc__ or "").split("\n\n")[0]
    )
    found.add_argument("--size", choices=list(SIZES), default="ci")
    found.add_argument(
        "--db",
        choices=("both", "sqlite", "postgres"),
        default="both",
        help="which databases (default both; state: PostgreSQL only)",
    )
    found.add_argument("--out", type=Path, help="the JSON file (default var/bench/...)")
    found.add_argument("--reuse", action="store_true", help="keep a county built before")
    found.add_argument(
        "--refresh", action="store_true", help="with --reuse: rebuild the summary (timed)"
    )
    found.add_argument("--workers", type=int, help="gunicorn workers (default: by size)")
    found.add_argument("--connections", type=int, default=16, help="wrk connections")
    found.add_argument("--runs", type=int, help="timed requests per latency figure")
    found.add_argument(
        "--markdown",
        type=Path,
        metavar="JSON",
        help="print the figures of an earlier run's JSON as a Markdown table, and stop",
    )
    found.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="databases measured at once (default 1: one after the other, so that they do not "
        "share the CPUs)",
    )
    found.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=("refresh_open", "pip_report", "http", "import", "detector"),
        help="leave a part out (repeatable)",
    )
    found.add_argument(
        "--postgres-url", help="server URL (default postgres://postgres@127.0.0.1:5432)"
    )
    return found


def databases(args: argparse.Namespace) -> list[str]:
    size = SIZES[args.size]
    if args.db == "both":
        return ["postgres"] if size.postgres_only else ["sqlite", "postgres"]
    if args.db == "sqlite" and size.postgres_only:
        raise SystemExit(f"the {size.name} size runs on PostgreSQL only")
    return [args.db]


def postgres_available(url: str) -> str:
    """'' when the server answers, else why not."""
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception as error:
        return f"{type(error).__name__}: {error}".strip()
    return ""


def suite_command(args: argparse.Namespace, db: str, out: Path) -> list[str]:
    """The command line of bench.suite for one database."""
    command = [
        sys.executable, "-m", "bench.suite", "--db", db, "--size", args.size, "--out", str(out),
        "--connections", str(args.connections),
    ]  # fmt: skip
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.reuse:
        command.append("--reuse")
    if args.refresh:
        command.append("--refresh")
    if args.runs:
        command += ["--runs", str(args.runs)]
    for part in args.skip:
        if part != "detector":
            command += ["--skip", part]
    if db == "postgres" and args.postgres_url:
        command += ["--postgres-url", f"{args.postgres_url.rstrip('/')}/bench_{args.size}"]
    return command


def run_databases(args: argparse.Namespace, outs: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """bench.suite for each database in a child process (`--jobs` at a time); their JSON."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)  # the suite sets its own benchmark database
    results: dict[str, dict[str, Any]] = {}
    pending = list(outs.items())
    while pending:
        batch, pending = pending[: args.jobs], pending[args.jobs :]
        started = time.perf_counter()
        running = [
            (db, out, subprocess.Popen(suite_command(args, db, out), cwd=ROOT, env=env))  # noqa: S603
            for db, out in batch
        ]
        for db, out, process in running:
            code = process.wait()
            if code != 0 or not out.exists():
                results[db] = {
                    "db": db,
                    "error": f"bench.suite exited with {code}",
                    "seconds": round(time.perf_counter() - started, 1),
                }
                continue
            results[db] = json.loads(out.read_text(encoding="utf-8"))
            out.unlink()
    return results


def run_detector(notes: int) -> dict[str, Any]:
    import django
    from django.apps import apps

    if not apps.ready:  # run as `python -m bench.cli`, not through `between bench`
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "between.settings")
        django.setup()
    from bench import detector

    return detector.run(notes=notes, warmups=min(200, notes), rounds=5)


# --- Reading the figures ---------------------------------------------------------------------


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def figures(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure: what, value, unit, reference (value and what), ratio, target."""
    rows: list[dict[str, Any]] = []
    board = result.get("dashboard") or {}
    bare = _get(board, "timings", "bare_group_by", "median_ms")

    def add(
        name: str,
        value: float | None,
        unit: str,
        reference: float | None = None,
        reference_name: str = "",
        target: str = "",
        met: bool | None = None,
    ) -> None:
        ratio = None
        if value is not None and reference:
            ratio = round(value / reference, 2)
        rows.append(
            {
                "figure": name,
                "value": value,
                "unit": unit,
                "reference": reference,
                "reference_name": reference_name,
                "ratio": ratio,
                "target": target,
                "met": met,
            }
        )

    p95_target = f"p95 < {TARGETS['dashboard_p95_ms']:.0f} ms"
    for timing, label, server in (
        (_get(board, "timings", "page"), "program dashboard, test client", False),
        (_get(board, "timings", "county_page"), "county dashboard, test client", False),
        (_get(result, "http", "program_page"), "program dashboard, gunicorn", True),
        (_get(result, "http", "county_page"), "county dashboard, gunicorn", True),
    ):
        if not timing:
            continue
        add(f"{label}: median", timing["median_ms"], "ms", bare, "bare GROUP BY")
        p95 = timing["p95_ms"]
        add(
            f"{label}: p95",
            p95,
            "ms",
            bare,
            "bare GROUP BY",
            p95_target,
            p95 < TARGETS["dashboard_p95_ms"],
        )
        if server:
            add(f"{label}: first request (draws chart)", timing["first_request_ms"], "ms")
    if bare is not None:
        add("bare GROUP BY over sessions (reference)", bare, "ms")
    if _get(board, "build", "seconds") is not None:
        add("county generated (fast bulk path)", board["build"]["seconds"], "s")
        add("generation rate", board["build"].get("sessions_per_second"), "sessions/s")
    refresh = _get(board, "refresh", "seconds")
    if refresh is not None:
        add("summary: full rebuild", refresh, "s")
    month = _get(result, "refresh_open", "one_month_seconds")
    if month is not None:
        add(
            "summary: one open month, every row written",
            month,
            "s",
            refresh,
            "full rebuild",
            f"< {TARGETS['one_month_refresh_s']:.0f} s",
            month < TARGETS["one_month_refresh_s"],
        )
        add(
            "summary: one open month, nothing changed",
            result["refresh_open"].get("one_month_unchanged_seconds"),
            "s",
            refresh,
            "full rebuild",
        )
        add(
            "summary: open periods (nightly, look-back)",
            result["refresh_open"]["open_periods_seconds"],
            "s",
            refresh,
            "full rebuild",
        )
    load = _get(result, "http", "practice_logs")
    if load and "per_second" in load:
        ok = load["errors"] == 0
        add(
            "practice logs (API, audited): throughput",
            load["per_second"],
            "/s",
            target=f">= {TARGETS['practice_logs_per_s']:.0f}/s, 0 errors ({load['errors']})",
            met=ok and load["per_second"] >= TARGETS["practice_logs_per_s"],
        )
        add(
            "practice logs: p99 latency",
            load["p99_ms"],
            "ms",
            target=f"< {TARGETS['practice_logs_p99_ms']:.0f} ms",
            met=load["p99_ms"] < TARGETS["practice_logs_p99_ms"],
        )
    imported = _get(result, "import")
    if imported and "import" in imported:
        reference = imported["reference"]
        value = imported["import"]["rows_per_s"]
        add(
            f"session import, one pass ({imported['import']['rows']:,} rows)",
            value,
            "rows/s",
            reference["rows_per_s"],
            reference["method"],
            f">= {TARGETS['import_to_copy']:.2f}x",
            (value / reference["rows_per_s"]) >= TARGETS["import_to_copy"]
            if reference["rows_per_s"]
            else None,
        )
        two_pass = imported["import"].get("two_pass")
        if two_pass:
            add(
                "session import, validate then commit (web page)",
                two_pass["rows_per_s"],
                "rows/s",
                reference["rows_per_s"],
                reference["method"],
            )
    pip = _get(result, "pip_report")
    if pip and "report_s" in pip:
        add("PIP report: build + Word", pip["report_s"], "s")
        add("PIP: lock two periods", pip["lock_periods_s"], "s")
    for part in ("refresh_open", "pip_report", "http", "import"):
        error = _get(result, part, "error")
        if error:
            add(f"{part}: FAILED {error[:60]}", None, "")
    load_error = _get(result, "http", "practice_logs", "error")
    if load_error:
        add(f"practice logs: not measured ({load_error[:50]})", None, "")
    return rows


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("/s", "rows/s", "sessions/s"):
        return f"{value:,.0f} {unit}"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:,.1f} {unit}"


def report(merged: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    size = merged["size"]
    console.print(
        f"[bold]between bench --size {size['name']}[/bold]: {size['clients']:,} clients, "
        f"{size['clinicians']:,} clinicians, {size['programs']} programs, "
        f"{size['months']} months; {merged['machine'].get('cpus')} CPUs"
    )
    for db, result in merged["databases"].items():
        if "error" in result:
            console.print(f"[red]{db}: {result['error']}[/red]")
            continue
        rows = _get(result, "dashboard", "rows") or {}
        database = _get(result, "dashboard", "database") or {}
        title = (
            f"{db} {database.get('version', '')}: {rows.get('sessions', 0):,} sessions, "
            f"{rows.get('practice_logs', 0):,} practice logs, "
            f"{(database.get('size_bytes') or 0) / 2**20:,.0f} MiB"
        )
        table = Table(title=title, title_justify="left")
        for heading in ("figure", "value", "reference", "ratio", "target", "met"):
            table.add_column(heading, justify="left" if heading == "figure" else "right")
        for row in figures(result):
            reference = (
                f"{_number(row['reference'], row['unit'])} ({row['reference_name']})"
                if row["reference"] is not None
                else ""
            )
            met = {True: "yes", False: "[red]NO[/red]", None: ""}[row["met"]]
            table.add_row(
                row["figure"],
                _number(row["value"], row["unit"]),
                reference,
                f"{row['ratio']:.2f}x" if row["ratio"] is not None else "",
                row["target"],
                met,
            )
        console.print(table)
    found = merged.get("detector")
    if found and "notes_per_second" in found:
        console.print(
            f"Note detector: {found['notes_per_second']:,.0f} notes/s on one core "
            f"({found['notes']:,} notes of ~{found['mean_words_per_note']:.0f} words; "
            f"target {found['target_per_second']:,.0f}/s: "
            f"{'met' if found['within_target'] else 'NOT met'})"
        )
    console.print(f"JSON: {merged['out']}")


def markdown(merged: dict[str, Any]) -> str:
    """The figures of every database side by side, as a Markdown table (for docs/scaling.md)."""
    dbs = [db for db, result in merged["databases"].items() if "error" not in result]
    by_db = {db: {row["figure"]: row for row in figures(merged["databases"][db])} for db in dbs}
    names: list[str] = []
    for db in dbs:
        names += [name for name in by_db[db] if name not in names]
    lines = [
        "| figure | " + " | ".join(dbs) + " | target |",
        "|---|" + "---|" * len(dbs) + "---|",
    ]
    for name in names:
        cells, target = [], ""
        for db in dbs:
            row = by_db[db].get(name)
            if row is None:
                cells.append("-")
                continue
            text = _number(row["value"], row["unit"])
            if row["ratio"] is not None:
                text += f" ({row['ratio']:.2f}x {row['reference_name']})"
            if row["met"] is not None:
                text += " ✓" if row["met"] else " ✗"
            cells.append(text)
            target = target or row["target"]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.markdown is not None:
        print(markdown(json.loads(args.markdown.read_text(encoding="utf-8"))))
        return 0
    size = SIZES[args.size]
    chosen = databases(args)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or BENCH_DIR / f"{args.size}-{stamp}.json"
    merged: dict[str, Any] = {
        "benchmark": "between bench",
        "size": {**size.__dict__, "end_date": size.end_date.isoformat()},
        "started_at": stamp,
        "targets": TARGETS,
        "databases": {},
    }
    server = (args.postgres_url or "postgres://postgres@127.0.0.1:5432").rstrip("/")
    outs: dict[str, Path] = {}
    for db in chosen:
        if db == "postgres":
            problem = postgres_available(f"{server}/postgres")
            if problem:
                merged["databases"][db] = {"db": db, "error": f"PostgreSQL unreachable: {problem}"}
                continue
        outs[db] = out.with_name(f"{out.stem}-{db}.part.json")
    merged["databases"].update(run_databases(args, outs))
    merged["jobs"] = args.jobs
    if "detector" not in args.skip:
        merged["detector"] = run_detector(size.detector_notes)
    merged["machine"] = machine_info()
    merged["figures"] = {
        db: figures(result) for db, result in merged["databases"].items() if "error" not in result
    }
    merged["out"] = str(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=2, default=str) + "\n", encoding="utf-8")
    report(merged)
    # Figures are printed, never judged here; but a part that broke (an exception, a request
    # answered with an error) fails the run, so CI notices when a change breaks a benchmark.
    broken = problems(merged)
    for problem in broken:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if broken else 0


def problems(merged: dict[str, Any]) -> list[str]:
    """What broke: a database that did not run, a part that raised, load with errors."""
    found: list[str] = []
    for db, result in merged["databases"].items():
        if "error" in result:
            found.append(f"{db}: {result['error']}")
            continue
        for part in ("refresh_open", "pip_report", "http", "import"):
            error = _get(result, part, "error")
            if error:
                found.append(f"{db} {part}: {error}")
        load = _get(result, "http", "practice_logs") or {}
        if load.get("errors"):
            found.append(f"{db} practice logs: {load['errors']} errors {load['errors_by_kind']}")
        elif "error" in load and "wrk is not installed" not in load["error"]:
            found.append(f"{db} practice logs: {load['error']}")
    return found


if __name__ == "__main__":
    sys.exit(main())
