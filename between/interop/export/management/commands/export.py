"""`between export research --out DIR`: the de-identified research dataset.

between export research --out /secure/exports/2026-11
between export research --out DIR --organization demo-county --dates month

Needs BETWEEN_RESEARCH_KEY (or BETWEEN_RESEARCH_KEY_FILE); see docs/research-export.md.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from between.clinic.models import Organization
from between.interop.export.pseudonyms import MissingKey, Pseudonymizer, load_key
from between.interop.export.research import README_FILE, export_research


class Command(BaseCommand):
    help = (
        "Export a de-identified analytic dataset for approved researchers: record-level CSV "
        "files with pseudonyms instead of ids and no names, contact details or free text, "
        "indicator tables with small cells suppressed, a data dictionary and a README. "
        "Needs BETWEEN_RESEARCH_KEY (or BETWEEN_RESEARCH_KEY_FILE)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "dataset", choices=["research"], help="What to export (research: the only one)."
        )
        parser.add_argument(
            "--out",
            required=True,
            type=Path,
            help="Folder to write into; created if missing, and it must be empty.",
        )
        parser.add_argument(
            "--organization",
            metavar="SLUG",
            help="Export one organization only (default: every organization).",
        )
        parser.add_argument(
            "--dates",
            choices=["year", "month"],
            default="year",
            help="Precision of dates about people: year (HIPAA Safe Harbor, the default) or "
            "month (a limited data set: release only under a data use agreement).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = load_key()
        except MissingKey as exc:
            raise CommandError(str(exc)) from None
        organization_id = None
        if options["organization"]:
            found = Organization.objects.filter(slug=options["organization"]).first()
            if found is None:
                raise CommandError(f"No organization with the slug {options['organization']!r}.")
            organization_id = found.pk
        folder = options["out"]
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise CommandError(f"{folder} must be an empty folder or not exist yet.")
        folder.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed at the end, so a failed export leaves no
        # half-written dataset behind (mkdtemp makes it readable by its owner only).
        partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
        try:
            result = export_research(
                partial,
                Pseudonymizer(key),
                precision=options["dates"],
                organization_id=organization_id,
            )
            os.replace(partial, folder)  # replaces an empty folder, too
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        for name, count in result.counts.items():
            self.stdout.write(f"{name}: {count} rows")
        self.stdout.write(self.style.SUCCESS(f"Wrote the export to {folder} (see {README_FILE})."))
