"""Small-cell suppression for aggregates shown to people without record-level access.

Counts from 1 to `max_small` could identify a child in a small program, so they are shown as a
range; zero and larger counts are shown as they are.

Indicator tables (numerator / denominator per program, clinician, diagnosis group, ... plus a
total row) need more: the total minus the shown rows is the sum of the hidden rows, so one hidden
row next to a total protects nothing. `suppress_breakdown` hides rows, and the total when needed,
so that a reader who sees the page and knows this algorithm (it is public) cannot pin any hidden
row's numerator, denominator or complement (denominator - numerator) to a single value:

1. Primary ("small"): a row whose numerator, denominator or complement is 1..max_small. The
   complement counts: "45 of 50" says that 5 sessions went without. Zero is not small.
2. A small total is hidden ("small") with every row ("complementary"): shown rows add up to it.
3. If exactly one row is small, one more row is hidden with it ("complementary"): the non-zero
   row with the lowest denominator, compared in bands of two (max_small+1 and +2, then +3 and +4,
   ...), ties to the earlier row. "Lowest" tells the reader that the hidden row's denominator is
   at most every shown one's; compared exactly, a shown row of max_small+1 would pin it. (Two or
   more small rows already cover each other; a 0-of-0 row has nothing to hide them in.)
4. The total is shown only if, on the page with the total, every hidden row's numerator,
   denominator and complement could each still be two or more values given all that a reader
   knows: the shown rows, the hidden sums (total minus shown rows), that a "small" row has a
   count in 1..max_small, and that a "complementary" one has none and is under rule 3's bound.
   This is computed exactly (`_cells_vary`). Otherwise the total is hidden ("complementary").

Why the total, rather than hiding more rows until nothing is pinned: a rule that looks at hidden
values to decide whether to go on leaks through where it stopped (the reader learns that the
smaller hiding pinned something; a brute-force search finds tables where that pins a value).
Rule 4 depends only on the page it would produce, so a shown total tells the reader nothing they
cannot work out from the page. A hidden total tells them only that rule 4 failed, which it does
for every table whose hidden numerators sum to 0, and every one whose hidden complements do;
those tables alone leave each hidden value two or more choices (for max_small = 1,
`_least_hidden_sum` widens them). tests/test_stats_disclosure.py checks all this by brute force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


def is_small_cell(count: int, max_small: int = 10) -> bool:
    return 1 <= count <= max_small


def suppress(count: int, max_small: int = 10) -> str:
    """The count as text, or "1–{max_small}" when it is a small cell."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    return f"1–{max_small}" if is_small_cell(count, max_small) else str(count)


class HiddenBecause(StrEnum):
    SMALL = "small"  # this cell has a count (numerator, denominator or complement) of 1..max_small
    COMPLEMENTARY = "complementary"  # hidden so that another hidden cell cannot be worked out


@dataclass(frozen=True, slots=True)
class SuppressedCell:
    """One row (or the total) as a page may print it.

    A hidden cell carries no numbers at all, so a template cannot print them by mistake.
    """

    numerator: int | None
    denominator: int | None
    hidden_because: HiddenBecause | None = None

    @property
    def shown(self) -> bool:
        return self.hidden_because is None

    @property
    def rate(self) -> float | None:
        """numerator / denominator; None when hidden or when there is no denominator."""
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    rows: tuple[SuppressedCell, ...]  # in the order the rows were given
    total: SuppressedCell
    max_small: int


def is_small_rate(numerator: int, denominator: int, max_small: int = 10) -> bool:
    """Rule 1: a rate is small when its numerator, denominator or complement is 1..max_small."""
    return any(
        is_small_cell(count, max_small)
        for count in (numerator, denominator, denominator - numerator)
    )


def suppress_series(
    rows: Sequence[tuple[int, int]], max_small: int = 10
) -> tuple[SuppressedCell, ...]:
    """Primary suppression only, for (numerator, denominator) cells shown without a total.

    For a series whose cells are not summed on the page (e.g. monthly rates of one group): no
    cell can be worked out from the others, so only small cells are hidden. If the page also
    shows a sum of the series, use `suppress_breakdown` instead. For plain counts, `suppress`.
    """
    _check(rows, max_small)
    return tuple(
        _hidden(HiddenBecause.SMALL) if is_small_rate(n, d, max_small) else _shown(n, d)
        for n, d in rows
    )


