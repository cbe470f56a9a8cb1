"""Write the de-identified research export into a folder; see docs/research-export.md.

Rows are written in the order of their pseudonyms, not of the database: an order by id or by
date would say which record came first (an EHR id order, or a day finer than the export's
period). Large files are sorted through 16 temporary buckets, so memory stays bounded.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from between.accounts import audit
from between.accounts.models import AuditAction, User
from between.interop.export import aggregates, columns, rows
from between.interop.export.pseudonyms import HEX_DIGITS, Pseudonymizer

FORMAT_VERSION = "1.0"
README_FILE = "README.txt"
BUCKETS = "0123456789abcdef"

SOURCES: dict[str, rows.RowSource] = {
    columns.PROGRAMS.file: rows.programs,
    columns.CLIENTS.file: rows.clients,
    columns.SESSIONS.file: rows.sessions,
    columns.ASSIGNMENTS.file: rows.assignments,
    columns.PRACTICE_LOGS.file: rows.practice_logs,
    columns.REVIEWS.file: rows.reviews,
    columns.OUTCOMES.file: rows.outcomes,
    columns.OUTCOME_SUBSCALES.file: rows.outcome_subscales,
    columns.TRAININGS.file: rows.trainings,
    columns.INDICATORS_BY_MONTH.file: aggregates.indicators_by_month,
}
# Short names for the audit event's detail (200 characters: counts only, never values).
AUDIT_NAMES = {
    columns.PROGRAMS.file: "pg",
    columns.CLIENTS.file: "cl",
    columns.SESSIONS.file: "se",
    columns.ASSIGNMENTS.file: "as",
    columns.PRACTICE_LOGS.file: "pl",
    columns.REVIEWS.file: "rv",
    columns.OUTCOMES.file: "oa",
    columns.OUTCOME_SUBSCALES.file: "os",
    columns.TRAININGS.file: "tr",
    columns.INDICATORS_BY_MONTH.file: "ind",
}
# Files whose first column names their own rows: each value must be unique.
UNIQUE_FIRST_COLUMN = {
    columns.PROGRAMS.file,
    columns.CLIENTS.file,
    columns.SESSIONS.file,
    columns.ASSIGNMENTS.file,
    columns.OUTCOMES.file,
}


class PseudonymCollision(RuntimeError):
    """Two rows got the same pseudonym (80 bits make this practically impossible)."""


@dataclass
class ExportResult:
    folder: Path
    counts: dict[str, int] = field(default_factory=dict)


def _bucket(row: rows.Row) -> str:
    """The first hex digit of the row's first pseudonym ("XX-" + hex), else bucket 0."""
    first = row[0] if row else ""
    return first[3] if len(first) == 3 + HEX_DIGITS and first[2] == "-" else "0"


def _sorted(source: Iterable[rows.Row], scratch: Path) -> Iterator[rows.Row]:
    """The rows sorted as text, via one temporary file per leading hex digit."""
    scratch.mkdir()
    handles = {b: (scratch / b).open("w", newline="", encoding="utf-8") for b in BUCKETS}
    try:
        writers = {b: csv.writer(handle) for b, handle in handles.items()}
        for row in source:
            bucket = _bucket(row)
            writers[bucket if bucket in writers else "0"].writerow(row)
    finally:
        for handle in handles.values():
            handle.close()
    for b in BUCKETS:
        with (scratch / b).open(newline="", encoding="utf-8") as handle:
            chunk = sorted(tuple(row) for row in csv.reader(handle))
        (scratch / b).unlink()
        yield from chunk


def _write_table(table: columns.Table, source: Iterable[rows.Row], folder: Path) -> int:
    unique = table.file in UNIQUE_FIRST_COLUMN
    previous = None
    count = 0
    with (folder / table.file).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        for row in source:
            if len(row) != len(table.header):
                raise ValueError(f"{table.file}: a row has {len(row)} of {len(table.header)}")
            if unique and row[0] == previous:  # sorted, so duplicates are neighbours
                raise PseudonymCollision(f"{table.file}: two rows share a pseudonym")
            previous = row[0]
            writer.writerow(row)
            count += 1
    return count


