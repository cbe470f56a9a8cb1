"""p, Laney p′ and run charts: limits against textbook examples, phases, baseline, exclusions."""

from __future__ import annotations

import itertools
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from between.stats.spc import control_chart

# Montgomery DC. Introduction to Statistical Quality Control, 6th ed. (2009), Example 7.1 and
# Table 7.1: orange-juice cans, 30 samples of n = 50 (nonconforming cans per sample).
ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
                8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip

# Pyzdek T, Keller P. The Handbook for Quality Management, 2nd ed. (2013), Table 9.6: bruised
# peaches per shipment, 250 peaches per crate, one or two crates sampled (n = 250 or 500);
# totals 1544 / 8000.
PEACHES_BRUISED = [47, 42, 55, 51, 46, 61, 39, 44, 41, 51, 88, 101, 101,
                   40, 48, 47, 50, 48, 57, 45, 43, 105, 98, 100, 96]  # fmt: skip
PEACHES_SIZE = [250] * 10 + [500] * 3 + [250] * 8 + [500] * 4

# Montgomery, op. cit., §7.2.2 (variable sample size), purchase orders with errors over 25
# days: Σn = 2450, ΣD = 234, p̄ = 0.096.
ORDERS_WITH_ERRORS = [12, 8, 6, 9, 10, 12, 11, 16, 10, 6, 20, 15, 9,
                      8, 6, 8, 10, 7, 5, 8, 5, 8, 10, 6, 9]  # fmt: skip
ORDERS = [100, 80, 80, 100, 110, 110, 100, 100, 90, 90, 110, 120, 120,
          120, 110, 80, 80, 80, 90, 100, 100, 100, 100, 90, 90]  # fmt: skip

# Mohammed MA, Panesar JS, Laney DB, Wilson R. Statistical process control charts for attribute
# data involving very large sample sizes. BMJ Qual Saf 2013;22:362–368 (tabulated in Anhøj,
# "SPC for Health Care", ch. "Prime Charts", and qicharts2's nhs_accidents): attendances to
# major A&E departments in England seen within 4 hours, 20 weeks.
SEEN_IN_4H = [266501, 264225, 276532, 281461, 269071, 261215, 270409, 279778, 270483, 270320,
              267923, 271478, 255353, 256820, 261835, 259144, 255910, 260863, 264465,
              260989]  # fmt: skip
ATTENDANCES = [280443, 276823, 291681, 296155, 282343, 275888, 283867, 295251, 284468, 282529,
               279618, 283932, 266629, 268091, 276803, 271578, 266005, 273520, 278574,
               273772]  # fmt: skip


def test_it_matches_montgomerys_orange_juice_p_chart() -> None:
    chart = control_chart(ORANGE_JUICE, [50] * 30)
    assert chart.phases[0].center_line == pytest.approx(0.2313, abs=5e-5)
    for point in chart.points:
        assert point.upper_limit == pytest.approx(0.4102, abs=5e-5)
        assert point.lower_limit == pytest.approx(0.0524, abs=5e-5)
    assert [p.period for p in chart.points if p.outside_limits] == ["15", "23"]
    assert "outside_limits" in chart.points[14].signals


def test_it_matches_montgomerys_revised_limits_without_samples_15_and_23() -> None:
    # Montgomery, op. cit.: after removing samples 15 and 23 (assignable causes), p̄ = 0.2150,
    # UCL = 0.3893, LCL = 0.0407, and sample 21 is then above the revised UCL.
    chart = control_chart(ORANGE_JUICE, [50] * 30, exclude=[14, 22])
    assert chart.phases[0].center_line == pytest.approx(0.2150, abs=5e-5)
    assert chart.points[0].upper_limit == pytest.approx(0.3893, abs=5e-5)
    assert chart.points[0].lower_limit == pytest.approx(0.0407, abs=5e-5)
    assert [p.period for p in chart.points if p.outside_limits] == ["15", "21", "23"]
    excluded = [p for p in chart.points if p.excluded]
    assert [p.period for p in excluded] == ["15", "23"]
    assert all(not p.used_for_limits for p in excluded)
    assert chart.runs.useful_observations == 28


