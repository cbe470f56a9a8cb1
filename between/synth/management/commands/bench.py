"""`between bench`: the scale benchmarks of issue 10 (the code lives in bench/, beside the
package, so this command runs from a source checkout only)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import between

CHECKOUT = Path(between.__file__).resolve().parent.parent


def _bench_cli() -> Any:
    if not (CHECKOUT / "bench" / "cli.py").is_file():
        raise CommandError("between bench runs from a source checkout (bench/ is not installed)")
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    from bench import cli

    return cli


class Command(BaseCommand):
    help = (
        "Generate a synthetic county of a given size (--size ci, tenth, county, state) on "
        "SQLite and PostgreSQL and time the dashboards, summary refresh, practice-log load, "
        "import and PIP report against their references; JSON to var/bench/, a table here. "
        "Databases used: var/bench/*.sqlite3 and PostgreSQL databases named bench_<size>."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = "Options: " + " ".join(
            action.option_strings[0]
            for action in _bench_cli().parser()._actions
            if action.option_strings and action.option_strings[0] != "-h"
        )
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bench_args", nargs="*", help="see `between bench --help`")

    def run_from_argv(self, argv: list[str]) -> None:
        # bench's own parser reads the options, --help included (so `between bench --size ci`
        # is the same as `python -m bench.cli --size ci`).
        sys.exit(_bench_cli().main([a for a in argv[2:] if a != "--"]))

    def handle(self, *args: Any, **options: Any) -> None:
        code = _bench_cli().main(list(options["bench_args"]))
        if code:
            raise CommandError(f"bench finished with status {code}")
