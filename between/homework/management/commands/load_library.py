from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from between.homework.actions import LIBRARY_FILE, load_library


class Command(BaseCommand):
    help = (
        "Create or update the homework library from a JSON file (default: the library that ships "
        "with Between Sessions). Idempotent: a changed item becomes a new version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, default=LIBRARY_FILE, help="library JSON file to load"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_library(None, options["file"])
        self.stdout.write(
            f"Library: {result.created} created, {result.revised} revised, "
            f"{result.unchanged} unchanged."
        )