def test_it_matches_pyzdeks_p_chart_with_two_subgroup_sizes() -> None:
    chart = control_chart(PEACHES_BRUISED, PEACHES_SIZE)
    assert chart.phases[0].center_line == pytest.approx(1544 / 8000)  # 0.193
    small, large = chart.points[0], chart.points[10]
    assert (small.lower_limit, small.upper_limit) == (
        pytest.approx(0.118, abs=5e-4),
        pytest.approx(0.268, abs=5e-4),
    )
    assert (large.lower_limit, large.upper_limit) == (
        pytest.approx(0.140, abs=5e-4),
        pytest.approx(0.246, abs=5e-4),
    )
    assert not any(p.outside_limits for p in chart.points)


def test_it_matches_montgomerys_variable_sample_size_p_chart() -> None:
    chart = control_chart(ORDERS_WITH_ERRORS, ORDERS)
    assert chart.phases[0].center_line == pytest.approx(0.096, abs=5e-4)
    upper = {p.denominator: p.upper_limit or 0.0 for p in chart.points}
    lower = {p.denominator: p.lower_limit for p in chart.points}
    # Limits narrow as the subgroup grows, and the lower limit for n = 80 is negative → 0.
    assert upper[80] > upper[100] > upper[120]
    assert lower[80] == 0.0
    assert upper[100] == pytest.approx(
        234 / 2450 + 3 * (234 / 2450 * (1 - 234 / 2450) / 100) ** 0.5
    )


def test_it_makes_a_laney_chart_the_individuals_chart_when_sizes_are_equal() -> None:
    # Laney 2002 (Quality Engineering 14(4):531–537): with one subgroup size, σ_i·σ_z is the
    # moving-range sigma of the proportions, so P′ limits are the XmR limits p̄ ± 3·MR̄/1.128.
    chart = control_chart(ORANGE_JUICE, [50] * 30, chart="laney")
    proportions = [x / 50 for x in ORANGE_JUICE]
    mean_mr = statistics.fmean(abs(b - a) for a, b in itertools.pairwise(proportions))
    centre = statistics.fmean(proportions)
    assert chart.points[0].upper_limit == pytest.approx(centre + 3 * mean_mr / 1.128)
    assert chart.points[0].lower_limit == pytest.approx(max(0.0, centre - 3 * mean_mr / 1.128))


def test_it_computes_sigma_z_from_moving_ranges_of_z_scores() -> None:
    # Hand-computed: 10/100, 20/100, 15/100 → p̄ = 0.15, σ_i = 0.0357071,
    # z = −1.40028, 1.40028, 0 → mean moving range 2.10042 → σ_z = 1.86207,
    # limits 0.15 ± 3·0.0357071·1.86207 = (0, 0.349468).
    chart = control_chart([10, 20, 15], [100, 100, 100], chart="laney")
    assert chart.phases[0].sigma_z == pytest.approx(1.86207, abs=1e-5)
    assert chart.points[0].upper_limit == pytest.approx(0.349468, abs=1e-6)
    assert chart.points[0].lower_limit == 0.0


def test_it_widens_laney_limits_for_overdispersed_nhs_data() -> None:
    # Mohammed et al. 2013 (and Anhøj, "SPC for Health Care", figures 13.1–13.3): with weekly
    # subgroups of ~280,000 the p chart puts most weeks outside its limits; the P′ chart shows
    # common-cause variation only, with limits very close to the individuals chart's.
    p_chart = control_chart(SEEN_IN_4H, ATTENDANCES)
    assert sum(p.outside_limits for p in p_chart.points) >= 10
    laney = control_chart(SEEN_IN_4H, ATTENDANCES, chart="laney")
    assert not any(p.outside_limits for p in laney.points)
    assert laney.phases[0].sigma_z is not None and laney.phases[0].sigma_z > 5
    proportions = [r / n for r, n in zip(SEEN_IN_4H, ATTENDANCES, strict=True)]
    mean_mr = statistics.fmean(abs(b - a) for a, b in itertools.pairwise(proportions))
    i_chart_ucl = statistics.fmean(proportions) + 3 * mean_mr / 1.128
    assert max(p.upper_limit or 0 for p in laney.points) == pytest.approx(i_chart_ucl, abs=1e-3)


