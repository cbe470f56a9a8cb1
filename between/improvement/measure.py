"""A PIP's numbers, counted from the registry's definitions (never a copy of a rule).

Counts are per clinician: the clustered analysis needs them, and the period's figure is their
sum. An unlocked period is counted live; a locked one reads what was frozen when it was locked.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Sum

from between.indicators.registry import Indicator, annotated_base


@dataclass(frozen=True)
class Counts:
    """Numerator and denominator per clinician (user id)."""

    by_clinician: dict[int, tuple[int, int]]

    @property
    def numerator(self) -> int:
        return sum(n for n, _ in self.by_clinician.values())

    @property
    def denominator(self) -> int:
        return sum(d for _, d in self.by_clinician.values())


def live_counts(
    indicator: Indicator, first: date, last: date, program_ids: Collection[int]
) -> Counts:
    """One GROUP BY over the indicator's rows dated first..last in the programs."""
    day = indicator.path("occurred_on")
    rows = annotated_base(indicator, (first, last)).filter(
        **{
            f"{day}__gte": first,
            f"{day}__lte": last,
            f"{indicator.path('program_id')}__in": list(program_ids),
        }
    )
    grouped = (
        rows.values(clinician_ref=F(indicator.path("clinician_id")))
        .annotate(num=Sum("is_numerator"), den=Count("pk"))
        .order_by()
    )
    return Counts(
        {
            int(row["clinician_ref"]): (int(row["num"] or 0), int(row["den"]))
            for row in grouped
            if row["clinician_ref"] is not None
        }
    )
