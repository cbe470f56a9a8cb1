"""Runs rules (Anhøj, IHI, NHS Making Data Count) on one phase of a chart."""

from __future__ import annotations

from fractions import Fraction

import pytest
from scipy.stats import binom

from between.stats.rules import (
    PhasePoint,
    analyse_phase,
    anhoej_crossings_minimum,
    anhoej_longest_run_limit,
    ihi_runs_limits,
)


def phase(
    values: list[float],
    center: float = 0.5,
    *,
    sigma: float | None = None,
    excluded: tuple[int, ...] = (),
) -> list[PhasePoint]:
    """Points with the given values (as exact fractions) around one centre line."""
    c = Fraction(center).limit_denominator(10**6)
    return [
        PhasePoint(i, Fraction(v).limit_denominator(10**6), c, sigma, i in excluded)
        for i, v in enumerate(values)
    ]


def sides(pattern: str) -> list[float]:
    """'++0-' → values above (0.7), on (0.5) and below (0.3) a centre of 0.5."""
    return [{"+": 0.7, "-": 0.3, "0": 0.5}[c] for c in pattern]


@pytest.mark.parametrize(
    ("n", "longest_run_limit", "crossings_minimum"),
    [
        # Anhøj J, Olesen AV. Run charts revisited: a simulation study of run chart rules for
        # detection of non-random variation in health care processes. PLoS ONE
        # 2014;9(11):e113825 (critical values for 10, 20 and 24 useful observations), and the
        # table in Anhøj J, "SPC for Health Care" (online book), appendix "Critical Values for
        # Runs and Crossings", n = 10–100 ("with 24 useful observations, a run of more than
        # eight or fewer than eight crossings" signals).
        (10, 6, 2),
        (20, 7, 6),
        (24, 8, 8),
        (30, 8, 10),
        (40, 8, 14),
        (50, 9, 19),
        (100, 10, 41),
    ],
)
def test_it_matches_anhoej_critical_values(
    n: int, longest_run_limit: int, crossings_minimum: int
) -> None:
    assert anhoej_longest_run_limit(n) == longest_run_limit
    assert anhoej_crossings_minimum(n) == crossings_minimum


def test_it_computes_the_crossings_minimum_as_qbinom() -> None:
    # qbinom(0.05, n − 1, 0.5) in R is scipy's binom.ppf; ours is exact integer arithmetic.
    for n in range(1, 201):
        assert anhoej_crossings_minimum(n) == int(binom.ppf(0.05, n - 1, 0.5)), n


@pytest.mark.parametrize(
    ("n", "lower", "upper"),
    [
        # Perla RJ, Provost LP, Murray SK. The run chart: a simple analytical tool for learning
        # from variation in healthcare processes. BMJ Qual Saf 2011;20:46–51, Table 1
        # ("too few" below the lower limit, "too many" above the upper limit).
        (10, 3, 9),
        (12, 3, 11),
        (14, 4, 12),
        (16, 5, 13),
        (18, 6, 14),
        (20, 6, 16),
        (22, 7, 17),
        (24, 8, 18),
        (26, 9, 19),
        (28, 10, 20),
        (30, 11, 21),
        # Odd rows as printed (they differ by one from the exact computation).
        (15, 5, 12),
        (17, 5, 13),
        (25, 8, 18),
        (27, 10, 19),
        (29, 10, 20),
        (40, 15, 27),
        (50, 19, 33),
        (60, 24, 38),
    ],
)
def test_it_matches_the_perla_runs_table(n: int, lower: int, upper: int) -> None:
    assert ihi_runs_limits(n) == (lower, upper)


def test_it_does_not_apply_the_runs_table_below_ten_points() -> None:
    assert ihi_runs_limits(9) is None


def test_it_neither_breaks_nor_extends_runs_at_the_centre_line() -> None:
    runs = analyse_phase(phase(sides("++0+-")), "anhoej").runs
    assert runs.useful_observations == 4
    assert runs.longest_run == 3
    assert runs.crossings == 1
    assert runs.runs == 2


def test_it_skips_excluded_points_in_the_runs_analysis() -> None:
    runs = analyse_phase(phase(sides("++-++"), excluded=(2,)), "anhoej").runs
    assert runs.useful_observations == 4
    assert runs.longest_run == 4
    assert runs.crossings == 0


def test_it_flags_an_unusually_long_run() -> None:
    # 24 useful observations: a run of 9 is longer than the limit of 8.
    result = analyse_phase(phase(sides("+-" * 7 + "-" * 8 + "+-")), "anhoej")
    assert result.runs.useful_observations == 24
    assert result.runs.longest_run == 9
    assert result.runs.signal
    flagged = sorted(i for i, codes in result.by_index.items() if "long_run" in codes)
    assert flagged == list(range(13, 22))


