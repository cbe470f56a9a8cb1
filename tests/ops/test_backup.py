"""`between backup` and `between restore`, run as real processes on databases of their own: SQLite
files, and PostgreSQL databases too when the suite runs on PostgreSQL (where a SQLite backup is
also restored into PostgreSQL). The source is a small synthetic county (`between synth`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

SYNTH = ["synth", "--programs", "1", "--clinicians", "2", "--clients", "20", "--months", "2",
         "--seed", "7", "--end-date", "2026-06-30"]  # fmt: skip
NOT_COPIED = {"django_migrations", "sqlite_sequence"}  # the migration state is in the manifest


@dataclass
class Site:
    """One kind of database: a populated source, its backup, and new migrated databases."""

    vendor: str
    folder: Path
    source: str
    fresh: str
    backup: Path = Path()
    backup_stdout: str = ""
    made: list[str] = field(default_factory=list)

    def new_database(self, name: str) -> str:
        """A new database, freshly migrated (a copy of one `between migrate` made)."""
        if self.vendor == "sqlite":
            path = self.folder / f"{name}.sqlite3"
            for suffix in ("", "-wal"):  # WAL mode: committed pages may still be in the log
                fresh = Path(_sqlite_path(self.fresh) + suffix)
                if fresh.exists():
                    shutil.copyfile(fresh, f"{path}{suffix}")
            return f"sqlite:///{path}"
        url = _postgres_url(name)
        _create_postgres(url, template=self.fresh)
        self.made.append(url)
        return url


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Site]]:
    # Always SQLite; PostgreSQL too when the suite runs on it.
    found = [_site("sqlite", tmp_path_factory.mktemp("sqlite"))]
    if connection.vendor == "postgresql":
        found.append(_site("postgresql", tmp_path_factory.mktemp("postgresql")))
    yield found
    for site in found:
        for url in site.made:
            _drop_postgres(url)


def _site(vendor: str, folder: Path) -> Site:
    if vendor == "sqlite":
        fresh = f"sqlite:///{folder / 'fresh.sqlite3'}"
    else:
        fresh = _postgres_url("ops_fresh")
        _create_postgres(fresh)
    site = Site(vendor=vendor, folder=folder, source="", fresh=fresh)
    if vendor != "sqlite":
        site.made.append(fresh)
    _ok(_between(fresh, folder, "migrate", "-v0"))
    site.source = site.new_database("ops_source")
    _ok(_between(site.source, folder, *SYNTH))
    site.backup = folder / "source.zip"
    site.backup_stdout = _ok(_between(site.source, folder, "backup", "--out", str(site.backup)))
    return site


def _own(sites: list[Site]) -> list[Site]:
    """The sites of the suite's own database. The PostgreSQL run builds a SQLite site too, for
    restoring a SQLite backup into PostgreSQL, but does not check it again: the SQLite run
    checked it (CI's time, issue 10)."""
    return [site for site in sites if site.vendor == connection.vendor]


def test_it_backs_up_every_table_with_its_row_count_and_checksum(sites: list[Site]) -> None:
    for site in _own(sites):
        manifest = _manifest(site.backup)
        assert {table["table"] for table in manifest["tables"]} == _tables(site.source)
        assert "homework_review_barriers" in _table_names(manifest)  # an auto-created M2M table
        counts = {table["table"]: table["rows"] for table in manifest["tables"]}
        # Counted before `backup` audited itself: the trail holds one event more now.
        assert counts["accounts_auditevent"] == _count(site.source, "accounts_auditevent") - 1
        for table in ("clinic_client", "clinic_session", "homework_review_barriers"):
            assert counts[table] == _count(site.source, table) > 0
        with zipfile.ZipFile(site.backup) as archive:
            for table in manifest["tables"]:
                rows = archive.read(f"tables/{table['table']}.jsonl")
                assert hashlib.sha256(rows).hexdigest() == table["sha256"]
        assert manifest["migrations"]["accounts"][:3] == [
            "0001_initial", "0002_initial", "0003_audit_append_only",
        ]  # fmt: skip
        assert site.backup.stat().st_mode & 0o777 == 0o600
        # Counts only: no names, ids or other PHI on the terminal.
        assert re.fullmatch(r"Backed up \d+ rows of \d+ tables to \S+\.\n", site.backup_stdout)


def test_it_restores_a_backup_into_a_fresh_database_with_every_checksum_equal(
    sites: list[Site],
) -> None:
    for site in _own(sites):
        _round_trip(site, site.backup, site.new_database("ops_restored"))
    if len(sites) == 2:
        # A SQLite backup restores into PostgreSQL with the same checksums.
        _round_trip(sites[1], sites[0].backup, sites[1].new_database("ops_from_sqlite"))


def _round_trip(site: Site, backup: Path, target: str) -> None:
    restored = _ok(_between(target, site.folder, "restore", str(backup)))
    assert re.fullmatch(
        r"Restored \d+ rows of \d+ tables; .* matches the backup\.\n"
        r"The audit trail's \d+ events verify\.\n",
        restored,
    )
    again = site.folder / f"again-{len(list(site.folder.glob('again-*')))}.zip"
    _ok(_between(target, site.folder, "backup", "--out", str(again)))
    original, copy = _manifest(backup), _manifest(again)
    assert copy["migrations"] == original["migrations"]
    assert copy["tables"] == original["tables"]
    if site.vendor == "postgresql":
        # Sequences were moved past the restored ids: the next new row gets a new id.
        assert _scalar(target, "SELECT nextval(pg_get_serial_sequence('clinic_client', 'id'))") > (
            _scalar(target, "SELECT MAX(id) FROM clinic_client")
        )


def test_it_rejects_a_changed_row_and_restores_nothing(sites: list[Site]) -> None:
    def renamed(row: list[Any], columns: list[str]) -> list[Any]:
        return _set(row, columns, "given_name", "Mallory")

    for site in _own(sites):
        tampered = _rewrite(site.backup, site.folder / "tampered.zip", "clinic_client", renamed)
        target = site.new_database("ops_tampered")
        refused = _between(target, site.folder, "restore", str(tampered))
        assert refused.returncode == 1
        assert "clinic_client" in refused.stderr and "changed or damaged" in refused.stderr
        assert "Mallory" not in refused.stderr
        assert _count(target, "accounts_user") == _count(target, "clinic_client") == 0


def test_it_rolls_everything_back_when_a_table_reads_back_differently(
    sites: list[Site],
) -> None:
    # The same instant written with another offset: the file matches its (recomputed) manifest
    # checksum, but the database gives it back in UTC, so the check after restoring differs.
    def shifted(row: list[Any], columns: list[str]) -> list[Any]:
        at = datetime.fromisoformat(_get(row, columns, "created_at"))
        local = at.astimezone(timezone(timedelta(hours=-7))).isoformat()
        return _set(row, columns, "created_at", local)

    for site in _own(sites):
        shifted_zip = _rewrite(site.backup, site.folder / "shifted.zip", "clinic_client",
                               shifted, fix_manifest=True)  # fmt: skip
        target = site.new_database("ops_shifted")
        failed = _between(target, site.folder, "restore", str(shifted_zip))
        assert failed.returncode == 1
        assert "clinic_client" in failed.stderr and "after restoring" in failed.stderr
        assert _count(target, "accounts_user") == _count(target, "clinic_client") == 0
        assert _count(target, "homework_barrier") > 0  # the seeded rows are back, too


def test_it_refuses_to_restore_into_a_database_that_holds_data(sites: list[Site]) -> None:
    for site in _own(sites):
        before = _count(site.source, "clinic_session")
        refused = _between(site.source, site.folder, "restore", str(site.backup))
        assert refused.returncode == 1
        assert "holds data already" in refused.stderr and "accounts_user" in refused.stderr
        assert _count(site.source, "clinic_session") == before


def test_it_refuses_a_database_at_another_migration_state(sites: list[Site]) -> None:
    site = sites[0]
    target = site.new_database("ops_behind")
    # As if it were migrated by another release: it has not applied sessions' migration.
    with sqlite3.connect(_sqlite_path(target)) as db:
        db.execute("DELETE FROM django_migrations WHERE app = 'sessions'")
    refused = _between(target, site.folder, "restore", str(site.backup))
    assert refused.returncode == 1
    assert "sessions lacks 0001_initial" in refused.stderr


def test_it_refuses_a_missing_file_or_one_that_is_not_a_backup(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a backup\n")
    no_manifest = tmp_path / "other.zip"
    with zipfile.ZipFile(no_manifest, "w") as archive:
        archive.writestr("readme.txt", "hello")
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "between-backup", "version": 1}))
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(newer, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "between-backup", "version": 9}))
    cases = {
        tmp_path / "absent.zip": "does not exist",
        text: "is not a backup file",
        no_manifest: "has no manifest.json",
        damaged: "the manifest is damaged",
        newer: "format version 9",
    }
    for path, message in cases.items():
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(path))


