"""The README's configuration table must name every environment variable the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "between" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list|secret)\(\s*"([A-Z_]+)"', source))


def test_it_documents_every_setting_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    read = variables_read_by_settings()
    assert read, "no env_* calls found: the regular expression is out of date"
    assert read - table == set(), "add these to README.md's configuration table"


def test_it_lists_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme
    assert "make test" in readme