def test_it_flags_unusually_few_crossings() -> None:
    # 24 useful observations in runs of 4: 5 crossings, fewer than the minimum of 8, and no
    # run longer than 8.
    result = analyse_phase(phase(sides("++++----" * 3)), "anhoej")
    assert result.runs.crossings == 5
    assert result.runs.longest_run == 4
    assert result.runs.signal
    assert all("few_crossings" in result.by_index[i] for i in range(24))


def test_it_finds_no_signal_in_alternating_points_under_anhoej() -> None:
    result = analyse_phase(phase(sides("+-" * 12)), "anhoej")
    assert not result.runs.signal
    assert result.by_index == {}


def test_it_flags_an_ihi_shift_of_six() -> None:
    five = analyse_phase(phase(sides("+-+-" + "+++++" + "-+-")), "ihi")
    assert not any("shift" in codes for codes in five.by_index.values())
    six = analyse_phase(phase(sides("+-+-" + "++0++++" + "-+-")), "ihi")
    assert sorted(i for i, c in six.by_index.items() if "shift" in c) == [4, 5, 7, 8, 9, 10]
    assert six.runs.longest_run_limit == 5
    assert six.runs.signal


def test_it_counts_an_ihi_trend_of_five_ignoring_equal_neighbours() -> None:
    result = analyse_phase(phase([0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 0.45]), "ihi")
    assert sorted(i for i, c in result.by_index.items() if "trend" in c) == [0, 1, 2, 3, 4, 5]
    assert result.runs.trend
    four = analyse_phase(phase([0.1, 0.2, 0.2, 0.3, 0.4, 0.35]), "ihi")
    assert not four.runs.trend


def test_it_flags_too_many_ihi_runs() -> None:
    # 24 points alternating around the median: 24 runs, more than the upper limit of 18.
    result = analyse_phase(phase(sides("+-" * 12)), "ihi")
    assert result.runs.runs == 24
    assert (result.runs.runs_lower_limit, result.runs.runs_upper_limit) == (8, 18)
    assert result.runs.crossings_minimum == 7
    assert all("too_many_runs" in result.by_index[i] for i in range(24))


def test_it_flags_too_few_ihi_runs() -> None:
    result = analyse_phase(phase(sides("+++++----" * 2 + "++")), "ihi")
    assert result.runs.useful_observations == 20
    assert result.runs.runs == 5  # fewer than 6
    assert all("too_few_runs" in result.by_index[i] for i in range(20))


def test_it_flags_an_nhs_run_of_seven_but_not_six() -> None:
    six = analyse_phase(phase(sides("-" + "+" * 6 + "-")), "nhs")
    assert not six.runs.signal
    seven = analyse_phase(phase(sides("-" + "+" * 7 + "-")), "nhs")
    assert seven.runs.signal
    assert sorted(i for i, c in seven.by_index.items() if "shift" in c) == list(range(1, 8))
    assert seven.runs.longest_run_limit == 6
    assert seven.runs.crossings_minimum is None


def test_it_breaks_an_nhs_trend_at_an_equal_neighbour() -> None:
    rising = analyse_phase(phase([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), "nhs")
    assert sorted(i for i, c in rising.by_index.items() if "trend" in c) == list(range(6))
    broken = analyse_phase(phase([0.1, 0.2, 0.3, 0.3, 0.4, 0.5, 0.6]), "nhs")
    assert not broken.runs.trend
    falling = analyse_phase(phase([0.9, 0.8, 0.7, 0.6, 0.5, 0.4]), "nhs")
    assert falling.runs.trend


def test_it_flags_two_of_three_beyond_two_sigma_on_the_same_side() -> None:
    # Centre 0.5, sigma 0.1: beyond 2 sigma means above 0.7 or below 0.3.
    same_side = analyse_phase(phase([0.5, 0.75, 0.6, 0.72, 0.5], sigma=0.1), "nhs")
    codes = {i: c for i, c in same_side.by_index.items() if "two_of_three_beyond_2_sigma" in c}
    assert sorted(codes) == [1, 3]
    opposite = analyse_phase(phase([0.5, 0.75, 0.6, 0.25, 0.5], sigma=0.1), "nhs")
    assert not any("two_of_three" in code for c in opposite.by_index.values() for code in c)
    too_far_apart = analyse_phase(phase([0.75, 0.5, 0.6, 0.75], sigma=0.1), "nhs")
    assert not any("two_of_three" in code for c in too_far_apart.by_index.values() for code in c)


def test_it_refuses_an_unknown_rule_set() -> None:
    with pytest.raises(ValueError, match="unknown rule set"):
        analyse_phase(phase([0.1]), "western_electric")  # type: ignore[arg-type]