def suppress_breakdown(rows: Sequence[tuple[int, int]], max_small: int = 10) -> SuppressedTable:
    """Hide small rows and whatever else would let them be worked out; see the module docstring.

    `rows` are (numerator, denominator) with 0 <= numerator <= denominator; the total is their
    sum. Deterministic: the same rows always give the same table (the no-leak argument needs it).
    """
    _check(rows, max_small)
    m = max_small
    total_n, total_d = sum(n for n, _ in rows), sum(d for _, d in rows)

    if is_small_rate(total_n, total_d, m):
        # Rule 2. Every row gets the same reason, whatever its size: "small" on some rows only
        # would tell the reader which rows are not small, and with a small total that can pin
        # them (a non-small row under a total numerator of 1..max_small has numerator 0).
        hidden_rows = tuple(_hidden(HiddenBecause.COMPLEMENTARY) for _ in rows)
        return SuppressedTable(hidden_rows, _hidden(HiddenBecause.SMALL), m)

    small = [i for i, (n, d) in enumerate(rows) if is_small_rate(n, d, m)]
    partner = _complementary_row(rows, small, m) if len(small) == 1 else None
    hidden = set(small) | ({partner} if partner is not None else set())
    reason = {i: HiddenBecause.SMALL for i in small}
    if partner is not None:
        reason[partner] = HiddenBecause.COMPLEMENTARY

    total_shown = not hidden or _total_can_be_shown(rows, small, partner, m)
    cells = tuple(
        _hidden(reason[i]) if i in hidden else _shown(n, d) for i, (n, d) in enumerate(rows)
    )
    total = _shown(total_n, total_d) if total_shown else _hidden(HiddenBecause.COMPLEMENTARY)
    return SuppressedTable(cells, total, m)


def _check(rows: Sequence[tuple[int, int]], max_small: int) -> None:
    if max_small < 0:
        raise ValueError("max_small cannot be negative")
    for n, d in rows:
        if not 0 <= n <= d:
            raise ValueError(f"need 0 <= numerator <= denominator, got {n} of {d}")


def _shown(numerator: int, denominator: int) -> SuppressedCell:
    return SuppressedCell(numerator, denominator)


def _hidden(because: HiddenBecause) -> SuppressedCell:
    return SuppressedCell(None, None, because)


def _band(denominator: int, m: int) -> int:
    """Denominators m+1 and m+2 are band 0, m+3 and m+4 band 1, … (only non-small ones occur)."""
    return (denominator - m - 1) // 2


def _complementary_row(rows: Sequence[tuple[int, int]], small: list[int], m: int) -> int | None:
    """Rule 3: the not-small row with the lowest denominator band, ties to the earlier row.

    Rows of 0 of 0 are skipped: there is nothing in them to hide a count in. None when there is
    no other row (then the total is the small row, and rule 2 has already hidden everything).
    """
    candidates = [i for i, (_, d) in enumerate(rows) if d > 0 and i not in small]
    if not candidates:
        return None
    return min(candidates, key=lambda i: (_band(rows[i][1], m), i))


def _partner_max_denominator(
    rows: Sequence[tuple[int, int]], hidden: set[int], partner: int, m: int
) -> int | None:
    """The largest denominator the hidden partner row could have, seen from the page.

    It was chosen before every shown non-zero row: its band is at most theirs (one less for a
    shown row that comes earlier, since ties go to the earlier row). None: no bound.
    """
    bands = [
        _band(d, m) - (1 if i < partner else 0)
        for i, (_, d) in enumerate(rows)
        if i not in hidden and d > 0
    ]
    if not bands:
        return None
    return m + 2 + 2 * min(bands)  # the top of that band


def _total_can_be_shown(
    rows: Sequence[tuple[int, int]], small: list[int], partner: int | None, m: int
) -> bool:
    """Rule 4, from the would-be page only (so that showing the total reveals nothing more)."""
    hidden = set(small) | ({partner} if partner is not None else set())
    if len(hidden) < 2:
        return False  # the total minus the shown rows is the hidden row
    hidden_n = sum(rows[i][0] for i in hidden)
    hidden_c = sum(rows[i][1] - rows[i][0] for i in hidden)
    shown_n = sum(n for i, (n, _) in enumerate(rows) if i not in hidden)
    shown_c = sum(d - n for i, (n, d) in enumerate(rows) if i not in hidden)
    if hidden_n < _least_hidden_sum(shown_n, m) or hidden_c < _least_hidden_sum(shown_c, m):
        return False

    kinds: list[tuple[list[_Region], int]] = [(_small_regions(m, hidden_n, hidden_c), len(small))]
    if partner is not None:
        top = _partner_max_denominator(rows, hidden, partner, m)
        top = hidden_n + hidden_c if top is None else top
        kinds.append((_partner_regions(m, hidden_n, hidden_c, top), 1))
    return _cells_vary(kinds, hidden_n, hidden_c)


def _least_hidden_sum(shown_sum: int, m: int) -> int:
    """Rule 4 also needs the hidden numerators (and complements) to sum to at least this.

    A hidden total tells the reader that rule 4 failed. It fails for every table whose hidden
    numerators (or complements) sum to less than this, so all of those give the same page, and
    they leave each hidden value two or more choices. For max_small >= 2 a sum of 0 is enough,
    and rule 4 fails there anyway (every hidden numerator would be 0): this costs nothing. For
    max_small = 1 such tables are too alike (the only small count is 1), so the bar is higher.
    The shown part matters because a total that is not small is 0 or above max_small.
    """
    if m >= 2:
        return 1
    return 2 if shown_sum > m else m + 2


