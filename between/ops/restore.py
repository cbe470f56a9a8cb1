"""Restore a backup (backup.py) into a freshly migrated, empty database, and prove it.

Refused before anything is written unless: the file is a backup of this format; the target has
exactly the backup's applied migrations; its tables and columns are the backup's; and it holds
nothing beyond what `migrate` creates (content types and permissions, whose ids differ between
databases, and the rows data migrations seed, which the backup holds as they were).

Then, in one transaction: those rows are cleared, every table is inserted in dependency order
with its primary keys (raw INSERTs: no model `save()`, no `auto_now`, and the append-only audit
trail is only ever inserted into), each file is checked against its manifest checksum while it
is read, foreign keys are checked, PostgreSQL sequences are moved past the restored ids, and
every table's checksum is recomputed from the database. Any difference rolls everything back.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.management.color import no_style
from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from between.ops.backup import FORMAT, MANIFEST, VERSION, applied_migrations, table_file
from between.ops.tables import Digest, Table, decode, installed_tables, table_digest

BATCH = 1000
# Tables `migrate` fills: post_migrate's content types and permissions, and data migrations'
# seeds (the review tool, homework catalogs, outcome instruments, training courses). A new data
# migration that seeds another table adds it here (tests/ops/test_backup.py fails until then).
CREATED_BY_MIGRATE = frozenset(
    {
        "django_content_type",
        "auth_permission",
        "audits_reviewtool",
        "audits_toolversion",
        "audits_reviewitem",
        "homework_barrier",
        "homework_strategy",
        "outcomes_instrument",
        "training_course",
    }
)


class BackupInvalid(ValueError):
    """The file is missing, not a backup, or damaged."""


class RestoreRefused(ValueError):
    """The target database is not a fresh one of the backup's migration state."""


class RestoreFailed(RuntimeError):
    """Rows did not go in as they came out; the transaction was rolled back."""


@dataclass
class RestoreSummary:
    tables: int
    rows: int


def read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise BackupInvalid(f"{path} does not exist.")
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise BackupInvalid(f"{path} is not a backup file (expected a zip from `between backup`).")
    with zipfile.ZipFile(path) as archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except KeyError:
            raise BackupInvalid(f"{path} has no {MANIFEST}: not a `between backup` file.") from None
        except (ValueError, zipfile.BadZipFile) as exc:
            raise BackupInvalid(f"{path}: the manifest is damaged ({exc}).") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupInvalid(f"{path} is not a `between backup` file.")
        if manifest.get("version") != VERSION:
            raise BackupInvalid(
                f"{path} is format version {manifest.get('version')}; this release reads "
                f"version {VERSION}."
            )
        if not _well_formed(manifest):
            raise BackupInvalid(f"{path}: the manifest is damaged (fields missing or mistyped).")
        names = set(archive.namelist())
        for entry in manifest["tables"]:
            if table_file(entry["table"]) not in names:
                raise BackupInvalid(f"{path} lacks the rows of {entry['table']}.")
    return manifest


def _well_formed(manifest: dict[str, Any]) -> bool:
    migrations, tables = manifest.get("migrations"), manifest.get("tables")
    if not isinstance(migrations, dict) or not isinstance(tables, list):
        return False
    if not all(isinstance(names, list) for names in migrations.values()):
        return False
    shape = {"table": str, "columns": list, "rows": int, "sha256": str}
    return all(
        isinstance(entry, dict)
        and all(isinstance(entry.get(key), kind) for key, kind in shape.items())
        for entry in tables
    )


def restore_backup(path: Path, connection: BaseDatabaseWrapper) -> RestoreSummary:
    manifest = read_manifest(path)
    expected = {entry["table"]: entry for entry in manifest["tables"]}
    with zipfile.ZipFile(path) as archive, transaction.atomic(using=connection.alias):
        # Checked inside the transaction, so no write can slip in between check and restore
        # (SQLite holds the write lock from BEGIN; on PostgreSQL a racing row fails the keys).
        tables = _check_target(manifest, connection)
        _clear_seeds(tables, connection)
        for table in tables:
            with archive.open(table_file(table.name)) as lines:
                digest = _insert(table, lines, connection)
            _compare(table.name, "in the backup file", digest, expected[table.name])
        _check_foreign_keys(connection)
        _reset_sequences(tables, connection)
        for table in tables:
            _compare(
                table.name, "after restoring", table_digest(table, connection), expected[table.name]
            )
    return RestoreSummary(tables=len(tables), rows=sum(e["rows"] for e in expected.values()))


