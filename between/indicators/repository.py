"""Reading the indicator summary: the one function every page, chart, CSV and report calls.

Only summary rows are read here (ADR 004), with SUM ... GROUP BY in the database: the program
rollup (`ProgramCount`) whenever no clinician is in scope or in the split, else the summary.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncQuarter

from between.indicators import periods
from between.indicators.models import Grain, IndicatorCount, ProgramCount
from between.indicators.registry import DIMENSION_KEYS, Indicator


@dataclass(frozen=True)
class Cell:
    """Counts of one period (a series) or one group (a breakdown)."""

    period: date | None
    group: str
    numerator: int
    denominator: int
    elements: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def mean_elements(self) -> float | None:
        return self.elements / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Scope:
    """Whose counts: a set of programs, optionally one clinician."""

    program_ids: frozenset[int]
    clinician_id: int | None = None


def _rows(
    indicator: Indicator,
    grain: str,
    start: date,
    end: date,
    scope: Scope,
    dimension: str,
    *,
    by_clinician: bool = False,
) -> QuerySet[Any]:
    """The summary rows in scope: the program rollup unless a clinician is in scope or the
    rows are split by clinician (the rollup's rows are the same rows summed over clinicians)."""
    wanted = {
        "indicator": indicator.key,
        "grain": Grain.WEEK if grain == "week" else Grain.MONTH,
        "dimension": dimension,
        "program_id__in": sorted(scope.program_ids),
        "period_start__gte": periods.period_start(grain, start),
        "period_start__lte": end,
    }
    if scope.clinician_id is not None:
        return IndicatorCount.objects.filter(**wanted, clinician_id=scope.clinician_id)
    if by_clinician:
        return IndicatorCount.objects.filter(**wanted)
    return ProgramCount.objects.filter(**wanted)


def _cells(grouped: Any, *, with_period: bool) -> list[Cell]:
    cells = []
    for row in grouped:
        period = row.get("period")
        if isinstance(period, datetime):
            period = period.date()
        cells.append(
            Cell(
                period=period if with_period else None,
                group=str(row.get("group", "")),
                numerator=int(row["num"] or 0),
                denominator=int(row["den"] or 0),
                elements=int(row["el"] or 0),
            )
        )
    return cells


SUMS = {"num": Sum("numerator"), "den": Sum("denominator"), "el": Sum("elements")}


def series(indicator: Indicator, *, grain: str, start: date, end: date, scope: Scope) -> list[Cell]:
    """One cell per period with data, oldest first."""
    rows = _rows(indicator, grain, start, end, scope, "")
    period = TruncQuarter("period_start") if grain == "quarter" else F("period_start")
    grouped = rows.values(period=period).annotate(**SUMS).order_by("period")
    return _cells(grouped, with_period=True)


def breakdown(
    indicator: Indicator, *, by: str, grain: str, start: date, end: date, scope: Scope
) -> list[Cell]:
    """One cell per group (program id, clinician id or dimension value) over start..end."""
    if by in DIMENSION_KEYS:
        dimension, group = by, F("value")
    elif by in ("program", "clinician"):
        dimension, group = "", F(f"{by}_id")
    else:
        raise ValueError(f"unknown breakdown {by!r}")
    rows = _rows(indicator, grain, start, end, scope, dimension, by_clinician=by == "clinician")
    grouped = rows.values(group=group).annotate(**SUMS).order_by("group")
    return _cells(grouped, with_period=False)


def programs_with_data(program_ids: Collection[int]) -> set[int]:
    return set(
        ProgramCount.objects.filter(program_id__in=list(program_ids))
        .values_list("program_id", flat=True)
        .distinct()
    )
