"""An upgrade: a database the previous release left, with its data in it, migrates forward to
this release, and every row is still there and readable by this release's models (the audit
events it held are linked into the new hash chain). The previous release's schema comes from
its migrations (between/ops/releases.json); its rows are written with its historical models.

Run as a real process (tests/ops/upgrade.py) on a database of its own: a SQLite file, and
PostgreSQL too when the suite runs on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

DONE = "upgraded and intact"  # the last line tests/ops/upgrade.py prints


def test_it_migrates_a_populated_database_of_the_previous_release_forward(
    tmp_path: Path,
) -> None:
    # Always on a SQLite file; also on PostgreSQL when the suite runs on it.
    for url in _databases(tmp_path):
        upgraded = subprocess.run(
            [sys.executable, "-m", "tests.ops.upgrade"],
            env={**os.environ, "DATABASE_URL": url, "BETWEEN_VAR_DIR": str(tmp_path),
                 "DJANGO_SETTINGS_MODULE": "between.settings"},
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert upgraded.returncode == 0, upgraded.stderr
        assert upgraded.stdout.strip() == DONE


def _databases(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor == "postgresql" and url:
        yield _recreate_postgres(url)


def _recreate_postgres(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_upgrade"
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))
