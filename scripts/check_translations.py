"""Fails when the Spanish catalog lacks a translation or its compiled .mo is stale.

Run by scripts/test. Extraction (makemessages) needs GNU gettext, so it runs only where
`xgettext` exists; the completeness and freshness checks need only polib.
"""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "between" / "locale" / "es" / "LC_MESSAGES"
PO, MO = LOCALE / "django.po", LOCALE / "django.mo"


def extracted_msgids() -> set[str] | None:
    """Every translatable string in the code and templates, via Django's makemessages."""
    if shutil.which("xgettext") is None:
        print("note: xgettext not found; skipping the check for strings missing from the catalog")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "between"
        shutil.copytree(ROOT / "between", work, ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [sys.executable, "-m", "between.cli", "makemessages", "-l", "es", "--no-location"],
            cwd=work,
            env=env,
            check=True,
            capture_output=True,
        )
        po = polib.pofile(str(work / "locale" / "es" / "LC_MESSAGES" / "django.po"))
        return {e.msgid for e in po if not e.obsolete}


def main() -> int:
    problems: list[str] = []
    po = polib.pofile(str(PO))
    active = [e for e in po if not e.obsolete]
    for entry in active:
        if not entry.translated() or "fuzzy" in entry.flags:
            problems.append(f"untranslated or fuzzy: {entry.msgid!r}")
    wanted = extracted_msgids()
    if wanted is not None:
        have = {e.msgid for e in active}
        problems += [
            f"missing from django.po (run `make messages`): {m!r}" for m in sorted(wanted - have)
        ]
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in active:
        if entry.msgid_plural or entry.msgctxt:
            continue
        if compiled.gettext(entry.msgid) != entry.msgstr:
            problems.append(f"django.mo is stale for {entry.msgid!r} (run `make messages`)")
            break
    for problem in problems:
        print(problem)
    print(f"Spanish catalog: {len(active)} strings, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
