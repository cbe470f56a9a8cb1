"""Files and runs shared by the import tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from between.accounts.models import User
from between.clinic.models import Organization
from between.interop.imports import actions
from between.interop.imports.actions import ImportReport

SESSION_HEADER = ["session_id", "client_id", "clinician", "occurred_on", "status"]


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(
    actor: User | None,
    organization: Organization,
    kind: str,
    path: Path,
    **options: Any,
) -> ImportReport:
    """Validate, then commit when the file is clean (what the command does)."""
    program_ids = options.pop("program_ids", None)
    report = actions.validate_import(
        actor, organization, kind, path, program_ids=program_ids, **options
    )
    if report.ok and report.batch is not None:
        report = actions.commit_import(actor, report.batch, path, program_ids=program_ids)
    return report
