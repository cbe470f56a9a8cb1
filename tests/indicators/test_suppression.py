"""Property tests of what a viewer without record access sees on a dashboard.

`between/stats/disclosure.py`'s own tests prove, by brute force, that a reader who knows the
algorithm cannot work out a hidden row of one table from its total. These check the dashboard
puts it together safely: the series, the breakdown and the total all suppressed, quarters hidden
whenever a month inside them is, and nothing from 1 to 10 ever printed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from between.indicators import dashboard, periods, registry
from between.indicators.actions import roll_up
from between.indicators.models import IndicatorCount
from between.indicators.repository import Scope
from tests.conftest import County

MONTHS = [date(2025, m, 1) for m in range(1, 7)]  # two quarters
GROUPS = ("anxiety", "disruptive")


@st.composite
def cells(draw: Any) -> dict[tuple[date, int, str], tuple[int, int]]:
    """(month, clinician slot, diagnosis group) → (numerator, denominator), small on purpose."""
    table = {}
    for month in MONTHS:
        for slot in (0, 1):
            for group in GROUPS:
                denominator = draw(st.integers(0, 30))
                numerator = draw(st.integers(0, denominator))
                table[(month, slot, group)] = (numerator, denominator)
    return table


def store(county: County, table: dict[tuple[date, int, str], tuple[int, int]]) -> None:
    IndicatorCount.objects.all().delete()  # roll_up below replaces the program rows
    clinicians = (county.clinician, county.outsider)
    rows = []
    for month in MONTHS:
        for slot, clinician in enumerate(clinicians):
            whole = [0, 0]
            for group in GROUPS:
                n, d = table[(month, slot, group)]
                whole[0] += n
                whole[1] += d
                rows.append(count(county, month, clinician.pk, "diagnosis_group", group, n, d))
            rows.append(count(county, month, clinician.pk, "", "", whole[0], whole[1]))
    IndicatorCount.objects.bulk_create(rows)
    roll_up("month", MONTHS)


def count(
    county: County, month: date, clinician_id: int, dimension: str, value: str, n: int, d: int
) -> IndicatorCount:
    return IndicatorCount(
        indicator="homework_assigned",
        grain="month",
        period_start=month,
        program=county.harbor,
        clinician_id=clinician_id,
        dimension=dimension,
        value=value,
        numerator=n,
        denominator=d,
    )


def board(county: County, grain: str) -> dashboard.Dashboard:
    return dashboard.build(
        registry.get("homework_assigned"),
        Scope(frozenset({county.harbor.pk})),
        grain=grain,
        start=MONTHS[0],
        end=periods.period_end("month", MONTHS[-1]),
        exact=False,
        breakdown_by="diagnosis_group",
    )


def small(value: int | None) -> bool:
    return value is not None and 1 <= value <= 10


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=cells())
def test_it_never_prints_a_small_count_or_leaves_one_derivable(
    county: County, table: dict[tuple[date, int, str], tuple[int, int]]
) -> None:
    store(county, table)
    months = board(county, "month")
    quarters = board(county, "quarter")
    for view in (months, quarters):
        for row in [*view.rows, *view.breakdown_rows, view.total]:
            if row.hidden:
                assert row.numerator is row.denominator is row.rate is None
                continue
            assert row.numerator is not None and row.denominator is not None
            complement = row.denominator - row.numerator
            assert not any(small(v) for v in (row.numerator, row.denominator, complement)), row
    hidden_months = {r.period for r in months.rows if r.hidden}
    if not months.total.hidden:
        # A shown total with exactly one hidden row in a table would give that row away.
        for table_rows in (months.rows, months.breakdown_rows, quarters.breakdown_rows):
            assert sum(1 for r in table_rows if r.hidden) != 1
        # One hidden quarter can be worked out, but only when it holds every hidden month: then
        # it is the shown months plus the hidden months' sum, which the monthly view gives away
        # already (total minus the shown months). Nothing new.
        hidden_quarters = [r for r in quarters.rows if r.hidden]
        if len(hidden_quarters) == 1:
            only = hidden_quarters[0].period
            assert all(periods.period_start("quarter", m) == only for m in hidden_months if m)
    # A quarter is shown only if none of its months is hidden: otherwise quarter minus the
    # shown months would give the hidden month.
    for quarter in quarters.rows:
        if not quarter.hidden:
            inside = {m for m in MONTHS if periods.period_start("quarter", m) == quarter.period}
            assert not inside & hidden_months, quarter
    # One total for both views: hidden in the monthly view, hidden in the quarterly one too.
    if months.total.hidden:
        assert quarters.total.hidden


def test_it_shows_exact_numbers_when_nothing_is_small(county: County) -> None:
    table = {(m, s, g): (12 + s, 40) for m in MONTHS for s in (0, 1) for g in GROUPS}
    store(county, table)
    view = board(county, "month")
    assert not [r for r in [*view.rows, *view.breakdown_rows, view.total] if r.hidden]
    assert (view.total.numerator, view.total.denominator) == (6 * 2 * 25, 6 * 2 * 80)
