"""`between audit verify [--checkpoint TEXT]`: check the audit trail's hash chains.

Recomputes every event's keyed hash and link (accounts/chain.py). Exit status 0 when the trail
is intact, 1 when an event was altered, removed or inserted (each problem is named by event
id). Prints a checkpoint to keep outside the database: passed back later with --checkpoint, it
also finds events removed from the end of a chain.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from between.accounts import chain


class Command(BaseCommand):
    help = "Audit trail tools: 'verify' finds altered, removed or inserted events."

    def add_arguments(self, parser: CommandParser) -> None:
        tools = parser.add_subparsers(dest="tool", required=True, metavar="TOOL")
        check = tools.add_parser("verify", help="Check every event's hash and link.")
        check.add_argument(
            "--checkpoint",
            default="",
            help="A checkpoint printed by an earlier run: its events must still be there.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = chain.verify(options["checkpoint"])
        for problem in result.problems:
            self.stderr.write(str(problem))
        for item in result.missing_checkpoints:
            self.stderr.write(f"checkpoint {item}: that event is gone or changed (rows removed?)")
        self.stdout.write(f"events checked: {result.events} in {len(result.heads)} chain(s)")
        self.stdout.write(f"checkpoint: {result.checkpoint or '-'}")
        if not result.ok:
            self.stderr.write("The audit trail has been tampered with.")
            sys.exit(1)
        self.stdout.write("The audit trail is intact.")
