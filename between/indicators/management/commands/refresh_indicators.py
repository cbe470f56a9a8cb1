"""`between refresh_indicators [--today YYYY-MM-DD] [--rebuild]`: refresh the indicator summary.

Run it from cron (hourly is plenty) or after an import; it is idempotent."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from between.indicators.actions import refresh_summary


class Command(BaseCommand):
    help = "Recompute the indicator summary for open periods (all periods with --rebuild)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="refresh as if today were this date (YYYY-MM-DD)")
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="also recompute closed periods (after a deliberate data correction)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as error:
                raise CommandError(f"--today must be YYYY-MM-DD: {error}") from None
        result = refresh_summary(today=today, rebuild=options["rebuild"])
        self.stdout.write(
            f"{result.periods_refreshed} periods refreshed, {result.periods_closed} closed, "
            f"{result.rows_written} rows written"
        )