def _write_dictionary(folder: Path) -> None:
    with (folder / columns.DICTIONARY_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns.DICTIONARY_HEADER)
        for table in columns.TABLES:
            for column in table.columns:
                writer.writerow(
                    (
                        table.file,
                        column.name,
                        column.type,
                        column.meaning,
                        column.allowed,
                        column.deidentification,
                    )
                )


def readme_text(ctx: rows.Context, counts: dict[str, int]) -> str:
    precision = (
        "Dates about a person are reduced to the year (YYYY). With the county's other "
        "de-identification below, this export is meant to meet the HIPAA Safe Harbor standard "
        "(45 CFR 164.514(b)(2))."
        if ctx.precision == "year"
        else "Dates about a person are reduced to the year and month (YYYY-MM). Safe Harbor "
        "allows only the year, so this export is a LIMITED DATA SET (45 CFR 164.514(e)), not "
        "Safe Harbor de-identified data: it may be released only under a data use agreement."
    )
    lines = [
        "Between Sessions: de-identified research export",
        "",
        f"Format version: {FORMAT_VERSION}",
        f"Exported on: {ctx.today:%Y-%m-%d}",
        f"Date precision: {ctx.precision}",
        f"Pseudonym key id: {ctx.pseudonyms.key_id()} (exports with the same key id share "
        "pseudonyms and can be linked)",
        f"Small-cell limit: aggregate counts of 1 to {settings.SMALL_CELL_MAX} are suppressed",
        "",
        "De-identification",
        "",
        "This export contains no names, addresses or geographic units smaller than a state, "
        "telephone or fax numbers, email addresses, record numbers or other ids from the "
        "electronic health record, account names, and no free text (progress notes, typed "
        "titles, instructions, comments or reasons). People, programs, sessions, assignments "
        "and forms are named by pseudonyms: keyed hashes (HMAC-SHA256) made with a key that "
        "stays in the deployment and is not part of this export. Ages over 89 are reported as "
        "90+. " + precision,
        "",
        "Aggregate tables (indicators_by_month.csv) hide small cells and the cells that would "
        "let a hidden one be worked out. Rows of the record-level files are in pseudonym "
        "order, not in the order they were recorded.",
        "",
        "Recipients must not try to identify any person, link this export with other data to "
        "do so, or contact anyone it describes. Report any identifying information found in it "
        "to the county's privacy officer.",
        "",
        "Files (rows)",
        "",
    ]
    lines += [f"  {name}: {count}" for name, count in counts.items()]
    lines += ["", f"Every column of every file is described in {columns.DICTIONARY_FILE}.", ""]
    return "\n".join(lines)


def _read_and_write(ctx: rows.Context, folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="between-export-") as scratch:
        for table in columns.TABLES:
            source = SOURCES[table.file](ctx)
            if table is not columns.INDICATORS_BY_MONTH:  # already in a meaningful order
                source = _sorted(source, Path(scratch) / table.file)
            counts[table.file] = _write_table(table, source, folder)
    _write_dictionary(folder)
    (folder / README_FILE).write_text(readme_text(ctx, counts), encoding="utf-8")
    return counts


def _consistent_reads(ctx: rows.Context, folder: Path) -> dict[str, int]:
    """On PostgreSQL every file reads one snapshot (a read-only repeatable-read transaction).
    SQLite's transactions here take the write lock at BEGIN, so it reads without one."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return _read_and_write(ctx, folder)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _read_and_write(ctx, folder)


def export_research(
    folder: Path,
    pseudonyms: Pseudonymizer,
    *,
    precision: str = "year",
    organization_id: int | None = None,
    today: date | None = None,
    actor: User | None = None,
) -> ExportResult:
    """Write every file into `folder` (which must exist and be empty) and audit the export."""
    if precision not in {"year", "month"}:
        raise ValueError(f"precision must be year or month, not {precision!r}")
    ctx = rows.Context(
        pseudonyms=pseudonyms,
        precision=precision,
        today=today or timezone.localdate(),
        organization_id=organization_id,
    )
    counts = _consistent_reads(ctx, folder)
    short = ",".join(f"{AUDIT_NAMES[name]}={n}" for name, n in counts.items())
    audit.record(
        actor,
        AuditAction.EXPORT,
        object_type="interop_export.research",
        object_id=organization_id or "",
        detail=f"research:{precision}:{short}",
    )
    return ExportResult(folder, counts)
