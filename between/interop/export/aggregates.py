"""Indicator tables for the research export: every registry indicator by month and program kind.

Numerators and denominators come from the registry's definitions (base rows and numerator);
nothing here restates them. Each month is one table for suppression: its program kinds are the
rows and "all" is the total, hidden together by `stats.disclosure.suppress_breakdown` so that no
hidden cell can be worked out from the shown ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear

from between.clinic.models import ProgramKind
from between.indicators.registry import INDICATORS, Indicator
from between.interop.export.rows import Context, Row
from between.stats.disclosure import SuppressedCell, suppress_breakdown

Counts = dict[tuple[int, int], dict[str, tuple[int, int]]]


def monthly_counts(indicator: Indicator, ctx: Context) -> Counts:
    """(year, month) -> program kind -> (numerator, denominator), from the registry."""
    rows = indicator.base().filter(ctx.scope(indicator.path("program__organization_id")))
    rows = rows.annotate(**indicator.annotations()).annotate(
        is_numerator=Case(
            When(indicator.numerator(None), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    day = indicator.path("occurred_on")
    grouped = (
        rows.order_by()
        .values(
            year=ExtractYear(day),
            month=ExtractMonth(day),
            kind=F(indicator.path("program__kind")),
        )
        .annotate(numerator=Sum("is_numerator"), denominator=Count("pk"))
    )
    counts: Counts = defaultdict(dict)
    for row in grouped:
        key = (int(row["year"]), int(row["month"]))
        counts[key][row["kind"]] = (int(row["numerator"] or 0), int(row["denominator"]))
    return counts


def _cell(cell: SuppressedCell) -> tuple[str, str, str, str]:
    rate = cell.rate
    return (
        "" if cell.numerator is None else str(cell.numerator),
        "" if cell.denominator is None else str(cell.denominator),
        "" if rate is None else f"{rate:.4f}",
        cell.hidden_because.value if cell.hidden_because is not None else "",
    )


def indicators_by_month(ctx: Context) -> Iterator[Row]:
    kinds = [str(kind) for kind in ProgramKind.values]
    max_small = settings.SMALL_CELL_MAX
    for indicator in INDICATORS:
        counts = monthly_counts(indicator, ctx)
        for year, month in sorted(counts):
            by_kind = counts[(year, month)]
            table = suppress_breakdown([by_kind.get(kind, (0, 0)) for kind in kinds], max_small)
            label = f"{year:04d}-{month:02d}"
            for kind, cell in zip([*kinds, "all"], [*table.rows, table.total], strict=True):
                yield (indicator.key, label, kind, *_cell(cell))