# A region: the lattice points (numerator, complement) with
# n_lo <= numerator <= n_hi, c_lo <= complement <= c_hi, d_lo <= numerator + complement <= d_hi.
# Sets of this shape (bounds on x, y and x + y; "M♮-convex" sets) are closed under intersection
# and Minkowski sum, and the sum of their lattice points is the lattice points of their sum, with
# bounds that simply add once tightened. That makes the reader's knowledge exactly computable.
_Region = tuple[int, int, int, int, int, int]


def _region(n_lo: int, n_hi: int, c_lo: int, c_hi: int, d_lo: int, d_hi: int) -> _Region | None:
    """Tighten the bounds until each is attained; None when the region is empty."""
    bounds = (n_lo, n_hi, c_lo, c_hi, d_lo, d_hi)
    while True:
        n_lo, n_hi = max(n_lo, d_lo - c_hi), min(n_hi, d_hi - c_lo)
        c_lo, c_hi = max(c_lo, d_lo - n_hi), min(c_hi, d_hi - n_lo)
        d_lo, d_hi = max(d_lo, n_lo + c_lo), min(d_hi, n_hi + c_hi)
        if n_lo > n_hi or c_lo > c_hi or d_lo > d_hi:
            return None
        if (n_lo, n_hi, c_lo, c_hi, d_lo, d_hi) == bounds:
            return bounds
        bounds = (n_lo, n_hi, c_lo, c_hi, d_lo, d_hi)


def _intersect(a: _Region, b: _Region) -> _Region | None:
    return _region(
        max(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3]),
        max(a[4], b[4]), min(a[5], b[5]),
    )  # fmt: skip


def _small_regions(m: int, n_sum: int, c_sum: int) -> list[_Region]:
    """A "small" row: numerator in 1..m or complement in 1..m (a denominator in 1..m implies
    one of them). Upper bounds are the hidden sums: no hidden row can exceed them."""
    shapes = [(1, m, 0, c_sum, 0, n_sum + c_sum), (0, n_sum, 1, m, 0, n_sum + c_sum)]
    return [r for r in (_region(*shape) for shape in shapes) if r is not None]


def _partner_regions(m: int, n_sum: int, c_sum: int, max_d: int) -> list[_Region]:
    """The "complementary" row: no component in 1..m, denominator m+1..max_d (it is not 0)."""
    regions = []
    for n_lo, n_hi in ((0, 0), (m + 1, n_sum)):
        for c_lo, c_hi in ((0, 0), (m + 1, c_sum)):
            region = _region(n_lo, n_hi, c_lo, c_hi, m + 1, max_d)
            if region is not None:
                regions.append(region)
    return regions


def _cells_vary(kinds: list[tuple[list[_Region], int]], n_sum: int, c_sum: int) -> bool:
    """Whether, among all ways to fill the hidden rows that fit what the reader knows (each row
    in its kind's regions, numerators summing to n_sum and complements to c_sum), every hidden
    row's numerator, complement and denominator take at least two values.

    `kinds` are (regions, number of hidden rows of that kind); rows of one kind are
    interchangeable, so one row per kind is examined.
    """
    window: _Region = (0, n_sum, 0, c_sum, 0, n_sum + c_sum)
    for k, (own, count) in enumerate(kinds):
        if count == 0:
            continue
        # All ways the other hidden rows can add up, as a union of regions.
        others: set[_Region] = {(0, 0, 0, 0, 0, 0)}
        for j, (regions, other_count) in enumerate(kinds):
            for _ in range(other_count - (1 if j == k else 0)):
                others = {
                    summed
                    for acc in others
                    for region in regions
                    if (summed := _intersect(_add(acc, region), window)) is not None
                }
        # This row = the hidden sums minus the others, and also in its own regions.
        values: list[set[int]] = [set(), set(), set()]
        for rest in others:
            remainder = (
                n_sum - rest[1], n_sum - rest[0], c_sum - rest[3], c_sum - rest[2],
                n_sum + c_sum - rest[5], n_sum + c_sum - rest[4],
            )  # fmt: skip
            for region in own:
                fit = _intersect(region, remainder)
                if fit is None:
                    continue
                for q in range(3):  # numerator, complement, denominator
                    values[q].update(range(fit[2 * q], min(fit[2 * q + 1], fit[2 * q] + 1) + 1))
        if any(len(found) < 2 for found in values):
            return False
    return True


def _add(a: _Region, b: _Region) -> _Region:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4], a[5] + b[5])
