"""Difference-in-differences of a 0/1 outcome, trained against not-yet-trained clinicians.

Simulated with the same "common shock" model as test_clustered: each clinician draws one
uniform number u, each session uses u with probability `shock` (a fresh uniform otherwise) and
has the outcome when that number is below its cell's probability. Every cell's probability is
then exactly the planted one, so the planted interaction odds ratio and percentage-point DiD
are the population-averaged figures the GEE models estimate.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.genmod.generalized_estimating_equations import GEE

from between.stats import clustered
from between.stats.did import CAVEAT, difference_in_differences

Row = tuple[int, int, int, int]
Cells = dict[tuple[int, int], float]  # (treated, after) -> probability of the outcome


def simulate(
    seed: int, cells: Cells, *, clinicians: int = 60, sessions: int = 24, shock: float = 0.3
) -> list[Row]:
    """Half the clinicians trained; each has `sessions` sessions, half before and half after."""
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    for clinician in range(clinicians):
        treated = clinician % 2
        u = rng.random()
        for session in range(sessions):
            after = session % 2
            draw = u if rng.random() < shock else rng.random()
            rows.append((clinician, treated, after, int(draw < cells[treated, after])))
    return rows


def odds(p: float) -> float:
    return p / (1 - p)


def planted(cells: Cells) -> tuple[float, float]:
    """(interaction odds ratio, DiD in percentage points) of the cell probabilities."""
    ratio = (odds(cells[1, 1]) / odds(cells[1, 0])) / (odds(cells[0, 1]) / odds(cells[0, 0]))
    points = 100 * ((cells[1, 1] - cells[1, 0]) - (cells[0, 1] - cells[0, 0]))
    return ratio, points


EFFECT: Cells = {(0, 0): 0.30, (0, 1): 0.35, (1, 0): 0.30, (1, 1): 0.60}  # OR 2.79, +25 pp
NO_EFFECT: Cells = {(0, 0): 0.30, (0, 1): 0.40, (1, 0): 0.30, (1, 1): 0.40}  # OR 1, 0 pp


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_it_recovers_a_planted_interaction(seed: int) -> None:
    # Checked over seeds 0–19: the odds-ratio interval covered the planted value in 19, the
    # percentage-point one in 18, and both excluded "no effect" in all 20.
    ratio, points = planted(EFFECT)
    assert ratio == pytest.approx(2.7857, abs=1e-4) and points == pytest.approx(25)
    result = difference_in_differences(simulate(seed, EFFECT))
    assert result.estimable and result.reason is None
    logistic, linear = result.logistic, result.linear
    assert logistic.ci_low is not None and logistic.ci_high is not None
    assert logistic.ci_low <= ratio <= logistic.ci_high and logistic.ci_low > 1
    assert linear.ci_low is not None and linear.ci_high is not None
    assert linear.ci_low <= points <= linear.ci_high and linear.ci_low > 0
    assert result.raw_did_pp is not None and result.raw_did_pp > 0
    assert (result.n_clusters, result.n_treated_clusters, result.n_control_clusters) == (60, 30, 30)
    assert result.treated_after.n == 360 and result.treated_after.n_clusters == 30


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_with_no_planted_effect_it_finds_nothing(seed: int) -> None:
    # Seeds 0–19: the odds-ratio interval covered 1 in 18, the linear one covered 0 in 19.
    result = difference_in_differences(simulate(seed, NO_EFFECT))
    logistic, linear = result.logistic, result.linear
    assert logistic.ci_low is not None and logistic.ci_high is not None
    assert logistic.ci_low <= 1 <= logistic.ci_high
    assert linear.ci_low is not None and linear.ci_high is not None
    assert linear.ci_low <= 0 <= linear.ci_high
    assert logistic.p_value is not None and logistic.p_value > 0.05


def test_the_cells_and_raw_did_match_a_hand_count() -> None:
    rows = simulate(5, EFFECT)
    result = difference_in_differences(rows)
    rate: dict[tuple[int, int], float] = {}
    for t in (0, 1):
        for a in (0, 1):
            outcomes = [y for _, tt, aa, y in rows if (tt, aa) == (t, a)]
            rate[t, a] = sum(outcomes) / len(outcomes)
    assert result.control_before.rate == rate[0, 0]
    assert result.control_after.rate == rate[0, 1]
    assert result.treated_before.rate == rate[1, 0]
    assert result.treated_after.rate == rate[1, 1]
    expected = 100 * ((rate[1, 1] - rate[1, 0]) - (rate[0, 1] - rate[0, 0]))
    assert result.raw_did_pp == pytest.approx(expected)
    # Same sessions per clinician in every cell: the linear GEE reproduces the raw DiD.
    assert result.linear.estimate == pytest.approx(expected, abs=1e-6)


def test_one_session_per_cluster_gives_the_saturated_model_figures() -> None:
    # Each session its own cluster, counts (events/n): untrained 30/100 → 40/100,
    # trained 20/100 → 50/100. The logistic interaction is then the ratio of the two sample
    # odds ratios and its robust variance Woolf's sum over the eight cells.
    spec = {(0, 0): 30, (0, 1): 40, (1, 0): 20, (1, 1): 50}
    rows: list[Row] = []
    for (t, a), events in spec.items():
        rows += [(len(rows) + i, t, a, int(i < events)) for i in range(100)]
    result = difference_in_differences(rows)
    ratio = (50 * 80 / (50 * 20)) / (40 * 70 / (60 * 30))
    assert result.logistic.estimate == pytest.approx(ratio, rel=1e-6)
    woolf = sum(1 / e + 1 / (100 - e) for e in spec.values())
    assert result.logistic.std_error == pytest.approx(math.sqrt(woolf), rel=1e-4)
    assert result.raw_did_pp == pytest.approx(20)
    assert result.linear.estimate == pytest.approx(20, abs=1e-8)
    # Robust (HC0) variance of a difference of four proportions: Σ p(1 − p)/n (not in points).
    hc0 = sum((e / 100) * (1 - e / 100) / 100 for e in spec.values())
    assert result.linear.std_error == pytest.approx(math.sqrt(hc0), rel=1e-4)


def test_it_carries_the_observational_caveat() -> None:
    result = difference_in_differences(simulate(6, EFFECT, clinicians=10))
    assert result.caveat == CAVEAT
    assert "observational" in CAVEAT and "parallel-trends" in CAVEAT and "chose" in CAVEAT
    assert any("only 10 clusters" in note for note in result.notes)


# --- degenerate input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no rows"),
        ([(1, 0, 0, 1), (1, 2, 0, 1)], "row 2: treated must be 0 or 1"),
        ([(1, 0, 0.5, 1)], "row 1: after must be 0 or 1"),
        ([(1, 0, 0, None)], "row 1: the outcome must be 0 or 1"),
        ([(1, 0, 0)], "row 1: expected"),
    ],
)
def test_it_refuses_malformed_rows(rows: list[tuple[object, ...]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        difference_in_differences(rows)


def test_an_empty_cell_is_not_estimable() -> None:
    rows = [r for r in simulate(7, EFFECT, clinicians=6) if (r[1], r[2]) != (1, 1)]
    result = difference_in_differences(rows)
    assert not result.estimable and result.raw_did_pp is None
    assert result.reason is not None
    assert "there are no sessions for trained clinicians after" in result.reason
    assert result.treated_after.n == 0 and result.treated_after.rate is None
    assert result.logistic.estimate is None and result.linear.estimate is None


def test_identical_outcomes_are_not_estimable() -> None:
    rows = [(c, c % 2, a, 0) for c in range(6) for a in (0, 1)]
    result = difference_in_differences(rows)
    assert not result.estimable
    assert result.reason is not None and "same outcome" in result.reason
    assert result.raw_did_pp == 0


def test_a_single_cluster_is_not_estimable() -> None:
    rows = [(1, t, a, y) for t in (0, 1) for a in (0, 1) for y in (0, 1)]
    result = difference_in_differences(rows)
    assert not result.estimable
    assert result.reason is not None and "single cluster" in result.reason
    assert "1 clinicians have sessions in both" in result.notes[0]


def test_separation_stops_the_logistic_model_but_not_the_linear_one() -> None:
    rows = [r for r in simulate(8, EFFECT, clinicians=20)]
    rows = [(c, t, a, 1 if (t, a) == (1, 1) else y) for c, t, a, y in rows]
    result = difference_in_differences(rows)
    assert result.estimable
    assert not result.logistic.estimable and result.logistic.estimate is None
    assert result.logistic.reason is not None
    assert "every session of trained clinicians after" in result.logistic.reason
    assert "perfect separation" in result.logistic.reason
    assert result.linear.estimable and result.linear.estimate is not None


class StubbornGEE(GEE):
    """statsmodels' own GEE with a convergence tolerance no fit can meet."""

    def fit(self, *args: object, **kwargs: object) -> object:
        return super().fit(*args, **{**kwargs, "ctol": 0.0, "maxiter": 5})


def test_non_convergence_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clustered, "GEE", StubbornGEE)
    result = difference_in_differences(simulate(9, EFFECT, clinicians=10, sessions=8))
    assert not result.estimable
    assert result.reason is not None and "did not converge" in result.reason
    assert not result.logistic.converged and not result.linear.converged
    assert result.raw_did_pp is not None  # the descriptive figures survive
