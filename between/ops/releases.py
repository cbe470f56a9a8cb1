"""The migration state of each published release (releases.json), so tests can start a
database where a release left it and migrate it forward, as an upgrade does.

On each release, add its leaf migration per app: `between showmigrations --plan` at the
release's commit, or `MigrationLoader(None).graph.leaf_nodes()`.
"""

from __future__ import annotations

import json
from pathlib import Path

RELEASES_FILE = Path(__file__).with_name("releases.json")


def release_leaves(version: str) -> list[tuple[str, str]]:
    """(app label, migration name) of every app's last migration in a release."""
    releases = json.loads(RELEASES_FILE.read_text(encoding="utf-8"))
    return sorted(releases[version]["leaf_migrations"].items())


def latest_release() -> str:
    releases = json.loads(RELEASES_FILE.read_text(encoding="utf-8"))
    return max(releases, key=lambda version: tuple(int(part) for part in version.split(".")))
