"""Small-cell suppression: counts from 1 to 10 could identify a child, so they become a range."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from between.stats.disclosure import is_small_cell, suppress

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0"), (1, "1–10"), (5, "1–10"), (10, "1–10"), (11, "11"), (2500, "2500")],
)
def test_it_shows_small_counts_as_a_range(count: int, shown: str) -> None:
    assert suppress(count) == shown


def test_it_knows_a_small_cell() -> None:
    assert [is_small_cell(n) for n in (0, 1, 10, 11)] == [False, True, True, False]


def test_it_takes_another_threshold() -> None:
    assert suppress(5, max_small=4) == "5"
    assert suppress(4, max_small=4) == "1–4"
    assert suppress(1, max_small=0) == "1"


def test_it_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress(-1)


@given(count=st.integers(min_value=0, max_value=10**9), max_small=st.integers(0, 100))
def test_it_shows_either_the_number_or_the_range(count: int, max_small: int) -> None:
    shown = suppress(count, max_small)
    assert shown in {str(count), f"1–{max_small}"}
    assert (shown == f"1–{max_small}") == (1 <= count <= max_small)


def test_it_loads_without_django() -> None:
    code = (
        "import sys, between.stats.disclosure; "
        "print(sorted(m for m in sys.modules if m.startswith('django')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
