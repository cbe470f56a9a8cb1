"""Write a whole-database backup: a zip of one JSON Lines file per table and a manifest.

    manifest.json           format, version, when, from which database, the applied migrations
                            per app, and per table (in restore order): columns, rows, SHA-256
    tables/<table>.jsonl    the table's rows in canonical form (tables.py), by primary key

The file's SHA-256 of a table equals the table's checksum, so the archive can be checked with
nothing but `unzip` and `sha256sum`. All tables are read in one transaction, so the backup is one
consistent moment: REPEATABLE READ on PostgreSQL; on SQLite the read holds the write lock
(writers wait, up to the busy timeout) while it runs.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from between.ops.tables import Digest, canonical_line, installed_tables, ordered_rows

FORMAT = "between-backup"
VERSION = 1
MANIFEST = "manifest.json"


def table_file(name: str) -> str:
    return f"tables/{name}.jsonl"


def applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    """The applied migrations per app, as django_migrations records them."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in recorder.applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


class NotMigrated(RuntimeError):
    """The database is not at this release's migrations, so its tables may not be the models'."""


def check_migrated(connection: BaseDatabaseWrapper) -> None:
    executor = MigrationExecutor(connection)
    if not executor.recorder.has_table():
        raise NotMigrated("The database is not migrated: run `between migrate` first.")
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise NotMigrated(
            f"The database lacks {len(pending)} of this release's migrations: run "
            "`between migrate` first, so the backup can be restored by this release."
        )


@dataclass
class BackupSummary:
    tables: int
    rows: int
    path: Path


def write_backup(path: Path, connection: BaseDatabaseWrapper) -> BackupSummary:
    """Write the backup to `path` (which must not exist), beside it first and renamed at the
    end, so a failed backup leaves no half-written file under the expected name."""
    if path.exists():
        raise FileExistsError(f"{path} exists already: choose a new file name.")
    check_migrated(connection)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(prefix=f".{path.name}.partial-", dir=path.parent)
    os.close(handle)  # mkstemp makes it readable by its owner only: the backup holds PHI
    partial = Path(partial_name)
    try:
        manifest = _write_archive(partial, connection)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(
        tables=len(manifest["tables"]),
        rows=sum(table["rows"] for table in manifest["tables"]),
        path=path,
    )


def _write_archive(partial: Path, connection: BaseDatabaseWrapper) -> dict[str, Any]:
    tables = installed_tables()
    described: list[dict[str, Any]] = []
    with (
        zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        transaction.atomic(using=connection.alias),
    ):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        migrations = applied_migrations(connection)
        for table in tables:
            digest = Digest()
            with archive.open(table_file(table.name), "w", force_zip64=True) as out:
                for row in ordered_rows(table, connection):
                    line = canonical_line(row, table)
                    digest.add(line)
                    out.write(line)
            digest.finish()
            described.append(
                {
                    "table": table.name,
                    "model": table.label,
                    "columns": table.columns,
                    "rows": digest.rows,
                    "sha256": digest.sha256,
                }
            )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "django": django.get_version(),
            "migrations": migrations,
            "tables": described,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
