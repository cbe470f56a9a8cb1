"""A PIP's analysis: each indicator at baseline and at each remeasurement, compared.

Per remeasurement: Wilson intervals, the two-proportion z test and Fisher's exact test (as if
sessions were independent), and a clustered analysis (GEE logistic, sessions clustered by
clinician, exchangeable correlation) whose odds ratio and interval decide significance, so
that many sessions of few clinicians do not overstate it. The rule for "sustained" is
`SUSTAINED_RULE`, printed in every report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from between.improvement.measure import Counts, live_counts
from between.improvement.models import FrozenCount, PeriodKind, Pip, PipPeriod
from between.indicators import registry
from between.indicators.registry import Indicator
from between.stats.clustered import ClusteredComparison, clustered_comparison
from between.stats.disclosure import is_small_rate
from between.stats.proportions import (
    ProportionInterval,
    TwoProportionComparison,
    compare_proportions,
    wilson_interval,
)

ALPHA = 0.05
SIGNIFICANCE_RULE = _(
    "A remeasurement shows statistically significant improvement when the clustered analysis "
    "(GEE logistic regression, sessions clustered by clinician, exchangeable correlation) "
    "finds it better than the baseline at p < 0.05. The two-proportion z test and Fisher's "
    "exact test are shown beside it; they treat sessions as independent and overstate "
    "significance when clinicians differ."
)
SUSTAINED_RULE = _(
    "Improvement is sustained when every remeasurement after the first significant one is "
    "still significantly better than the baseline and not significantly worse than that "
    "first improved remeasurement (two-proportion z test, p < 0.05). With no later "
    "remeasurement yet, it is too early to say."
)


class Verdict(StrEnum):
    NO_DATA = "no_data"
    NO_IMPROVEMENT = "no_improvement"
    NOT_YET = "not_yet"
    SUSTAINED = "sustained"
    NOT_SUSTAINED = "not_sustained"


VERDICT_TEXT = {
    Verdict.NO_DATA: _("Not assessable yet: a baseline and a remeasurement with data are needed."),
    Verdict.NO_IMPROVEMENT: _("No statistically significant improvement over the baseline."),
    Verdict.NOT_YET: _(
        "Statistically significant improvement; too early to say whether it is sustained."
    ),
    Verdict.SUSTAINED: _("Statistically significant and sustained improvement."),
    Verdict.NOT_SUSTAINED: _("Statistically significant improvement that was not sustained."),
}


@dataclass
class PeriodFigure:
    period: PipPeriod
    numerator: int
    denominator: int
    interval: ProportionInterval | None
    hidden: bool = False  # small cells, for a viewer who may not see exact counts
    # Locked periods only: the live count when it differs from the frozen one.
    corrected: tuple[int, int] | None = None

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass
class Comparison:
    period: PipPeriod
    test: TwoProportionComparison
    clustered: ClusteredComparison | None
    improved: bool  # in the better direction, by the point estimate
    significant: bool  # better, and clustered p < ALPHA


@dataclass
class IndicatorAnalysis:
    indicator: Indicator
    primary: bool
    figures: list[PeriodFigure]
    comparisons: list[Comparison]
    verdict: Verdict
    notes: list[str] = field(default_factory=list)

    @property
    def verdict_text(self) -> Any:
        return VERDICT_TEXT[self.verdict]


def period_counts(pip: Pip, period: PipPeriod, key: str, program_ids: set[int]) -> Counts:
    """The frozen counts of a locked period, or the live ones."""
    if period.locked:
        return Counts(
            {
                row.clinician_ref: (row.numerator, row.denominator)
                for row in FrozenCount.objects.filter(period=period, indicator_key=key)
            }
        )
    return live_counts(registry.get(key), period.start, period.end, program_ids)


def cluster_rows(baseline: Counts, remeasure: Counts) -> list[tuple[int, int, int]]:
    """(clinician, period 0/1, outcome 0/1) per session, from the counts per clinician."""
    rows: list[tuple[int, int, int]] = []
    for flag, counts in ((0, baseline), (1, remeasure)):
        for clinician, (numerator, denominator) in counts.by_clinician.items():
            rows.extend([(clinician, flag, 1)] * numerator)
            rows.extend([(clinician, flag, 0)] * (denominator - numerator))
    return rows


def analyse(
    pip: Pip, *, exact: bool = True, check_corrections: bool = True
) -> list[IndicatorAnalysis]:
    """Every indicator of the PIP across its periods, in period order."""
    program_ids = set(pip.programs.values_list("pk", flat=True))
    periods = list(pip.periods.order_by("start"))
    baseline = next((p for p in periods if p.kind == PeriodKind.BASELINE), None)
    remeasures = [p for p in periods if p.kind == PeriodKind.REMEASUREMENT]
    analyses = []
    for index, key in enumerate(pip.indicator_keys):
        indicator = registry.get(key)
        counts = {p.pk: period_counts(pip, p, key, program_ids) for p in periods}
        figures = []
        for period in periods:
            c = counts[period.pk]
            figure = PeriodFigure(
                period=period,
                numerator=c.numerator,
                denominator=c.denominator,
                interval=wilson_interval(c.numerator, c.denominator) if c.denominator else None,
            )
            if period.locked and check_corrections:
                live = live_counts(indicator, period.start, period.end, program_ids)
                if (live.numerator, live.denominator) != (c.numerator, c.denominator):
                    figure.corrected = (live.numerator, live.denominator)
            if not exact and is_small_rate(c.numerator, c.denominator):
                figure.hidden = True
            figures.append(figure)
        comparisons = []
        base = counts[baseline.pk] if baseline else None
        if base is not None and base.denominator:
            for period in remeasures:
                later = counts[period.pk]
                if not later.denominator:
                    continue
                comparisons.append(_compare(indicator, base, later, period))
        analyses.append(
            IndicatorAnalysis(
                indicator=indicator,
                primary=index == 0,
                figures=figures,
                comparisons=comparisons,
                verdict=verdict(comparisons, higher_is_better=indicator.higher_is_better),
            )
        )
    return analyses


def _compare(indicator: Indicator, base: Counts, later: Counts, period: PipPeriod) -> Comparison:
    test = compare_proportions(base.numerator, base.denominator, later.numerator, later.denominator)
    better = test.difference > 0 if indicator.higher_is_better else test.difference < 0
    clustered: ClusteredComparison | None = None
    try:
        clustered = clustered_comparison(cluster_rows(base, later), alpha=ALPHA)
    except ValueError:
        clustered = None
    significant = bool(
        better
        and clustered is not None
        and clustered.estimable
        and clustered.p_value is not None
        and clustered.p_value < ALPHA
    )
    return Comparison(period, test, clustered, better, significant)


def verdict(comparisons: Sequence[Comparison], *, higher_is_better: bool = True) -> Verdict:
    """Apply SUSTAINED_RULE to the remeasurements, in order."""
    if not comparisons:
        return Verdict.NO_DATA
    first = next((i for i, c in enumerate(comparisons) if c.significant), None)
    if first is None:
        return Verdict.NO_IMPROVEMENT
    later = comparisons[first + 1 :]
    if not later:
        return Verdict.NOT_YET
    anchor = comparisons[first].test.remeasure
    for comparison in later:
        if not comparison.significant:
            return Verdict.NOT_SUSTAINED
        now = comparison.test.remeasure
        change = compare_proportions(
            anchor.numerator, anchor.denominator, now.numerator, now.denominator
        )
        worse = change.difference < 0 if higher_is_better else change.difference > 0
        if worse and change.p_value is not None and change.p_value < ALPHA:
            return Verdict.NOT_SUSTAINED
    return Verdict.SUSTAINED
