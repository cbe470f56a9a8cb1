"""GEE comparison of baseline and remeasurement with sessions clustered by clinician.

The simulated data use a "common shock" model, so the planted odds ratio is exactly the
population-averaged one GEE estimates: each clinician draws one uniform number u; each session
uses u with probability `shock` and a fresh uniform otherwise, and has the outcome when that
number is below the period's probability. Every session's outcome probability is then exactly
p0 or p1, and two sessions of one clinician in the same period correlate by shock².
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from statsmodels.genmod.generalized_estimating_equations import GEE

from between.stats import clustered
from between.stats.clustered import clustered_comparison
from between.stats.proportions import compare_proportions

Row = tuple[str, int, int]


def simulate(
    seed: int,
    *,
    p0: float = 0.35,
    p1: float = 0.55,
    clinicians: int = 40,
    sessions: int = 20,
    shock: float = 0.6,
    turnover: bool = False,
) -> list[Row]:
    """`sessions` per clinician, half in each period unless `turnover`, when each clinician's
    share of remeasurement sessions is drawn between 10% and 90% (caseloads change)."""
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    for clinician in range(clinicians):
        u = rng.random()
        share = rng.uniform(0.1, 0.9)
        for session in range(sessions):
            period = int(rng.random() < share) if turnover else session % 2
            p = p1 if period else p0
            draw = u if rng.random() < shock else rng.random()
            rows.append((f"clinician {clinician}", period, int(draw < p)))
    return rows


def odds(p: float) -> float:
    return p / (1 - p)


PLANTED_OR = odds(0.55) / odds(0.35)  # 2.27


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_recovers_a_planted_odds_ratio(seed: int) -> None:
    # Checked over seeds 0–19: the interval covered 2.27 in 19 and excluded 1 in 19.
    result = clustered_comparison(simulate(seed))
    assert result.estimable and result.converged
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low <= PLANTED_OR <= result.ci_high
    assert result.ci_low > 1
    assert result.p_value is not None and result.p_value < 0.05
    assert (result.n_clusters, result.n_observations) == (40, 800)
    assert result.confidence == 0.95


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_no_planted_effect_the_interval_covers_one(seed: int) -> None:
    result = clustered_comparison(simulate(seed, p0=0.45, p1=0.45))
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low <= 1 <= result.ci_high


def test_with_a_high_icc_the_clustered_interval_is_wider_than_the_naive_one() -> None:
    result = clustered_comparison(simulate(4, shock=0.9, turnover=True))
    assert result.within_cluster_correlation is not None
    assert result.within_cluster_correlation > 0.3
    assert result.design_effect is not None and result.design_effect > 2
    assert result.ci_low is not None and result.ci_high is not None
    assert result.naive_ci_low is not None and result.naive_ci_high is not None
    assert result.ci_high / result.ci_low > result.naive_ci_high / result.naive_ci_low


def test_without_clustering_the_design_effect_is_near_one() -> None:
    result = clustered_comparison(simulate(4, shock=0.0, turnover=True))
    assert result.within_cluster_correlation is not None
    assert abs(result.within_cluster_correlation) < 0.05
    assert result.design_effect == pytest.approx(1, abs=0.2)


def test_the_naive_odds_ratio_is_the_sample_cross_product_ratio() -> None:
    rows = simulate(5, turnover=True)
    result = clustered_comparison(rows)
    a = sum(1 for _, p, y in rows if p == 1 and y == 1)
    b = sum(1 for _, p, y in rows if p == 1 and y == 0)
    c = sum(1 for _, p, y in rows if p == 0 and y == 1)
    d = sum(1 for _, p, y in rows if p == 0 and y == 0)
    assert (result.remeasure_events, result.remeasure_n) == (a, a + b)
    assert (result.baseline_events, result.baseline_n) == (c, c + d)
    assert result.naive_odds_ratio == pytest.approx(a * d / (b * c), rel=1e-8)
    # Woolf's logit interval: log OR ± 1.96·sqrt(1/a + 1/b + 1/c + 1/d)
    half = NormalDist().inv_cdf(0.975) * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert result.naive_ci_low == pytest.approx(a * d / (b * c) * math.exp(-half), rel=1e-6)
    assert result.naive_ci_high == pytest.approx(a * d / (b * c) * math.exp(half), rel=1e-6)


def test_one_session_per_cluster_gives_ordinary_logistic_regression() -> None:
    # 60/100 remeasurement sessions against 40/100 baseline ones, every session its own
    # cluster: GEE has no correlation to use, so its odds ratio is the sample odds ratio and its
    # robust variance for this saturated model is Woolf's 1/a + 1/b + 1/c + 1/d.
    rows = [(f"s{i}", 1, int(i < 60)) for i in range(100)]
    rows += [(f"s{100 + i}", 0, int(i < 40)) for i in range(100)]
    result = clustered_comparison(rows)
    sample = compare_proportions(40, 100, 60, 100)
    assert sample.odds_ratio == pytest.approx(2.25)
    assert result.odds_ratio == pytest.approx(2.25, rel=1e-6)
    assert result.naive_odds_ratio == pytest.approx(2.25, rel=1e-8)
    assert result.design_effect == pytest.approx(1, rel=1e-4)
    half = NormalDist().inv_cdf(0.975) * math.sqrt(2 / 60 + 2 / 40)
    assert result.ci_low == pytest.approx(2.25 * math.exp(-half), rel=1e-4)
    assert result.ci_high == pytest.approx(2.25 * math.exp(half), rel=1e-4)
    assert result.p_value == pytest.approx(result.naive_p_value, rel=1e-3)


def test_a_smaller_alpha_widens_the_interval() -> None:
    rows = simulate(6)
    at_95, at_80 = clustered_comparison(rows), clustered_comparison(rows, alpha=0.2)
    assert at_80.confidence == pytest.approx(0.8)
    assert at_95.ci_low is not None and at_80.ci_low is not None
    assert at_95.ci_low < at_80.ci_low
    assert at_95.odds_ratio == at_80.odds_ratio


def test_it_notes_few_clusters() -> None:
    result = clustered_comparison(simulate(7, clinicians=8, shock=0.3))
    assert result.estimable
    assert any("only 8 clusters" in note for note in result.notes)


# --- degenerate input: a clear message, never a crash or a silent number --------------------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no rows"),
        ([("a", 0, 1), ("a", 2, 1)], "row 2: the period must be 0 or 1"),
        ([("a", 0, 1), ("a", 1, "yes")], "row 2: the outcome must be 0 or 1"),
        ([("a", 0)], "row 1: expected (cluster_id, period, outcome)"),
        ([(None, 0, 1)], "row 1: the cluster id is missing"),
    ],
)
def test_it_refuses_malformed_rows(rows: list[tuple[object, ...]], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        clustered_comparison(rows)


@pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1])
def test_it_refuses_an_impossible_alpha(alpha: float) -> None:
    with pytest.raises(ValueError, match="alpha"):
        clustered_comparison([("a", 0, 1)], alpha=alpha)


def degenerate(rows: list[Row], expected: str) -> None:
    result = clustered_comparison(rows)
    assert not result.estimable
    assert result.reason is not None and expected in result.reason
    assert result.odds_ratio is None and result.ci_low is None and result.p_value is None
    assert result.design_effect is None and not result.converged


def test_a_period_with_no_rows_is_not_estimable() -> None:
    degenerate([("a", 0, 1), ("b", 0, 0)], "no remeasurement (period 1) rows")


def test_identical_outcomes_are_not_estimable() -> None:
    degenerate([(c, p, 1) for c in "abc" for p in (0, 1)], "every session had the same outcome")


def test_a_single_cluster_is_not_estimable() -> None:
    degenerate([("a", p, y) for p in (0, 1) for y in (0, 1)], "single cluster")


def test_perfect_separation_is_not_estimable() -> None:
    rows = [(c, 0, 0) for c in "abcd"] + [(c, 1, y) for c in "abcd" for y in (0, 1)]
    degenerate(rows, "every baseline session had outcome 0")
    result = clustered_comparison(rows)
    assert result.naive_odds_ratio is None
    assert result.baseline_rate == 0.0 and result.remeasure_rate == 0.5


class StubbornGEE(GEE):
    """statsmodels' own GEE with a convergence tolerance no fit can meet."""

    def fit(self, *args: object, **kwargs: object) -> object:
        return super().fit(*args, **{**kwargs, "ctol": 0.0, "maxiter": 5})


def test_non_convergence_is_reported_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clustered, "GEE", StubbornGEE)
    result = clustered_comparison(simulate(8, clinicians=10, sessions=10))
    assert not result.estimable and not result.converged
    assert result.reason is not None and "did not converge" in result.reason
    assert result.odds_ratio is None
    assert result.naive_odds_ratio is not None  # the naive model does not depend on GEE
    assert any("Iteration limit" in note for note in result.notes)
