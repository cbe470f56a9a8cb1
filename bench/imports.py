"""Benchmark: importing a long sessions file from the EHR, rows per second and peak memory.

    .venv/bin/python -m bench.imports                      # 1,000,000 sessions, SQLite
    .venv/bin/python -m bench.imports --rows 200000 --db postgres --out var/bench/imports.json

The same rows are first written by PostgreSQL's COPY (SQLite: one executemany INSERT) and
rolled back: the floor the import's rate is divided by (target: at least a quarter of it).

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


def write_file(
    rows: int,
    people: list[tuple[str, str]] | None = None,
    *,
    start: date = date(2023, 1, 1),
    days: int = 1000,
    prefix: str = "S",
) -> Path:
    """A sessions CSV as the EHR exports it: `people` are (client EHR id, clinician username)
    pairs taken in turn (default: the seeded program's), dates spread over `days`."""
    path = BENCH_DIR / f"sessions-{prefix}-{rows}.csv"
    if people is None:
        people = [(f"C-{i % CLIENTS}", f"clin{i % CLINICIANS}") for i in range(CLIENTS)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["session_id", "client_id", "clinician", "occurred_on", "duration_minutes"])
        for i in range(rows):
            day = start + timedelta(days=i % days)
            client, clinician = people[i % len(people)]
            writer.writerow([f"{prefix}-{i}", client, clinician, f"{day:%m/%d/%Y}", 50])
    return path


def time_import(
    organization: Any, path: Path, rows: int, *, two_pass_path: Path | None = None
) -> dict[str, Any]:
    """Import the file as `between import` does (one pass: checked and written as it is
    read, one transaction); seconds and rows per second. With `two_pass_path` (the same
    rows under other ids), also the web page's way: validate (the report shown before
    committing), then commit."""
    from between.interop.imports import actions

    before = peak_mb()
    began = time.perf_counter()
    report = actions.import_file(None, organization, "sessions", path)
    elapsed = time.perf_counter() - began
    assert report.ok, report.errors[:5]
    result: dict[str, Any] = {
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "peak_rss_before_mb": round(before, 1),
        "peak_rss_growth_mb": round(peak_mb() - before, 1),
    }
    if two_pass_path is not None:
        began = time.perf_counter()
        report = actions.validate_import(None, organization, "sessions", two_pass_path)
        validated = time.perf_counter()
        assert report.ok and report.batch is not None, report.errors[:5]
        report = actions.commit_import(None, report.batch, two_pass_path)
        committed = time.perf_counter()
        assert report.ok, report.errors[:5]
        result["two_pass"] = {
            "validate_s": round(validated - began, 2),
            "commit_s": round(committed - validated, 2),
            "rows_per_s": round(rows / (committed - began)),
        }
    return result


def resolved_rows(path: Path, organization: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The file's rows as the sessions table stores them (ids looked up, defaults filled):
    what COPY is given, so it writes the same rows as the import."""
    from django.utils import timezone

    from between.accounts.models import User
    from between.clinic.models import Client

    clients = {
        ehr: (pk, program)
        for ehr, pk, program in Client.objects.filter(organization=organization).values_list(
            "ehr_id", "pk", "program_id"
        )
    }
    now = timezone.now()
    users: dict[str, int] = {}
    out: list[tuple[Any, ...]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for session_id, client_ehr, username, day, minutes in reader:
            if username not in users:
                users[username] = User.objects.values_list("pk", flat=True).get(username=username)
            client_id, program_id = clients[client_ehr]
            month, dd, year = (int(x) for x in day.split("/"))
            out.append(
                (program_id, client_id, users[username], session_id, date(year, month, dd),
                 "individual", "attended", False, True, False, int(minutes), now)
            )  # fmt: skip
    columns = [
        "program_id", "client_id", "clinician_id", "ehr_id", "occurred_on", "session_type",
        "status", "is_intake", "youth_attended", "caregiver_attended", "duration_minutes",
        "created_at",
    ]  # fmt: skip
    return columns, out


def time_bulk_reference(columns: list[str], rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The floor the import is compared with: the same rows written by PostgreSQL's COPY (on
    SQLite, one executemany INSERT) with their foreign keys checked, in a transaction that is
    rolled back afterwards."""
    from django.db import connection, transaction

    from between.clinic.models import Session

    table = connection.ops.quote_name(Session._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)

    class _Rollback(Exception):
        pass

    began = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                # The foreign keys are checked at commit (deferred), which this rolled-back
                # transaction never reaches: checked now, as the import's commit checks them.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                method = "COPY"
            else:
                marks = ", ".join(["%s"] * len(columns))
                adapt = connection.ops.adapt_datetimefield_value
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                    [(*r[:4], r[4].isoformat(), *r[5:11], adapt(r[11])) for r in rows],
                )
                method = "executemany INSERT"
            elapsed = time.perf_counter() - began
            raise _Rollback
    except _Rollback:
        pass
    return {
        "method": method,
        "rows": len(rows),
        "seconds": round(elapsed, 3),
        "rows_per_s": round(len(rows) / elapsed) if elapsed else None,
    }


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prepare_database(args.db)
    organization = seed()
    path = write_file(args.rows)
    columns, resolved = resolved_rows(path, organization)
    reference = time_bulk_reference(columns, resolved)
    del resolved
    imported = time_import(
        organization, path, args.rows, two_pass_path=write_file(args.rows, prefix="T")
    )
    result = {
        "db": args.db,
        **imported,
        "reference": reference["method"],
        "reference_rows_per_s": reference["rows_per_s"],
        "ratio_to_reference": round(imported["rows_per_s"] / reference["rows_per_s"], 3),
    }
    for key, value in result.items():
        print(f"{key:>20}  {value}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