def test_it_draws_a_run_chart_around_the_median_without_limits() -> None:
    chart = control_chart(ORANGE_JUICE, [50] * 30, chart="run")
    assert chart.phases[0].center_line == pytest.approx(statistics.median(ORANGE_JUICE) / 50)
    assert all(p.lower_limit is None and p.upper_limit is None for p in chart.points)
    assert not any(p.outside_limits for p in chart.points)


def test_it_recomputes_centre_and_limits_for_each_phase() -> None:
    chart = control_chart(ORANGE_JUICE, [50] * 30, phase_starts=[15])
    first, second = chart.phases
    assert (first.start, first.end, second.start, second.end) == (0, 15, 15, 30)
    assert first.center_line == pytest.approx(sum(ORANGE_JUICE[:15]) / 750)
    assert second.center_line == pytest.approx(sum(ORANGE_JUICE[15:]) / 750)
    assert chart.points[20].center_line == second.center_line
    assert [p.phase for p in chart.points] == [0] * 15 + [1] * 15
    # The top-level runs analysis is the last phase's.
    assert chart.runs == second.runs
    # Period 26 (12/50) sits exactly on the second centre line, 180/750 = 0.24.
    assert chart.runs.useful_observations == 14


def test_it_freezes_baseline_limits_and_extends_them() -> None:
    chart = control_chart(ORANGE_JUICE, [50] * 30, baseline=10)
    centre = sum(ORANGE_JUICE[:10]) / 500
    assert all(p.center_line == pytest.approx(centre) for p in chart.points)
    assert len({p.upper_limit for p in chart.points}) == 1
    assert [p.used_for_limits for p in chart.points] == [True] * 10 + [False] * 20
    assert chart.phases[0].frozen
    # The runs analysis covers every point against the frozen centre line.
    assert chart.runs.useful_observations == 30


def test_it_freezes_only_the_first_phase() -> None:
    chart = control_chart(ORANGE_JUICE, [50] * 30, baseline=5, phase_starts=[15])
    assert chart.points[14].center_line == pytest.approx(sum(ORANGE_JUICE[:5]) / 250)
    assert chart.points[15].center_line == pytest.approx(sum(ORANGE_JUICE[15:]) / 750)


def test_it_refuses_a_baseline_longer_than_the_first_phase() -> None:
    with pytest.raises(ValueError, match="phase 2 starts at point 11"):
        control_chart(ORANGE_JUICE, [50] * 30, baseline=12, phase_starts=[10])
    with pytest.raises(ValueError, match="the chart has 30 points"):
        control_chart(ORANGE_JUICE, [50] * 30, baseline=31)


def test_it_refuses_a_phase_with_every_point_excluded() -> None:
    with pytest.raises(ValueError, match="every point is excluded"):
        control_chart([1, 2, 3, 4], [10] * 4, phase_starts=[2], exclude=[2, 3])


def test_it_treats_a_point_exactly_on_the_centre_line_as_not_useful() -> None:
    # 5/50, 10/50, 15/50: p̄ = 30/150 = 10/50 exactly.
    chart = control_chart([5, 10, 15], [50, 50, 50])
    assert chart.runs.useful_observations == 2


def test_it_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="larger than the denominator"):
        control_chart([5, 60], [50, 50])
    with pytest.raises(ValueError, match="at least 1"):
        control_chart([0], [0])


def test_it_needs_two_points_for_laney_sigma_z() -> None:
    with pytest.raises(ValueError, match="at least two points"):
        control_chart([3], [10], chart="laney")


@st.composite
def subgroups(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    sizes = draw(st.lists(st.integers(1, 500), min_size=2, max_size=40))
    counts = [draw(st.integers(0, n)) for n in sizes]
    return counts, sizes


@given(data=subgroups(), chart=st.sampled_from(["p", "laney"]))
def test_it_keeps_limits_within_zero_and_one(data: tuple[list[int], list[int]], chart: str) -> None:
    counts, sizes = data
    result = control_chart(counts, sizes, chart=chart)  # type: ignore[arg-type]
    for point in result.points:
        assert point.lower_limit is not None and point.upper_limit is not None
        assert 0.0 <= point.lower_limit <= point.center_line <= point.upper_limit <= 1.0
        assert point.outside_limits == (
            not point.lower_limit <= point.proportion <= point.upper_limit
        )