def _check_target(manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> list[Table]:
    """The tables to restore, in the backup's order, once the target is known to fit."""
    applied = applied_migrations(connection)
    if not applied:
        raise RestoreRefused("The target database is not migrated: run `between migrate` first.")
    if applied != manifest["migrations"]:
        raise RestoreRefused(
            "The target database's migrations differ from the backup's: "
            + _migration_difference(manifest["migrations"], applied)
            + ". Restore into a new database migrated by the release that made the backup."
        )
    installed = {table.name: table for table in installed_tables()}
    in_backup = [entry["table"] for entry in manifest["tables"]]
    missing = sorted(set(in_backup) - set(installed))
    extra = sorted(set(installed) - set(in_backup))
    if missing or extra:
        raise RestoreRefused(
            "The backup's tables differ from this release's"
            + (f"; not here: {', '.join(missing)}" if missing else "")
            + (f"; not in the backup: {', '.join(extra)}" if extra else "")
            + "."
        )
    for entry in manifest["tables"]:
        if entry["columns"] != installed[entry["table"]].columns:
            raise RestoreRefused(f"The columns of {entry['table']} differ from this release's.")
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    absent = sorted(set(in_backup) - existing)
    if absent:
        raise RestoreRefused(f"The target database lacks tables: {', '.join(absent)}.")
    holding = [
        name for name in in_backup if name not in CREATED_BY_MIGRATE and _has_rows(name, connection)
    ]
    if holding:
        raise RestoreRefused(
            "The target database holds data already (in "
            + ", ".join(holding[:8])
            + (" and more" if len(holding) > 8 else "")
            + "). Restore only into a new, freshly migrated database."
        )
    return [installed[name] for name in in_backup]


def _migration_difference(wanted: dict[str, list[str]], applied: dict[str, list[str]]) -> str:
    notes = []
    for app in sorted(set(wanted) | set(applied)):
        lacking = sorted(set(wanted.get(app, [])) - set(applied.get(app, [])))
        more = sorted(set(applied.get(app, [])) - set(wanted.get(app, [])))
        if lacking:
            notes.append(f"{app} lacks {', '.join(lacking)}")
        if more:
            notes.append(f"{app} has {', '.join(more)} beyond the backup")
    return "; ".join(notes[:6]) + ("; …" if len(notes) > 6 else "")


def _has_rows(table: str, connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is not None


def _clear_seeds(tables: list[Table], connection: BaseDatabaseWrapper) -> None:
    """Empty the tables migrate filled; the backup holds their rows (ids differ otherwise)."""
    with connection.cursor() as cursor:
        for table in reversed(tables):
            if table.name in CREATED_BY_MIGRATE:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table.name)}")  # noqa: S608


def _insert(table: Table, lines: IO[bytes], connection: BaseDatabaseWrapper) -> Digest:
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(table.name),
        ", ".join(quote(column) for column in table.columns),
        ", ".join(["%s"] * len(table.columns)),
    )
    digest = Digest()
    with connection.cursor() as cursor:
        for batch in _batches(table, lines, digest, connection):
            try:
                cursor.executemany(sql, batch)
            except DatabaseError as exc:
                raise RestoreFailed(
                    f"{table.name}: the database refused a row ({_describe(exc)}); "
                    "nothing was restored."
                ) from None
    return digest.finish()


def _batches(
    table: Table, lines: IO[bytes], digest: Digest, connection: BaseDatabaseWrapper
) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for number, line in enumerate(lines, start=1):
        digest.add(line)
        try:
            values = json.loads(line)
            if len(values) != len(table.fields):
                raise ValueError("wrong number of columns")
            batch.append(
                [
                    field.get_db_prep_save(decode(value, field), connection)
                    for value, field in zip(values, table.fields, strict=True)
                ]
            )
        except (ValueError, TypeError) as exc:
            # The line itself is not printed: it may hold PHI.
            raise BackupInvalid(
                f"{table.name}, line {number}: not a valid row ({type(exc).__name__}); "
                "nothing was restored."
            ) from None
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _describe(exc: DatabaseError) -> str:
    """The error's kind and constraint, without the values a database puts in its detail."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    return type(exc).__name__ + (f" on {constraint}" if constraint else "")


def _compare(name: str, where: str, digest: Digest, entry: dict[str, Any]) -> None:
    if digest.rows != entry["rows"] or digest.sha256 != entry["sha256"]:
        raise RestoreFailed(
            f"{name}: {digest.rows} rows {where}, {entry['rows']} in the manifest, and the "
            f"checksum {'matches' if digest.sha256 == entry['sha256'] else 'differs'}: the "
            "backup was changed or damaged, or the database altered rows; nothing was restored."
        )


def _check_foreign_keys(connection: BaseDatabaseWrapper) -> None:
    try:
        connection.check_constraints()
    except Exception as exc:  # IntegrityError on SQLite, DatabaseError on PostgreSQL
        raise RestoreFailed(
            f"A foreign key points at a missing row ({type(exc).__name__}); nothing was restored."
        ) from None


def _reset_sequences(tables: list[Table], connection: BaseDatabaseWrapper) -> None:
    """Move PostgreSQL's id sequences past the restored ids (SQLite follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
