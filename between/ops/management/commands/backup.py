"""`between backup --out FILE`: the whole database in one portable, checksummed file.

between backup --out /secure/backups/between-2026-11-28.zip

The file holds every row (PHI included): keep it as carefully as the database itself.
Restore it with `between restore FILE` into a new, freshly migrated database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from between.accounts import audit
from between.accounts.models import AuditAction
from between.ops.backup import NotMigrated, write_backup


class Command(BaseCommand):
    help = (
        "Back up the whole database into one file: a zip of one JSON Lines file per table "
        "(every installed model's table, many-to-many tables included) and a manifest with "
        "the applied migrations, per-table row counts and SHA-256 checksums. Read in one "
        "transaction, so it is one consistent moment. The same file restores into SQLite or "
        "PostgreSQL with `between restore`. On SQLite, writers wait while it runs. The file holds "
        "PHI: store it encrypted. Its audit events verify only under the same BETWEEN_AUDIT_KEY: "
        "keep that key with the backups' keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            required=True,
            type=Path,
            metavar="FILE",
            help="File to write (it must not exist); readable by its owner only.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = write_backup(options["out"], connection)
        except (FileExistsError, OSError, NotMigrated) as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            # A read's errors name tables and columns, not values; the first line is enough.
            first = (str(exc).splitlines() or [""])[0][:200]
            raise CommandError(
                f"The database failed ({type(exc).__name__}: {first}); no backup."
            ) from None
        # Who took a copy of every record is itself part of the audit trail.
        audit.record(
            None,
            AuditAction.EXPORT,
            object_type="database",
            detail=f"backup: {summary.tables} tables, {summary.rows} rows",
        )
        self.stdout.write(
            f"Backed up {summary.rows} rows of {summary.tables} tables to {summary.path}."
        )
