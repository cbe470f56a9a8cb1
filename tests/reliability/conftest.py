"""One real server for the reliability tests: gunicorn (2 worker processes × 16 threads, the
project loaded before the fork: wsgi.py) with the production settings' database options, on
a database of its own: a SQLite file when the suite runs on SQLite, a PostgreSQL database
beside the suite's (`<name>_reliability`) when it runs on PostgreSQL.

The server's database is not pytest-django's test database (an in-memory SQLite database
cannot be shared with another process): `tests/reliability/seed.py` migrates it and sets up
every test's data in a process of its own, and the tests check the results with plain SQL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.reliability.web import Browser

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
THREADS = 16


def _database_url(tmp: Path) -> str:
    """The suite's engine, in a database of our own: `<name>_reliability` on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path=parts.path + "_reliability"))
    return f"sqlite:///{tmp / 'reliability.sqlite3'}"


def _postgres(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(sql.format(name=parts.path.lstrip("/")))


def _no_control_socket() -> list[str]:
    """gunicorn 27's control socket defaults to one path in the home folder, shared by every
    gunicorn on the machine: turn it off (older versions have none)."""
    from gunicorn.config import KNOWN_SETTINGS

    return [flag for s in KNOWN_SETTINGS if s.name == "control_socket_disable" for flag in s.cli]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Site:
    """The running server and its database."""

    database_url: str
    port: int
    env: dict[str, str]
    log: Path
    worlds: dict[str, Any]

    @property
    def is_postgres(self) -> bool:
        return not self.database_url.startswith("sqlite")

    def browser(self) -> Browser:
        return Browser("127.0.0.1", self.port)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the server's database directly; `sql` takes %s placeholders on both engines."""
        if not self.is_postgres:
            with closing(sqlite3.connect(self.database_url.removeprefix("sqlite:///"))) as db:
                return list(db.execute(sql.replace("%s", "?"), params).fetchall())
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return list(db.execute(sql, params).fetchall())

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")

    def errors_since(self, offset: int) -> list[str]:
        """The server log's error lines since `offset` (Django's and gunicorn's)."""
        signs = ("Traceback", "database is locked", " ERROR ", "[ERROR]", "[CRITICAL]")
        return [
            line for line in self.log_since(offset).splitlines() if any(s in line for s in signs)
        ]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("reliability")
    url = _database_url(tmp)
    if url.startswith("postgres"):
        _postgres(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _postgres(url, 'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BETWEEN_VAR_DIR": str(tmp),
        "BETWEEN_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "between.settings",
        "PYTHONPATH": str(ROOT),
    }
    # The server imports the project (a few seconds) while the database is set up.
    seed = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.seed"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    port = _free_port()
    log = tmp / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "tests.reliability.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
                "--worker-class", "gthread", "--threads", str(THREADS),
                "--timeout", "120", "--graceful-timeout", "2", "--preload",
                *_no_control_socket(),
            ],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    made, errors = seed.communicate(timeout=300)
    if seed.returncode != 0:
        _stop(server)
        pytest.fail(f"setting up the database failed:\n{errors}")
    site = Site(url, port, env, log, json.loads(made.strip().splitlines()[-1]))
    try:
        _wait_until_up(site, server)
        yield site
    finally:
        _stop(server)
        if url.startswith("postgres"):
            _postgres(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stop(server: subprocess.Popen[bytes]) -> None:
    # SIGINT is gunicorn's quick shutdown: nothing is in flight by now.
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def _wait_until_up(site: Site, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped:\n{site.log_since(0)}")
        try:
            if site.browser().get("/family/sign-in/", timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not start:\n{site.log_since(0)}")
