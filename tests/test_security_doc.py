"""docs/security.md names, for every ONC 170.315(d) criterion and each ASVS requirement, the tests
that prove it: each named test must exist (a renamed or deleted test fails here)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::([\w:]+)`")


def defined_tests(path: Path) -> set[str]:
    """`test_x` and `TestClass::test_x` for every test in the file."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    names.add(f"{node.name}::{item.name}")
    return names


def test_it_names_only_tests_that_exist() -> None:
    references = REFERENCE.findall(DOC.read_text())
    assert len(references) > 60
    missing = [
        f"{path}::{name}"
        for path, name in references
        if not (ROOT / path).exists() or name not in defined_tests(ROOT / path)
    ]
    assert missing == []


def test_it_covers_every_onc_d_criterion_with_a_test() -> None:
    rows = {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| \(d\)\((\d+)\).*$", DOC.read_text(), re.M)
    }
    assert sorted(rows, key=int) == [str(n) for n in range(1, 14)]
    for number, row in rows.items():
        assert REFERENCE.search(row), f"(d)({number}) names no test"
