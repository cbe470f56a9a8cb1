"""Wilson intervals and the two-proportion comparison, against published examples."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chi2_contingency

from between.stats.proportions import compare_proportions, pearson_chi_square, wilson_interval


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        # Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
        # seven methods. Stat Med 1998;17:857–872, Table II, method 3 (Wilson score interval,
        # no continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_it_matches_newcombe_wilson_intervals(x: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(x, n)
    assert interval.proportion == x / n
    assert interval.ci_low == pytest.approx(low, abs=5e-5)
    assert interval.ci_high == pytest.approx(high, abs=5e-5)


def test_it_reaches_exactly_zero_and_one_at_the_extremes() -> None:
    assert wilson_interval(0, 7).ci_low == 0.0
    assert wilson_interval(7, 7).ci_high == 1.0


@pytest.mark.parametrize(("x", "n"), [(0, 0), (1, 0), (-1, 5), (6, 5)])
def test_it_refuses_counts_that_make_no_proportion(x: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson_interval(x, n)


def test_it_refuses_a_comparison_with_n_zero() -> None:
    with pytest.raises(ValueError, match="denominator must be at least 1"):
        compare_proportions(0, 0, 3, 10)


@given(n=st.integers(1, 5000), data=st.data())
def test_it_keeps_the_wilson_interval_in_zero_one_around_p(n: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(0, n))
    interval = wilson_interval(x, n)
    assert 0.0 <= interval.ci_low <= interval.proportion <= interval.ci_high <= 1.0


def test_it_matches_fishers_lady_tasting_tea() -> None:
    # Fisher RA. The Design of Experiments (1935), ch. II: 8 cups, 4 with milk first, the lady
    # picks 3 of them correctly: table [[3, 1], [1, 3]], two-sided p = 34/70 = 0.4857.
    result = compare_proportions(1, 4, 3, 4)
    assert result.fisher_p_two_sided == pytest.approx(0.4857, abs=5e-5)
    assert result.fisher_p_two_sided == pytest.approx(34 / 70)


def test_it_matches_agresti_aspirin_and_myocardial_infarction() -> None:
    # Agresti A. An Introduction to Categorical Data Analysis, 2nd ed. (2007), Table 2.3 and
    # §2.2–2.3 (Physicians' Health Study): MI in 189/11034 on placebo and 104/11037 on
    # aspirin; proportions 0.0171 and 0.0094, difference 0.0077, relative risk 1.82,
    # sample odds ratio 1.83. Placebo is the "remeasure" here so the ratios read placebo/aspirin.
    result = compare_proportions(104, 11037, 189, 11034)
    assert result.remeasure.proportion == pytest.approx(0.0171, abs=5e-5)
    assert result.baseline.proportion == pytest.approx(0.0094, abs=5e-5)
    assert result.difference == pytest.approx(0.0077, abs=5e-5)
    assert result.relative_risk == pytest.approx(1.82, abs=5e-3)
    assert result.odds_ratio == pytest.approx(1.83, abs=5e-3)
    # Pearson X² cross-checked with scipy (no Yates correction): 25.01.
    expected = chi2_contingency([[189, 11034 - 189], [104, 11037 - 104]], correction=False)
    assert result.chi_square == pytest.approx(expected[0])
    assert result.chi_square == pytest.approx(25.01, abs=5e-3)
    assert result.p_value == pytest.approx(expected[1])


def test_it_uses_the_sample_cross_product_odds_ratio() -> None:
    # (a·d)/(b·c) for [[x2, n2−x2], [x1, n1−x1]] = [[3, 1], [1, 3]] is 9; the conditional MLE
    # that R's fisher.test reports for the same table is 6.41.
    assert compare_proportions(1, 4, 3, 4).odds_ratio == pytest.approx(9.0)
    assert "not the conditional" in compare_proportions(1, 4, 3, 4).odds_ratio_definition


def test_it_signs_every_contrast_as_remeasure_minus_baseline() -> None:
    result = compare_proportions(10, 100, 30, 100)
    assert result.difference == pytest.approx(0.2)
    assert result.z is not None and result.z > 0
    assert result.relative_risk == pytest.approx(3.0)
    assert result.odds_ratio == pytest.approx((30 / 70) / (10 / 90))


def test_it_makes_ratios_null_with_a_note_when_a_cell_is_zero() -> None:
    result = compare_proportions(0, 20, 5, 20)
    assert result.relative_risk is None
    assert result.odds_ratio is None
    assert any("relative risk is undefined" in note for note in result.notes)
    assert any("odds ratio is undefined" in note for note in result.notes)
    assert result.chi_square is not None  # the margins are all positive


def test_it_reports_an_odds_ratio_of_zero_when_the_remeasure_has_no_cases() -> None:
    result = compare_proportions(5, 20, 0, 20)
    assert result.relative_risk == 0.0
    assert result.odds_ratio == 0.0


def test_it_leaves_the_tests_undefined_when_every_case_is_in_one_category() -> None:
    result = compare_proportions(0, 10, 0, 12)
    assert result.z is None and result.p_value is None and result.chi_square is None
    assert result.fisher_p_two_sided == 1.0
    assert result.relative_risk is None and result.odds_ratio is None


@given(
    n1=st.integers(1, 400),
    n2=st.integers(1, 400),
    data=st.data(),
)
def test_it_gives_a_chi_square_equal_to_z_squared(n1: int, n2: int, data: st.DataObject) -> None:
    x1 = data.draw(st.integers(0, n1))
    x2 = data.draw(st.integers(0, n2))
    result = compare_proportions(x1, n1, x2, n2)
    if result.z is None:
        assert result.chi_square is None
    else:
        assert result.chi_square is not None
        assert result.chi_square == pytest.approx(result.z**2, rel=1e-9, abs=1e-12)
        assert 0.0 <= result.fisher_p_two_sided <= 1.0


def test_it_computes_pearson_chi_square_from_the_table() -> None:
    # Hand-computed: [[20, 10], [10, 20]]: every expected count is 15, X² = 4·25/15 = 6.667.
    assert pearson_chi_square(((20, 10), (10, 20))) == pytest.approx(20 / 3)
    assert pearson_chi_square(((0, 10), (0, 20))) is None
    assert math.isclose(compare_proportions(10, 30, 20, 30).chi_square or 0.0, 20 / 3)
