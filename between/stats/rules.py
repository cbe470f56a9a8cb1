"""Rules that tell non-random variation from noise in one phase of a run or control chart.

Three rule sets, chosen per chart and printed on it (`RULES[...]` is the text to print):

- "anhoej" (default; Anhøj & Olesen 2014, PLoS ONE 9(11): e113825): an unusually long run
  (longer than round(log2 n) + 3) or unusually few crossings of the centre line (fewer than the
  lower 5% quantile of Binomial(n − 1, 0.5)), n being the useful observations.
- "ihi" (Perla, Provost & Murray 2011, BMJ Qual Saf 20:46–51): a shift of 6 or more points on
  one side, a trend of 5 or more points all going up or all going down, and too few or too many
  runs (their Table 1). The "astronomical data point" rule needs human judgement and is left
  out; on a control chart the limits do that job.
- "nhs" (NHS England/Improvement, "Making Data Count"): a run of 7 or more on one side, a trend
  of 6 or more all increasing or all decreasing, two out of three points beyond 2 sigma on the
  same side. (Points beyond the limits are flagged by the chart for every rule set.)

Runs are counted the Anhøj way in every rule set: a point exactly on the centre line neither
breaks nor extends a run. Excluded points are skipped by every rule (runs, trends, two of
three), so they neither make nor break a pattern. Only "useful observations" — not excluded,
not on the centre line — count as n. Each phase is analysed on its own.

Signal codes put on points (the chart adds "outside_limits"):
  long_run                      part of a run longer than the Anhøj limit
  few_crossings                 the phase crosses its centre line too seldom (every useful point)
  shift                         part of a run at or above the IHI (6) or NHS (7) length
  trend                         part of an IHI (5) or NHS (6) trend
  too_few_runs, too_many_runs   IHI number-of-runs rule (every useful point of the phase)
  two_of_three_beyond_2_sigma   NHS: beyond 2 sigma, with another of 3 consecutive points on the
                                same side also beyond 2 sigma
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from math import comb
from typing import Literal

RuleSet = Literal["anhoej", "ihi", "nhs"]
RULE_SETS: tuple[RuleSet, ...] = ("anhoej", "ihi", "nhs")

RULES: dict[RuleSet, str] = {
    "anhoej": (
        "Anhøj rules (Anhøj & Olesen 2014): a signal is an unusually long run — more than "
        "round(log2(n)) + 3 consecutive points on one side of the centre line — or unusually "
        "few crossings of the centre line — fewer than the 5th percentile of Binomial(n − 1, "
        "0.5) — where n counts the useful observations (not excluded, not on the centre line). "
        "Points on the centre line neither break nor extend a run. Points outside the control "
        "limits are signals too."
    ),
    "ihi": (
        "IHI run chart rules (Perla, Provost & Murray 2011): a shift is 6 or more consecutive "
        "points on one side of the centre line (points on the line are skipped); a trend is 5 "
        "or more consecutive points all going up or all going down (equal neighbours count "
        "once); too few or too many runs compares the number of runs with the limits of their "
        "Table 1 for n useful observations (from n = 10). The astronomical-point rule needs "
        "judgement and is not applied; on a control chart points outside the limits are "
        "flagged instead."
    ),
    "nhs": (
        "NHS Making Data Count rules: a point beyond the process limits; a run of 7 or more "
        "consecutive points on one side of the centre line (points on the line are skipped); a "
        "trend of 6 or more consecutive points all increasing or all decreasing (an equal "
        "neighbour ends a trend); two out of three consecutive points beyond 2 sigma on the "
        "same side of the centre line (points beyond 3 sigma count)."
    ),
}

IHI_SHIFT, IHI_TREND, IHI_MIN_POINTS = 6, 5, 10
NHS_SHIFT, NHS_TREND = 7, 6


@dataclass(frozen=True)
class PhasePoint:
    """What the rules need to know about one point of a phase."""

    index: int  # position in the whole chart, 0-based
    value: Fraction  # the proportion, exact, so "on the centre line" is an exact test
    center: Fraction
    sigma: float | None  # one sigma at this point (σ_i, times σ_z on a Laney chart)
    excluded: bool


@dataclass(frozen=True)
class RunsAnalysis:
    useful_observations: int
    longest_run: int
    longest_run_limit: int | None  # a longer run is a signal
    crossings: int
    crossings_minimum: int | None  # fewer crossings are a signal
    runs: int  # number of runs = crossings + 1 (0 without useful observations)
    runs_lower_limit: int | None = None  # IHI only: fewer runs are a signal
    runs_upper_limit: int | None = None  # IHI only: more runs are a signal
    trend: bool = False  # IHI and NHS only
    signal: bool = False  # any of this rule set's runs-type rules fired in the phase


@dataclass
class PhaseSignals:
    runs: RunsAnalysis
    by_index: dict[int, list[str]] = field(default_factory=dict)

    def flag(self, indices: Sequence[int], code: str) -> None:
        for i in indices:
            codes = self.by_index.setdefault(i, [])
            if code not in codes:
                codes.append(code)


def anhoej_longest_run_limit(n: int) -> int | None:
    """round(log2(n)) + 3; log2 of a whole number is never exactly x.5, so rounding is plain."""
    return None if n < 1 else math.floor(math.log2(n) + 0.5) + 3


def anhoej_crossings_minimum(n: int) -> int | None:
    """qbinom(0.05, n − 1, 0.5): the smallest k with P(X ≤ k) ≥ 0.05, computed with integers
    (20·Σ C(n−1, i) ≥ 2^(n−1)) so no floating-point quantile can land on the wrong side."""
    if n < 1:
        return None
    trials, cumulative = n - 1, 0
    for k in range(trials + 1):
        cumulative += comb(trials, k)
        if 20 * cumulative >= 2**trials:
            return k
    return trials  # not reached: the sum reaches 2^(n−1)


# Perla, Provost & Murray 2011, Table 1, as printed, for 10–30 useful observations. For odd n
# the printed rows differ by one run from the exact Swed–Eisenhart computation with ⌊n/2⌋ and
# ⌈n/2⌉ points a side (the source tables were built differently); analysts compare our charts
# with the paper, so the printed values win where we have them, and the computation extends it.
PERLA_TABLE_1: dict[int, tuple[int, int]] = {
    10: (3, 9), 11: (3, 10), 12: (3, 11), 13: (4, 11), 14: (4, 12), 15: (5, 12), 16: (5, 13),
    17: (5, 13), 18: (6, 14), 19: (6, 15), 20: (6, 16), 21: (7, 16), 22: (7, 17), 23: (8, 17),
    24: (8, 18), 25: (8, 18), 26: (9, 19), 27: (10, 19), 28: (10, 20), 29: (10, 20),
    30: (11, 21),
}  # fmt: skip


@lru_cache(maxsize=256)
def ihi_runs_limits(n: int) -> tuple[int, int] | None:
    """(lower, upper) limits for the number of runs among n useful observations, as in Perla,
    Provost & Murray 2011, Table 1: fewer runs than `lower` or more than `upper` is a signal.

    The table comes from Swed & Eisenhart (1943); we compute it from the exact distribution of
    the number of runs with n1 = ⌊n/2⌋ points on one side and n2 = ⌈n/2⌉ on the other:
    `lower` is the largest r with P(R ≤ r) ≤ 0.05 and `upper` the smallest r with
    P(R ≥ r) ≤ 0.05. This reproduces the printed table (e.g. 10 → 3–9, 20 → 6–16,
    24 → 8–18, 30 → 11–21, 60 → 24–38) and extends it beyond 60. Below 10 useful
    observations the rule is not applied (None), as in the paper.
    """
    if n < IHI_MIN_POINTS:
        return None
    if n in PERLA_TABLE_1:
        return PERLA_TABLE_1[n]
    n1, n2 = n // 2, n - n // 2
    total = comb(n, n1)
    counts = {r: _runs_count(n1, n2, r) for r in range(2, n + 1)}
    lower, cumulative = 2, 0
    for r in range(2, n + 1):
        cumulative += counts[r]
        if 20 * cumulative > total:
            break
        lower = r
    upper, tail = n, 0
    for r in range(n, 1, -1):
        tail += counts[r]
        if 20 * tail > total:
            break
        upper = r
    return lower, upper


def _runs_count(n1: int, n2: int, r: int) -> int:
    """Arrangements of n1 and n2 marks with exactly r runs (Swed & Eisenhart 1943)."""
    if r % 2 == 0:
        k = r // 2
        return 2 * comb(n1 - 1, k - 1) * comb(n2 - 1, k - 1)
    k = (r - 1) // 2
    return comb(n1 - 1, k) * comb(n2 - 1, k - 1) + comb(n1 - 1, k - 1) * comb(n2 - 1, k)


def _runs(points: Sequence[PhasePoint]) -> list[list[PhasePoint]]:
    """Useful observations grouped into runs on one side of their centre line."""
    runs: list[list[PhasePoint]] = []
    last_side = 0
    for point in points:
        if point.excluded or point.value == point.center:
            continue  # neither breaks nor extends a run
        side = 1 if point.value > point.center else -1
        if side != last_side:
            runs.append([])
            last_side = side
        runs[-1].append(point)
    return runs


def _trends(points: Sequence[PhasePoint], min_length: int, *, ties_ignored: bool) -> list[int]:
    """Indices of points in a run of at least `min_length` steadily rising or falling values.

    With ties_ignored (IHI), equal neighbours count as one point and do not break the trend;
    otherwise (NHS) an equal neighbour ends it.
    """
    groups: list[tuple[Fraction, list[int]]] = []
    for point in points:
        if point.excluded:
            continue
        if ties_ignored and groups and groups[-1][0] == point.value:
            groups[-1][1].append(point.index)
        else:
            groups.append((point.value, [point.index]))

    flagged: list[int] = []
    for direction in (1, -1):
        start = 0
        for end in range(1, len(groups) + 1):
            continues = end < len(groups) and (
                (groups[end][0] - groups[end - 1][0]) * direction > 0
            )
            if continues:
                continue
            if end - start >= min_length:
                for _, indices in groups[start:end]:
                    flagged.extend(indices)
            start = end
    return sorted(set(flagged))


def _two_of_three(points: Sequence[PhasePoint]) -> list[int]:
    """Points beyond 2 sigma that share a window of 3 consecutive points with another point
    beyond 2 sigma on the same side (Western Electric rule 2, as used by Making Data Count)."""
    usable = [p for p in points if not p.excluded]

    def beyond(point: PhasePoint) -> int:
        if point.sigma is None:
            return 0
        distance = float(point.value - point.center)
        if distance > 2 * point.sigma:
            return 1
        if distance < -2 * point.sigma:
            return -1
        return 0

    sides = [beyond(p) for p in usable]
    flagged: set[int] = set()
    for start in range(len(usable) - 2):
        window = range(start, start + 3)
        for side in (1, -1):
            hits = [i for i in window if sides[i] == side]
            if len(hits) >= 2:
                flagged.update(usable[i].index for i in hits)
    return sorted(flagged)


def analyse_phase(points: Sequence[PhasePoint], rules: RuleSet) -> PhaseSignals:
    """Apply one rule set to the points of one phase (in time order)."""
    if rules not in RULES:
        raise ValueError(f"unknown rule set {rules!r}; choose one of {', '.join(RULE_SETS)}")
    runs = _runs(points)
    n = sum(len(run) for run in runs)
    longest = max((len(run) for run in runs), default=0)
    crossings = max(len(runs) - 1, 0)
    useful = [p.index for run in runs for p in run]

    if rules == "anhoej":
        run_limit = anhoej_longest_run_limit(n)
        crossings_min = anhoej_crossings_minimum(n)
        long_runs = [run for run in runs if run_limit is not None and len(run) > run_limit]
        few = crossings_min is not None and crossings < crossings_min
        result = PhaseSignals(
            RunsAnalysis(
                useful_observations=n,
                longest_run=longest,
                longest_run_limit=run_limit,
                crossings=crossings,
                crossings_minimum=crossings_min,
                runs=len(runs),
                signal=bool(long_runs) or few,
            )
        )
        for run in long_runs:
            result.flag([p.index for p in run], "long_run")
        if few:
            result.flag(useful, "few_crossings")
        return result

    shift_length = IHI_SHIFT if rules == "ihi" else NHS_SHIFT
    trend_points = _trends(
        points,
        IHI_TREND if rules == "ihi" else NHS_TREND,
        ties_ignored=rules == "ihi",
    )
    shifts = [run for run in runs if len(run) >= shift_length]
    limits = ihi_runs_limits(n) if rules == "ihi" else None
    too_few = limits is not None and len(runs) < limits[0]
    too_many = limits is not None and len(runs) > limits[1]
    result = PhaseSignals(
        RunsAnalysis(
            useful_observations=n,
            longest_run=longest,
            # Stated as "a longer run is a signal", like the Anhøj limit, so the key means the
            # same thing whichever rule set printed it.
            longest_run_limit=shift_length - 1,
            crossings=crossings,
            # runs = crossings + 1, so "fewer runs than L" is "fewer crossings than L − 1".
            crossings_minimum=None if limits is None else limits[0] - 1,
            runs=len(runs),
            runs_lower_limit=None if limits is None else limits[0],
            runs_upper_limit=None if limits is None else limits[1],
            trend=bool(trend_points),
            signal=bool(shifts) or bool(trend_points) or too_few or too_many,
        )
    )
    for run in shifts:
        result.flag([p.index for p in run], "shift")
    result.flag(trend_points, "trend")
    if too_few:
        result.flag(useful, "too_few_runs")
    if too_many:
        result.flag(useful, "too_many_runs")
    if rules == "nhs":
        result.flag(_two_of_three(points), "two_of_three_beyond_2_sigma")
    return result