def test_it_refuses_to_overwrite_a_file(tmp_path: Path) -> None:
    existing = tmp_path / "backup.zip"
    existing.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", "--out", str(existing))
    assert existing.read_bytes() == b"keep me"


def test_it_refuses_to_back_up_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    out = tmp_path / "backup.zip"
    refused = _between(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path, "backup", "--out",
                       str(out))  # fmt: skip
    assert refused.returncode == 1
    assert "not migrated" in refused.stderr
    assert list(tmp_path.glob("*.zip*")) == []


# --- Running `between` and looking into databases -----------------------------------------


def _between(url: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "BETWEEN_VAR_DIR": str(folder),
           "DJANGO_SETTINGS_MODULE": "between.settings"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "between.cli", *args],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _postgres_url(name: str) -> str:
    """A database of these tests' own beside the suite's (DATABASE_URL's name + _name)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"{parts.path}_{name}"))


def _server(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def _create_postgres(url: str, template: str = "") -> None:
    import psycopg

    server, name = _server(url)
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{_server(template)[1]}"' if template else ""
        db.execute(f'CREATE DATABASE "{name}"{copy}')


def _drop_postgres(url: str) -> None:
    import psycopg

    server, name = _server(url)
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite"):
        with sqlite3.connect(_sqlite_path(url)) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(sql).fetchall()


def _scalar(url: str, sql: str) -> int:
    return int(_query(url, sql)[0][0])


def _count(url: str, table: str) -> int:
    return _scalar(url, f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608


def _tables(url: str) -> set[str]:
    if url.startswith("sqlite"):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    return {row[0] for row in _query(url, sql)} - NOT_COPIED


# --- Reading and changing backups ---------------------------------------------------------


def _manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
    return manifest


def _table_names(manifest: dict[str, Any]) -> list[str]:
    return [table["table"] for table in manifest["tables"]]


def _get(row: list[Any], columns: list[str], column: str) -> Any:
    return row[columns.index(column)]


def _set(row: list[Any], columns: list[str], column: str, value: Any) -> list[Any]:
    row[columns.index(column)] = value
    return row


def _rewrite(
    source: Path,
    out: Path,
    table: str,
    change: Callable[[list[Any], list[str]], list[Any]],
    *,
    fix_manifest: bool = False,
) -> Path:
    """A copy of a backup with the first row of `table` changed (and, when asked, the
    manifest's checksum made to fit it, as a careful forger would)."""
    manifest = _manifest(source)
    entry = next(entry for entry in manifest["tables"] if entry["table"] == table)
    name = f"tables/{table}.jsonl"
    with zipfile.ZipFile(source) as archive:
        lines = archive.read(name).splitlines(keepends=True)
        first = change(json.loads(lines[0]), entry["columns"])
        text = json.dumps(first, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        lines[0] = text.encode() + b"\n"
        rows = b"".join(lines)
        if fix_manifest:
            entry["sha256"] = hashlib.sha256(rows).hexdigest()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as copy:
            for item in archive.namelist():
                if item == name:
                    copy.writestr(item, rows)
                elif item == "manifest.json":
                    copy.writestr(item, json.dumps(manifest, indent=1, sort_keys=True))
                else:
                    copy.writestr(item, archive.read(item))
    return out
