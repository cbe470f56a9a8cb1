"""Charts for a proportion over time: p chart, Laney p′ chart and run chart, with phases, a
frozen baseline and excluded points.

- p chart: centre p̄ = Σx/Σn over the points used for the limits of the phase; limits
  p̄ ± 3·σ_i with σ_i = sqrt(p̄(1 − p̄)/n_i), so they vary with each subgroup size.
- Laney p′ chart (Laney 2002, Quality Engineering 14(4):531–537): z_i = (p_i − p̄)/σ_i for the
  points used for the limits; σ_z = mean |z_i − z_{i−1}| / 1.128 over consecutive used points;
  limits p̄ ± 3·σ_i·σ_z. With one subgroup size it is the individuals (XmR) chart of the
  proportions; with σ_z = 1 it is the p chart. No screening of large moving ranges.
- run chart: centre line = median of the proportions used; no limits.
Limits are clipped to [0, 1].

Phases: a phase starts at each `phase_starts` index and gets its own centre and limits from its
own points (e.g. after an intervention). `baseline=K` freezes the limits of the first phase:
they are computed from its first K points and carried unchanged to the rest of that phase (the
whole chart when there are no later phase starts). Excluded points are still plotted, still
get limits and `outside_limits`, but are used neither for the centre and limits nor for the
runs analysis.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from between.stats.proportions import check_counts
from between.stats.rules import (
    RULE_SETS,
    RULES,
    PhasePoint,
    RuleSet,
    RunsAnalysis,
    analyse_phase,
)

ChartType = Literal["p", "laney", "run"]
CHART_TYPES: tuple[ChartType, ...] = ("p", "laney", "run")
CHART_NAMES: dict[ChartType, str] = {
    "p": "p chart (limits p̄ ± 3·sqrt(p̄(1 − p̄)/n_i))",
    "laney": "Laney p′ chart (limits p̄ ± 3·σ_i·σ_z, Laney 2002)",
    "run": "run chart (centre line = median, no limits)",
}
D2 = 1.128  # E(range of two standard normals): turns a mean moving range into a sigma
SIGMA_LIMIT = 3


@dataclass(frozen=True)
class ChartPoint:
    index: int  # 0-based position in the chart
    period: str
    numerator: int
    denominator: int
    proportion: float
    phase: int  # 0-based
    center_line: float
    lower_limit: float | None
    upper_limit: float | None
    sigma: float | None  # one sigma at this point (σ_i, times σ_z on a Laney chart)
    excluded: bool
    used_for_limits: bool
    outside_limits: bool
    signals: tuple[str, ...]


@dataclass(frozen=True)
class ChartPhase:
    number: int  # 0-based
    start: int  # first index (inclusive)
    end: int  # last index + 1
    center_line: float
    sigma_z: float | None  # Laney charts only
    limit_points: tuple[int, ...]  # indices used for the centre and limits
    frozen: bool  # limits computed from a baseline and carried forward
    runs: RunsAnalysis


@dataclass(frozen=True)
class ControlChart:
    chart: ChartType
    rules: RuleSet
    points: tuple[ChartPoint, ...]
    phases: tuple[ChartPhase, ...]

    @property
    def runs(self) -> RunsAnalysis:
        """The runs analysis of the last phase: the process as it runs now."""
        return self.phases[-1].runs

    @property
    def rules_description(self) -> str:
        return RULES[self.rules]

    @property
    def chart_description(self) -> str:
        return CHART_NAMES[self.chart]


def control_chart(
    numerators: Sequence[int],
    denominators: Sequence[int],
    periods: Sequence[str] | None = None,
    *,
    chart: ChartType = "p",
    rules: RuleSet = "anhoej",
    phase_starts: Iterable[int] = (),
    baseline: int | None = None,
    exclude: Iterable[int] = (),
) -> ControlChart:
    """Build a chart of numerators[i]/denominators[i] in time order.

    `phase_starts` and `exclude` are 0-based point indices; `baseline` is a number of points.
    Raises ValueError with a message fit for the user when the request cannot be honoured.
    """
    if chart not in CHART_TYPES:
        raise ValueError(f"unknown chart {chart!r}; choose one of {', '.join(CHART_TYPES)}")
    if rules not in RULE_SETS:
        raise ValueError(f"unknown rule set {rules!r}; choose one of {', '.join(RULE_SETS)}")
    count = len(numerators)
    if count == 0:
        raise ValueError("a chart needs at least one point")
    if len(denominators) != count:
        raise ValueError("numerators and denominators differ in length")
    labels = [str(i + 1) for i in range(count)] if periods is None else [str(p) for p in periods]
    if len(labels) != count:
        raise ValueError("periods and numerators differ in length")
    for i, (x, n) in enumerate(zip(numerators, denominators, strict=True)):
        check_counts(x, n, f"point {i + 1} ({labels[i]})")

    excluded = _indices(exclude, count, "excluded point")
    starts = sorted(_indices(phase_starts, count, "phase start") - {0})
    bounds = list(zip([0, *starts], [*starts, count], strict=True))
    if baseline is not None:
        if isinstance(baseline, bool) or not isinstance(baseline, int) or baseline < 1:
            raise ValueError(f"the baseline must be a number of points, at least 1 ({baseline})")
        if baseline > bounds[0][1]:
            second = bounds[0][1]
            where = (
                f"the chart has {count} points"
                if len(bounds) == 1
                else f"phase 2 starts at point {second + 1} ({labels[second]})"
            )
            raise ValueError(f"the frozen baseline of {baseline} points is too long: {where}")

    values = [Fraction(x, n) for x, n in zip(numerators, denominators, strict=True)]
    points: list[ChartPoint] = []
    phases: list[ChartPhase] = []
    for number, (start, end) in enumerate(bounds):
        frozen = number == 0 and baseline is not None
        limit_end = start + baseline if frozen and baseline is not None else end
        used = [i for i in range(start, limit_end) if i not in excluded]
        if not used:
            raise ValueError(
                f"phase {number + 1} (points {start + 1}–{end}) has no points left to compute "
                "its centre line from: every point is excluded"
            )
        center, sigmas, sigma_z = _centre_and_sigmas(
            chart, numerators, denominators, used, range(start, end), number
        )

        phase_points = [
            PhasePoint(i, values[i], center, sigmas[i], i in excluded) for i in range(start, end)
        ]
        signals = analyse_phase(phase_points, rules)
        used_set = set(used)
        for i in range(start, end):
            lower, upper = _limits(center, sigmas[i])
            proportion = numerators[i] / denominators[i]
            outside = lower is not None and upper is not None and not lower <= proportion <= upper
            codes = (["outside_limits"] if outside else []) + signals.by_index.get(i, [])
            points.append(
                ChartPoint(
                    index=i,
                    period=labels[i],
                    numerator=numerators[i],
                    denominator=denominators[i],
                    proportion=proportion,
                    phase=number,
                    center_line=float(center),
                    lower_limit=lower,
                    upper_limit=upper,
                    sigma=sigmas[i],
                    excluded=i in excluded,
                    used_for_limits=i in used_set,
                    outside_limits=outside,
                    signals=tuple(codes),
                )
            )
        phases.append(
            ChartPhase(
                number=number,
                start=start,
                end=end,
                center_line=float(center),
                sigma_z=sigma_z,
                limit_points=tuple(used),
                frozen=frozen,
                runs=signals.runs,
            )
        )
    return ControlChart(chart=chart, rules=rules, points=tuple(points), phases=tuple(phases))


def _indices(values: Iterable[int], count: int, what: str) -> set[int]:
    result: set[int] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
            raise ValueError(f"{what} {value!r} is not a point of the chart (0–{count - 1})")
        result.add(value)
    return result


def _centre_and_sigmas(
    chart: ChartType,
    numerators: Sequence[int],
    denominators: Sequence[int],
    used: Sequence[int],
    phase: range,
    number: int,
) -> tuple[Fraction, dict[int, float | None], float | None]:
    """Centre line (exact), one sigma for every point of the phase, and σ_z for Laney."""
    values = {i: Fraction(numerators[i], denominators[i]) for i in phase}
    if chart == "run":
        center = Fraction(statistics.median(values[i] for i in used))
        return center, dict.fromkeys(phase), None

    center = Fraction(sum(numerators[i] for i in used), sum(denominators[i] for i in used))
    p_bar = float(center)
    within = {i: math.sqrt(p_bar * (1 - p_bar) / denominators[i]) for i in phase}
    if chart == "p":
        return center, dict(within), None

    if len(used) < 2:
        raise ValueError(
            f"phase {number + 1}: a Laney p′ chart needs at least two points to estimate "
            "sigma_z from their moving ranges"
        )
    if p_bar in (0.0, 1.0):
        # Every used point is 0% (or 100%): no spread to standardise, the limits collapse.
        return center, dict(within), None
    z = [(float(values[i]) - p_bar) / within[i] for i in used]
    moving_ranges = [abs(b - a) for a, b in itertools.pairwise(z)]
    sigma_z = statistics.fmean(moving_ranges) / D2
    return center, {i: s * sigma_z for i, s in within.items()}, sigma_z


def _limits(center: Fraction, sigma: float | None) -> tuple[float | None, float | None]:
    if sigma is None:
        return None, None
    c = float(center)
    return max(0.0, c - SIGMA_LIMIT * sigma), min(1.0, c + SIGMA_LIMIT * sigma)
