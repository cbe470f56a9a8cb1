"""Small-cell suppression: counts from 1 to 10 could identify a child, so they become a range."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from between.stats.disclosure import (
    HiddenBecause,
    SuppressedCell,
    SuppressedTable,
    is_small_cell,
    is_small_rate,
    suppress,
    suppress_breakdown,
    suppress_series,
)

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


# --- Indicator tables: primary and complementary suppression ---------------------------------

Rows = list[tuple[int, int]]
QUANTITIES = ("numerator", "denominator", "complement")


def _value(row: tuple[int, int], quantity: str) -> int:
    n, d = row
    return {"numerator": n, "denominator": d, "complement": d - n}[quantity]


@st.composite
def _tables(draw: st.DrawFn, rows: tuple[int, int], max_d: int) -> Rows:
    count = draw(st.integers(*rows))
    denominators = draw(st.lists(st.integers(0, max_d), min_size=count, max_size=count))
    return [(draw(st.integers(0, d)), d) for d in denominators]


def _ring(
    row: tuple[int, int], radius: int, bound: int | None, signed: bool = False
) -> Iterator[tuple[int, int]]:
    """Points at L1 distance `radius` from `row`: rows (numerator, denominator) within 0 and
    `bound`, or any (first, second) offsets when `signed`."""
    n, d = row
    for dn in range(-radius, radius + 1):
        for dd in {radius - abs(dn), abs(dn) - radius}:
            if signed or (0 <= n + dn <= d + dd and (bound is None or d + dd <= bound)):
                yield n + dn, d + dd


def _alternatives(
    rows: Rows, hidden: list[int], total_shown: bool, m: int, bound: int
) -> Iterator[Rows]:
    """Every table with the same shown rows: hidden rows adding up to the same sums when the
    total is shown, else each hidden row anywhere in 0 <= numerator <= denominator <= bound.

    Likely witnesses come first so that a check that passes stops early: one or two hidden rows
    moved a little, then every hidden row set to "edge" values (0, 1, 2, m, m+1, m+2 for the
    numerator and the complement). Then all tables, so that the search is exhaustive."""
    true_sums = (sum(rows[i][0] for i in hidden), sum(rows[i][1] for i in hidden))

    def table(changes: dict[int, tuple[int, int]]) -> Rows | None:
        if any(not 0 <= n <= d for n, d in changes.values()):
            return None
        alternative = [changes.get(i, row) for i, row in enumerate(rows)]
        sums = (sum(alternative[i][0] for i in hidden), sum(alternative[i][1] for i in hidden))
        return alternative if not total_shown or sums == true_sums else None

    def near() -> Iterator[dict[int, tuple[int, int]]]:
        for radius in range(1, 9):
            for i, j in itertools.combinations(hidden, 2):
                if total_shown:  # move numerator and complement from one row to the other
                    (n_i, d_i), (n_j, d_j) = rows[i], rows[j]
                    for dn, dc in _ring((0, 0), radius, None, signed=True):
                        yield {i: (n_i + dn, d_i + dn + dc), j: (n_j - dn, d_j - dn - dc)}
                else:
                    for step in range(1, radius):
                        for row_i in _ring(rows[i], step, bound):
                            for row_j in _ring(rows[j], radius - step, bound):
                                yield {i: row_i, j: row_j}
            if not total_shown:
                yield from ({i: row} for i in hidden for row in _ring(rows[i], radius, bound))

    def fillings(
        choices: Sequence[Sequence[tuple[int, int]]],
    ) -> Iterator[dict[int, tuple[int, int]]]:
        if not total_shown:
            yield from (
                dict(zip(hidden, rows_, strict=True)) for rows_ in itertools.product(*choices)
            )
            return
        # With the total shown the last hidden row is whatever the sums leave for it.
        for first in itertools.product(*choices[:-1]):
            n = true_sums[0] - sum(r[0] for r in first)
            d = true_sums[1] - sum(r[1] for r in first)
            yield dict(zip(hidden, [*first, (n, d)], strict=True))

    edges = sorted({0, 1, 2, m, m + 1, m + 2})
    edge_rows = [(n, n + c) for n in edges for c in edges if n + c <= bound or total_shown]
    every = [(n, d) for d in range(bound + 1) for n in range(d + 1)]
    if total_shown:
        every = [
            (n, n + c)
            for n in range(true_sums[0] + 1)
            for c in range(true_sums[1] - true_sums[0] + 1)
        ]
    for changes in itertools.chain(
        near(),
        fillings([[rows[i], *edge_rows] for i in hidden]),
        fillings([every] * len(hidden)),
    ):
        if (alternative := table(changes)) is not None:
            yield alternative


def _same_labels_possible(page: SuppressedTable, alternative: Rows, max_small: int) -> bool:
    """A cheap necessary condition for giving the same page (rule 1; test_no_shown_cell_is_small
    checks it): outside rule 2, a row hidden as "small" is small and any other row is not. It
    only skips tables, which can only make `_pinned` find more pinned values, never fewer."""
    if page.total.hidden_because == HiddenBecause.SMALL:
        return True
    return all(
        (cell.hidden_because == HiddenBecause.SMALL) == is_small_rate(n, d, max_small)
        for cell, (n, d) in zip(page.rows, alternative, strict=True)
    )


def _pinned(rows: Rows, max_small: int, bound: int) -> list[tuple[int, str]]:
    """Hidden (row, quantity) pairs that take one value only across all tables that give the
    same page, i.e. what a reader who knows the algorithm can work out exactly."""
    page = suppress_breakdown(rows, max_small)
    hidden = [i for i, cell in enumerate(page.rows) if not cell.shown]
    if not hidden:
        return []
    unknown = {(i, q) for i in hidden for q in QUANTITIES}
    for alternative in _alternatives(rows, hidden, page.total.shown, max_small, bound):
        differs = {(i, q) for i, q in unknown if _value(alternative[i], q) != _value(rows[i], q)}
        if (
            differs
            and _same_labels_possible(page, alternative, max_small)
            and suppress_breakdown(alternative, max_small) == page
        ):
            unknown -= differs
            if not unknown:
                break
    return sorted(unknown)


def _page(table: SuppressedTable) -> tuple[list[str], str]:
    """A table as a page prints it: "n/d" or the reason it is hidden."""

    def cell(c: SuppressedCell) -> str:
        return f"{c.numerator}/{c.denominator}" if c.shown else f"— {c.hidden_because}"

    return [cell(c) for c in table.rows], cell(table.total)


def test_one_small_row_hides_the_next_smallest_row_with_it() -> None:
    # 3 of 8 is small; alone, the total minus the shown rows would give it back. The row with
    # the smallest denominator (45) goes with it, and the total can stay.
    rows = [(40, 60), (3, 8), (25, 45), (30, 70)]
    assert _page(suppress_breakdown(rows)) == (
        ["40/60", "— small", "— complementary", "30/70"],
        "98/183",
    )


def test_a_small_complement_is_a_small_row() -> None:
    # 45 of 50 says that 5 sessions went without homework.
    rows = [(45, 50), (20, 40), (30, 60)]
    assert _page(suppress_breakdown(rows)) == (
        ["— small", "— complementary", "30/60"],
        "95/150",
    )


def test_a_small_total_hides_everything() -> None:
    assert _page(suppress_breakdown([(1, 4), (2, 5)])) == (
        ["— complementary", "— complementary"],
        "— small",
    )


def test_rows_with_zeros() -> None:
    # 0 of 0 is not small and cannot hide anything, so it stays; 0 of 6 is small (6 without).
    rows = [(0, 0), (0, 6), (0, 40), (15, 35)]
    assert _page(suppress_breakdown(rows)) == (
        ["0/0", "— small", "0/40", "— complementary"],
        "15/81",
    )
    # Neither small row has any homework: a shown total (30 of 62) would say so, as 30 - 30 = 0
    # would be left for them, so the total is hidden.
    assert _page(suppress_breakdown([(0, 5), (0, 7), (30, 50)])) == (
        ["— small", "— small", "30/50"],
        "— complementary",
    )
    assert _page(suppress_breakdown([(0, 0), (12, 30), (0, 0)])) == (
        ["0/0", "12/30", "0/0"],
        "12/30",
    )


def test_a_pair_that_still_gives_the_small_row_away_hides_the_total() -> None:
    # The partner has 0 of 20; it could only hide a numerator in steps of 11 or more, so with the
    # total shown the small row would be 3 of something. The total goes instead.
    rows = [(3, 8), (0, 20), (30, 60)]
    assert _page(suppress_breakdown(rows)) == (
        ["— small", "— complementary", "30/60"],
        "— complementary",
    )
    assert _pinned(rows, max_small=10, bound=30) == []


def test_the_partner_is_chosen_by_denominator_band_then_position() -> None:
    # Denominators 11 and 12 are one band, so the earlier of the two goes with the small row and
    # the reader learns only that its denominator is 11 or 12. (Going by the exact lowest
    # denominator, a hidden 0 of 11 next to a shown 11 of 11 would be known to be of 11.)
    rows = [(3, 8), (0, 12), (11, 11), (40, 60)]
    assert _page(suppress_breakdown(rows))[0] == ["— small", "— complementary", "11/11", "40/60"]
    rows = [(3, 8), (11, 11), (0, 12), (40, 60)]
    assert _page(suppress_breakdown(rows))[0] == ["— small", "— complementary", "0/12", "40/60"]


@settings(max_examples=300, deadline=None)
@given(rows=_tables(rows=(1, 8), max_d=400), max_small=st.integers(0, 12))
def test_no_shown_cell_is_small(rows: Rows, max_small: int) -> None:
    table = suppress_breakdown(rows, max_small)
    assert len(table.rows) == len(rows)
    assert table.max_small == max_small
    for cell, (n, d) in zip(table.rows, rows, strict=True):
        if cell.shown:
            assert (cell.numerator, cell.denominator) == (n, d)
            assert not is_small_rate(n, d, max_small)
        else:
            assert (cell.numerator, cell.denominator) == (None, None)
    total = (sum(n for n, _ in rows), sum(d for _, d in rows))
    if table.total.shown:
        assert (table.total.numerator, table.total.denominator) == total
        assert not is_small_rate(*total, max_small)
        # Never a single hidden row next to a shown total: it would be the difference.
        assert sum(not cell.shown for cell in table.rows) != 1
    if is_small_rate(*total, max_small):
        assert table.total.hidden_because == HiddenBecause.SMALL
        assert {cell.hidden_because for cell in table.rows} == {HiddenBecause.COMPLEMENTARY}
    else:
        small = [is_small_rate(n, d, max_small) for n, d in rows]
        assert [c.hidden_because == HiddenBecause.SMALL for c in table.rows] == small
    assert suppress_breakdown(list(rows), max_small) == table  # deterministic


# Brute force: what a reader who sees the page and knows the algorithm can work out. Small
# tables, so that every table giving the same page can be tried (hidden rows up to the largest
# generated denominator when the total is hidden); a lower threshold gives more small cells,
# suppression patterns and hidden totals for the same effort.
@settings(max_examples=150, deadline=None)
@given(rows=_tables(rows=(2, 4), max_d=30))
@example(rows=[(3, 8), (0, 11), (11, 11), (40, 60)])  # partner band (exact d would pin it)
@example(rows=[(0, 7), (0, 2), (0, 9), (0, 0)])  # hidden total, no shown numerators
def test_a_reader_who_knows_the_algorithm_pins_no_hidden_value(rows: Rows) -> None:
    assert _pinned(rows, max_small=10, bound=30) == []


@settings(max_examples=150, deadline=None)
@given(rows=_tables(rows=(2, 4), max_d=12), max_small=st.sampled_from([1, 2, 3]))
@example(rows=[(0, 1), (0, 1), (0, 1)], max_small=1)  # needs rule 4's extra margin for 1
@example(rows=[(0, 1), (0, 4), (0, 4)], max_small=3)  # partner band
def test_no_hidden_value_is_pinned_with_a_lower_threshold(rows: Rows, max_small: int) -> None:
    assert _pinned(rows, max_small, bound=12) == []


def test_a_series_hides_small_cells_only() -> None:
    cells = suppress_series([(3, 8), (20, 40), (0, 0), (45, 50)])
    assert [c.shown for c in cells] == [False, True, True, False]
    assert {c.hidden_because for c in cells if not c.shown} == {HiddenBecause.SMALL}
    assert cells[1] == SuppressedCell(20, 40)
    assert cells[1].rate == 0.5
    assert cells[2].rate is None  # no denominator
    assert cells[0].rate is None


@given(rows=_tables(rows=(0, 10), max_d=100), max_small=st.integers(0, 12))
def test_a_series_cell_is_hidden_exactly_when_it_is_small(rows: Rows, max_small: int) -> None:
    cells = suppress_series(rows, max_small)
    for cell, (n, d) in zip(cells, rows, strict=True):
        assert cell.shown == (not is_small_rate(n, d, max_small))
        if cell.shown:
            assert (cell.numerator, cell.denominator) == (n, d)


@pytest.mark.parametrize(
    ("numerator", "denominator", "small"),
    [
        (0, 0, False),
        (0, 11, False),
        (11, 11, False),
        (11, 22, False),
        (5, 30, True),
        (25, 30, True),
        (0, 10, True),
        (10, 10, True),
    ],
)
def test_a_rate_is_small_when_any_of_its_counts_is(
    numerator: int, denominator: int, small: bool
) -> None:
    assert is_small_rate(numerator, denominator) is small


@pytest.mark.parametrize("rows", [[(-1, 3)], [(4, 3)], [(2, 3), (1, -1)]])
def test_it_refuses_impossible_rows(rows: Rows) -> None:
    with pytest.raises(ValueError, match="numerator"):
        suppress_breakdown(rows)
    with pytest.raises(ValueError, match="numerator"):
        suppress_series(rows)


def test_it_refuses_a_negative_threshold() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_breakdown([(1, 2)], max_small=-1)
