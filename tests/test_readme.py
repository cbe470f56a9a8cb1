"""The README's configuration table must name every environment variable the project reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "between" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list|secret)\(\s*"([A-Z_]+)"', source))


def variables_named_elsewhere() -> set[str]:
    """BETWEEN_* names that modules outside the settings read themselves (such as the research
    export's key, read only when an export runs)."""
    names: set[str] = set()
    for path in (ROOT / "between").rglob("*.py"):
        if path.name == "settings.py" or "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        names |= set(
            re.findall(r'(?:getenv|environ(?:\.get)?[(\[])\(?\s*"(BETWEEN_[A-Z_]+)"', source)
        )
        names |= set(re.findall(r'^[A-Z_]+ = "(BETWEEN_[A-Z_]+)"$', source, flags=re.MULTILINE))
    return {name.removesuffix("_FILE") for name in names}


def test_it_documents_every_setting_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    read = variables_read_by_settings()
    assert read, "no env_* calls found: the regular expression is out of date"
    assert read - table == set(), "add these to README.md's configuration table"
    elsewhere = variables_named_elsewhere()
    assert "BETWEEN_RESEARCH_KEY" in elsewhere, "the search for other modules' variables broke"
    assert elsewhere - table == set(), "add these to README.md's configuration table"


def test_it_lists_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme
    assert "make test" in readme
