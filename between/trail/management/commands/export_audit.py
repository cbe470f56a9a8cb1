"""`between export_audit`: the audit trail report as CSV for operators (the whole trail, with the
web page's filters). The export is itself audited, as on the web page."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from between.accounts import audit
from between.accounts.models import AuditAction, AuditEvent
from between.trail.access import OBJECT_TYPE
from between.trail.forms import EventFilterForm, ordering
from between.trail.views import csv_lines


class Command(BaseCommand):
    help = (
        "Write audit events as CSV (the audit trail report's columns), filtered by user, client, "
        "period (whole days in the county's zone), action and outcome. Leaves an export event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="", help="Only events by this username.")
        parser.add_argument("--client", default="", help="Only events about this client id.")
        parser.add_argument("--from", dest="start", default="", help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", default="", help="Last day, YYYY-MM-DD.")
        parser.add_argument("--action", default="", help="Only this action code (e.g. view).")
        parser.add_argument("--outcome", default="", help="Only this outcome (ok, denied, failed).")
        parser.add_argument(
            "--sort", default="time", help="time, user, action or client; '-' first: descending."
        )
        parser.add_argument("--output", default="-", help="File to write (default: stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        params = QueryDict(mutable=True)
        for name in ("user", "client", "start", "end", "action", "outcome", "sort"):
            if options[name]:
                params[name] = options[name]
        form = EventFilterForm(params)
        if not form.is_valid():
            problems = "; ".join(
                f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()
            )
            raise CommandError(problems)
        events = AuditEvent.objects.filter(form.conditions()).order_by(*ordering(form.sort_key()))
        count = events.count()
        exported = audit.record(
            None,
            AuditAction.EXPORT,
            object_type=OBJECT_TYPE,
            detail=f"cli {form.summary()} rows={count}",
        )
        lines = csv_lines(events.filter(pk__lt=exported.pk))
        if options["output"] == "-":
            for line in lines:
                self.stdout.write(line, ending="")
        else:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                handle.writelines(lines)
            self.stderr.write(f"{count} events written to {options['output']}")
