"""`between import KIND FILE`: check an EHR file and import it in one pass and one transaction.

between import sessions sessions.csv --profile "Avatar sessions" --dry-run
between import clients clients.xlsx --map client_id=MRN --map birth_date=DOB --save-profile avatar
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from between.accounts.models import User
from between.clinic.models import Organization
from between.interop.imports import actions
from between.interop.imports.kinds import KINDS
from between.interop.imports.models import ImportProfile


class Command(BaseCommand):
    help = (
        "Import programs, staff, clients, caregivers, sessions or progress notes from a CSV or "
        "Excel file of the EHR. Every row is checked and written in one pass and one transaction: "
        "if any row is bad, none is written and every bad row is reported with its line "
        "number. Rows are matched "
        "by the EHR's ids: importing the same file again changes nothing, and an interrupted "
        "import is completed by running it again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS), help="What the file holds.")
        parser.add_argument("file", type=Path, help="A .csv (UTF-8) or .xlsx file.")
        parser.add_argument("--profile", help="A saved column mapping to use, by name.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="Our field is in their column HEADER (repeatable; with --save-profile).",
        )
        parser.add_argument("--date-format", default="", help="A strptime format tried first.")
        parser.add_argument(
            "--save-profile", metavar="NAME", help="Save --map/--date-format as a profile."
        )
        parser.add_argument(
            "--organization", help="The organization's slug (needed when there are several)."
        )
        parser.add_argument("--actor", help="Username recorded as the importer in the audit.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file only; write nothing at all."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["kind"]
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self._actor(options["actor"])
        organization = self._organization(options["organization"])
        profile = self._profile(actor, kind, options)
        if options["dry_run"]:
            with self._progress() as progress:
                report = actions.validate_import(
                    actor,
                    organization,
                    kind,
                    path,
                    profile=profile,
                    dry_run=True,
                    progress=progress,
                )
            self._print_errors(report)
            if not report.ok:
                raise CommandError(f"{report.error_count} bad row(s): nothing was imported.")
            counts = report.counts
            self.stdout.write(
                f"{report.rows} rows valid: {counts.created} to add, {counts.updated} to update, "
                f"{counts.unchanged} unchanged (dry run: nothing written)."
            )
            return
        # One pass: checked and written as the file is read, all or nothing.
        with self._progress() as progress:
            report = actions.import_file(
                actor, organization, kind, path, profile=profile, progress=progress
            )
        self._print_errors(report)
        if not report.ok:
            raise CommandError(f"{report.error_count} bad row(s): nothing was imported.")
        counts = report.counts
        self.stdout.write(
            f"Imported {report.rows} rows (batch {report.batch.pk if report.batch else '-'}): "
            f"{counts.created} added, {counts.updated} updated, {counts.unchanged} unchanged."
        )

    def _actor(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user

    def _organization(self, slug: str | None) -> Organization:
        organizations = Organization.objects.all()
        if slug:
            organizations = organizations.filter(slug=slug)
        found = list(organizations[:2])
        if len(found) != 1:
            raise CommandError(
                "Name the organization with --organization SLUG."
                if found
                else "No such organization."
            )
        return found[0]

    def _profile(
        self, actor: User | None, kind: str, options: dict[str, Any]
    ) -> ImportProfile | None:
        mapping: dict[str, str] = {}
        for item in options["map"]:
            field, sep, header = item.partition("=")
            if not sep or not field.strip() or not header.strip():
                raise CommandError(f"--map takes FIELD=HEADER, not {item!r}.")
            mapping[field.strip()] = header.strip()
        if options["save_profile"]:
            try:
                return actions.save_profile(
                    actor,
                    name=options["save_profile"],
                    kind=kind,
                    mapping=mapping,
                    date_format=options["date_format"],
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        if mapping or options["date_format"]:
            raise CommandError("--map and --date-format are saved with --save-profile NAME.")
        if not options["profile"]:
            return None
        profile = ImportProfile.objects.filter(name=options["profile"]).first()
        if profile is None:
            raise CommandError(f"No import profile named {options['profile']!r}.")
        return profile

    @contextmanager
    def _progress(self) -> Iterator[actions.ProgressCallback | None]:
        """A rich progress bar on a terminal; nothing when the output is a file or a pipe."""
        if not sys.stderr.isatty():
            yield None
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(), transient=True
        ) as bar:
            task = bar.add_task("checking", total=None)

            def update(phase: str, done: int, total: int | None) -> None:
                label = "checking" if phase == "validate" else "importing"
                bar.update(task, description=label, completed=done, total=total)

            yield update

    def _print_errors(self, report: actions.ImportReport) -> None:
        for line, reason in report.errors:
            self.stderr.write(f"line {line}: {reason}")
        hidden = report.error_count - len(report.errors)
        if hidden > 0:
            self.stderr.write(f"... and {hidden} more bad row(s).")
