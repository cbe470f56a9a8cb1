"""`between restore FILE`: load a backup into a new, freshly migrated database and verify it.

DATABASE_URL=postgres://.../between_restored between migrate
DATABASE_URL=postgres://.../between_restored between restore /secure/backups/between.zip
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from between.accounts import chain
from between.ops.restore import BackupInvalid, RestoreFailed, RestoreRefused, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a `between backup` file into this database, which must be new: migrated by "
        "`between migrate` to exactly the backup's migrations and holding nothing else. Rows "
        "keep their ids; everything goes in one transaction, and every table's row count and "
        "SHA-256 checksum is recomputed from the database before it commits. A changed or "
        "damaged backup, or any difference, rolls everything back. Works across SQLite and "
        "PostgreSQL in either direction. Then the audit trail's hash chains are verified: run "
        "it with the source's BETWEEN_AUDIT_KEY."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file written by `between backup`.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = restore_backup(options["file"], connection)
        except (BackupInvalid, RestoreRefused, RestoreFailed) as exc:
            raise CommandError(str(exc)) from None
        except zipfile.BadZipFile as exc:
            raise CommandError(
                f"{options['file']} is damaged ({exc}); nothing was restored."
            ) from None
        self.stdout.write(
            f"Restored {summary.rows} rows of {summary.tables} tables; every table's row count "
            "and checksum matches the backup."
        )
        # Not a reason to undo the restore (the rows are the backup's), but the operator must
        # know: a different BETWEEN_AUDIT_KEY here, or a trail altered before the backup.
        verified = chain.verify()
        if verified.ok:
            self.stdout.write(f"The audit trail's {verified.events} events verify.")
        else:
            self.stderr.write(
                f"Warning: the audit trail does not verify ({len(verified.problems)} problems): "
                "is BETWEEN_AUDIT_KEY the source's? Run `between audit verify` for details."
            )
