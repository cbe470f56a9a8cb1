"""Single proportions (Wilson score interval) and the comparison of two proportions.

The comparison is the one a PIP report needs between a baseline and a remeasurement period:
the difference, the pooled two-proportion z test, Pearson's chi-square without continuity
correction (it equals z²), Fisher's exact test, the relative risk and the odds ratio.

The odds ratio is the sample (unconditional, cross-product) odds ratio (a·d)/(b·c), the one
textbooks and PIP templates print; it is *not* the conditional maximum-likelihood estimate that
R's `fisher.test` reports. Where a zero cell makes a ratio infinite or undefined, the ratio is
None (null in JSON) and a note says why; no continuity correction (such as adding 0.5) is
applied, because that would silently change the number people compare with other reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from scipy.stats import fisher_exact

Z_95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054

ODDS_RATIO_DEFINITION = (
    "sample (unconditional) odds ratio (a·d)/(b·c) = "
    "[x2/(n2 − x2)] / [x1/(n1 − x1)], not the conditional maximum-likelihood estimate"
)


def check_counts(numerator: int, denominator: int, what: str = "proportion") -> None:
    """Refuse counts that cannot make a proportion: the messages go straight to the user."""
    for name, value in (("numerator", numerator), ("denominator", denominator)):
        # bool is an int subclass, and True/False here is always a caller's mistake.
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{what}: the {name} must be a whole number, not {value!r}")
    if denominator <= 0:
        raise ValueError(f"{what}: the denominator must be at least 1 (N = {denominator})")
    if numerator < 0:
        raise ValueError(f"{what}: the numerator cannot be negative ({numerator})")
    if numerator > denominator:
        raise ValueError(
            f"{what}: the numerator ({numerator}) is larger than the denominator ({denominator})"
        )


@dataclass(frozen=True)
class ProportionInterval:
    numerator: int
    denominator: int
    proportion: float
    ci_low: float
    ci_high: float
    confidence: float


def wilson_interval(
    numerator: int, denominator: int, confidence: float = 0.95
) -> ProportionInterval:
    """Wilson score interval (Wilson 1927; Newcombe 1998, method 3), without continuity
    correction. It stays inside [0, 1] and behaves at 0/n and n/n, unlike the Wald interval."""
    check_counts(numerator, denominator)
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    n = denominator
    p = numerator / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # The exact bounds at 0/n and n/n are 0 and 1; floating point can miss them by 1e-17.
    low = 0.0 if numerator == 0 else max(0.0, centre - half)
    high = 1.0 if numerator == n else min(1.0, centre + half)
    return ProportionInterval(numerator, denominator, p, low, high, confidence)


@dataclass(frozen=True)
class TwoProportionComparison:
    """Remeasurement (group 2) against baseline (group 1); every contrast is 2 minus 1."""

    baseline: ProportionInterval
    remeasure: ProportionInterval
    difference: float
    z: float | None
    p_value: float | None
    chi_square: float | None
    fisher_p_two_sided: float
    relative_risk: float | None
    odds_ratio: float | None
    notes: tuple[str, ...]
    odds_ratio_definition: str = ODDS_RATIO_DEFINITION


def pearson_chi_square(table: tuple[tuple[int, int], tuple[int, int]]) -> float | None:
    """Pearson's X² = Σ (O − E)² / E for a 2×2 table, no continuity correction.

    None when a row or column total is zero (an expected count of zero leaves X² undefined)."""
    (a, b), (c, d) = table
    n = a + b + c + d
    rows, cols = (a + b, c + d), (a + c, b + d)
    if 0 in rows or 0 in cols:
        return None
    total = 0.0
    for i, observed_row in enumerate(((a, b), (c, d))):
        for j, observed in enumerate(observed_row):
            expected = rows[i] * cols[j] / n
            total += (observed - expected) ** 2 / expected
    return total


def compare_proportions(
    baseline_numerator: int,
    baseline_denominator: int,
    remeasure_numerator: int,
    remeasure_denominator: int,
) -> TwoProportionComparison:
    """Compare a remeasurement proportion x2/n2 with a baseline proportion x1/n1.

    - difference = p2 − p1
    - z = (p2 − p1) / sqrt(p̂(1 − p̂)(1/n1 + 1/n2)) with the pooled p̂ = (x1 + x2)/(n1 + n2);
      p_value is its two-sided normal p value
    - chi_square: Pearson's X² without continuity correction (equal to z²)
    - fisher_p_two_sided: Fisher's exact test, two-sided (scipy: sum of the probabilities of
      the tables no more likely than the observed one)
    - relative_risk = p2 / p1
    - odds_ratio = [x2/(n2 − x2)] / [x1/(n1 − x1)], the sample cross-product odds ratio
    """
    check_counts(baseline_numerator, baseline_denominator, "baseline")
    check_counts(remeasure_numerator, remeasure_denominator, "remeasure")
    x1, n1, x2, n2 = (
        baseline_numerator,
        baseline_denominator,
        remeasure_numerator,
        remeasure_denominator,
    )
    p1, p2 = x1 / n1, x2 / n2
    notes: list[str] = []

    pooled = (x1 + x2) / (n1 + n2)
    z: float | None = None
    p_value: float | None = None
    if 0 < pooled < 1:
        z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        p_value = 2 * NormalDist().cdf(-abs(z))
    else:
        notes.append(
            "z test and chi-square are undefined: every case is in one category "
            "(pooled proportion 0 or 1)"
        )

    # Rows: remeasure then baseline, so the cross-product below reads x2(n1−x1)/((n2−x2)x1).
    table = ((x2, n2 - x2), (x1, n1 - x1))
    chi_square = pearson_chi_square(table)
    fisher_p = float(fisher_exact([list(table[0]), list(table[1])]).pvalue)
    fisher_p = min(1.0, fisher_p)  # scipy can return 1.0000000000000002

    relative_risk: float | None
    if x1 == 0:
        relative_risk = None
        notes.append(
            "relative risk is undefined: the baseline proportion is 0 "
            + ("(0/0)" if x2 == 0 else "(infinite)")
        )
    else:
        relative_risk = p2 / p1

    odds_ratio: float | None
    numerator, denominator = x2 * (n1 - x1), (n2 - x2) * x1
    if denominator == 0:
        odds_ratio = None
        notes.append(
            "odds ratio is undefined: a zero cell ("
            + ("0/0" if numerator == 0 else "infinite")
            + "); no continuity correction is applied"
        )
    else:
        odds_ratio = numerator / denominator
        if numerator == 0:
            notes.append("odds ratio is 0: a zero cell in the remeasure row")

    return TwoProportionComparison(
        baseline=wilson_interval(x1, n1),
        remeasure=wilson_interval(x2, n2),
        difference=p2 - p1,
        z=z,
        p_value=p_value,
        chi_square=chi_square,
        fisher_p_two_sided=fisher_p,
        relative_risk=relative_risk,
        odds_ratio=odds_ratio,
        notes=tuple(notes),
    )
