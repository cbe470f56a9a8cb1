"""The `between` console script: Django's manage.py with the project's settings, from any folder.

between migrate
between runserver
between synth --programs 4 --clinicians 40 --clients 600 --months 12 --seed 1 --demo-accounts
between check --deploy
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "between.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["between", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
