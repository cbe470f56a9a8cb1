"""Benchmark: importing a long sessions file from the EHR, rows per second and peak memory.

    .venv/bin/python -m bench.imports                      # 1,000,000 sessions, SQLite
    .venv/bin/python -m bench.imports --rows 200000 --db postgres --out var/bench/imports.json

The database is made fresh: a SQLite file under var/bench/ or the PostgreSQL database
`bench_imports`. A program with 40 clinicians and 1,000 clients is registered through the
actions, a CSV of generated sessions written, then validated and committed as `between import`
does (one transaction). The figures: seconds and rows per second of each pass, the peak
resident memory (ru_maxrss) before and after, and the growth, which must not follow the rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
CLINICIANS, CLIENTS = 40, 1000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--out", type=Path, help="write the result as JSON to this file")
    return parser.parse_args(argv)


def prepare_database(db: str) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        path = BENCH_DIR / "imports.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
            server.execute("DROP DATABASE IF EXISTS bench_imports")
            server.execute("CREATE DATABASE bench_imports")
        os.environ["DATABASE_URL"] = f"{POSTGRES_SERVER}/bench_imports"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "between.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def seed() -> Any:
    from between.accounts import actions as accounts
    from between.clinic import actions as clinic

    organization = clinic.create_organization(None, name="Bench County", slug="bench")
    program = clinic.create_program(None, organization, name="Bench", code="BEN", kind="outpatient")
    for i in range(CLINICIANS):
        user = accounts.create_user(None, username=f"clin{i}")
        accounts.grant_role(None, user, program, "clinician")
    for i in range(CLIENTS):
        clinic.register_client(
            None, program, ehr_id=f"C-{i}", given_name="Test", family_name=f"Child {i}",
            birth_date=date(2014, 1, 1) + timedelta(days=i),
        )  # fmt: skip
    return organization


def write_file(rows: int) -> Path:
    path = BENCH_DIR / f"sessions-{rows}.csv"
    start = date(2023, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["session_id", "client_id", "clinician", "occurred_on", "duration_minutes"])
        for i in range(rows):
            day = start + timedelta(days=i % 1000)
            writer.writerow(
                [f"S-{i}", f"C-{i % CLIENTS}", f"clin{i % CLINICIANS}", f"{day:%m/%d/%Y}", 50]
            )
    return path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prepare_database(args.db)
    organization = seed()
    path = write_file(args.rows)
    from between.interop.imports import actions

    before = peak_mb()
    began = time.perf_counter()
    report = actions.validate_import(None, organization, "sessions", path)
    validated = time.perf_counter()
    assert report.ok and report.batch is not None, report.errors[:5]
    report = actions.commit_import(None, report.batch, path)
    committed = time.perf_counter()
    assert report.ok, report.errors[:5]
    result = {
        "db": args.db,
        "rows": args.rows,
        "validate_s": round(validated - began, 1),
        "commit_s": round(committed - validated, 1),
        "rows_per_s": round(args.rows / (committed - began)),
        "peak_rss_before_mb": round(before, 1),
        "peak_rss_after_mb": round(peak_mb(), 1),
        "peak_rss_growth_mb": round(peak_mb() - before, 1),
    }
    for key, value in result.items():
        print(f"{key:>20}  {value}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
