"""An import killed in the middle of its commit leaves nothing behind; running it again
completes it. Run as real processes (`python -m between.cli import ...`) on a database of their
own: a file-based SQLite database, and PostgreSQL when the suite runs on PostgreSQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from between.interop.imports.actions import PAUSE_ENV
from tests.interop.imports_helpers import SESSION_HEADER, write_csv

ROWS = 5000  # five chunks of 1,000: killed after the second
SEED = """
import django
django.setup()
from datetime import date
from between.accounts import actions as accounts
from between.clinic import actions as clinic
org = clinic.create_organization(None, name="Killed County", slug="killed")
program = clinic.create_program(None, org, name="Harbor", code="HAR", kind="outpatient")
carla = accounts.create_user(None, username="carla")
accounts.grant_role(None, carla, program, "clinician")
clinic.register_client(None, program, ehr_id="H-1", given_name="Kai", family_name="Lopez",
                       birth_date=date(2015, 3, 14), primary_clinician=carla)
"""


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor != "postgresql" or not url:
        return None
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + "_killed"))


def _databases(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'killed.sqlite3'}"
    postgres = _postgres_url()
    if postgres:
        yield postgres


def _recreate_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')


def _count(url: str, sql: str) -> int:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return int(db.execute(sql).fetchone()[0])
    import psycopg

    with psycopg.connect(url) as db:
        row = db.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


def _env(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "BETWEEN_VAR_DIR": str(tmp_path), **extra}
    env["DJANGO_SETTINGS_MODULE"] = "between.settings"
    env.pop(PAUSE_ENV, None)
    env.update(extra)
    return env


def _between(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "between.cli", *args],
        env=_env(url, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_it_leaves_nothing_of_a_killed_import_and_completes_it_when_run_again(
    tmp_path: Path,
) -> None:
    # Always on a SQLite file; also on PostgreSQL when the suite runs on it.
    for url in _databases(tmp_path):
        _kill_and_rerun(url, tmp_path)


def _kill_and_rerun(url: str, tmp_path: Path) -> None:
    if not url.startswith("sqlite"):
        _recreate_postgres(url)
    assert _between(url, tmp_path, "migrate", "-v0").returncode == 0
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], env=_env(url, tmp_path), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    path = write_csv(
        tmp_path / "sessions.csv",
        SESSION_HEADER,
        [[f"S-{i}", "H-1", "carla", "03/04/2025", "attended"] for i in range(ROWS)],
    )
    command = [sys.executable, "-m", "between.cli", "import", "sessions", str(path)]
    process = subprocess.Popen(
        command,
        env=_env(url, tmp_path, **{PAUSE_ENV: "2"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "paused after chunk 2" in line:
                break
        else:
            pytest.fail("the import ended before it was paused")
        # 2,000 sessions are written inside the open transaction: now kill the process.
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    sessions = "SELECT COUNT(*) FROM clinic_session"
    assert _count(url, sessions) == 0
    assert (
        _count(url, "SELECT COUNT(*) FROM accounts_auditevent WHERE object_type = 'clinic.session'")
        == 0
    )
    assert (
        _count(url, "SELECT COUNT(*) FROM interop_imports_importbatch WHERE status = 'committed'")
        == 0
    )

    rerun = _between(url, tmp_path, "import", "sessions", str(path))
    assert rerun.returncode == 0, rerun.stderr
    assert f"{ROWS} added" in rerun.stdout
    assert _count(url, sessions) == ROWS
    # The interrupted batch was completed, not left beside a second one.
    assert _count(url, "SELECT COUNT(*) FROM interop_imports_importbatch") == 1
    assert (
        _count(url, "SELECT COUNT(*) FROM interop_imports_importbatch WHERE status = 'committed'")
        == 1
    )

    again = _between(url, tmp_path, "import", "sessions", str(path))
    assert again.returncode == 0, again.stderr
    assert f"0 added, 0 updated, {ROWS} unchanged" in again.stdout
