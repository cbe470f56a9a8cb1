"""`between report pip --id N --out FILE.docx`: a PIP's report as a Word document.

Run on the server by an administrator; the document holds the PIP's aggregate figures (exact
counts, as submitted to the external quality reviewer) and no client's record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from between.accounts import audit
from between.accounts.models import AuditAction
from between.improvement import report
from between.improvement.models import Pip


class Command(BaseCommand):
    help = "Write reports: 'pip' writes a PIP's report as a Word document (.docx)."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        pip = kinds.add_parser("pip", help="A Performance Improvement Project's report.")
        pip.add_argument("--id", type=int, required=True, help="The PIP's id.")
        pip.add_argument("--out", required=True, help="The .docx file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        pip = Pip.objects.filter(pk=options["id"]).first()
        if pip is None:
            known = ", ".join(str(pk) for pk in Pip.objects.values_list("pk", flat=True)[:20])
            raise CommandError(f"No PIP with id {options['id']} (known: {known or 'none'}).")
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise CommandError("--out must name a .docx file.")
        if not out.parent.exists():
            raise CommandError(f"The folder {out.parent} does not exist.")
        content = report.docx_bytes(report.build(pip, exact=True))
        out.write_bytes(content)
        audit.record(None, AuditAction.EXPORT, pip, detail="docx (command)")
        self.stdout.write(f"Wrote {out} ({len(content):,} bytes).")
