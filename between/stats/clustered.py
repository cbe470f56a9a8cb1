"""Baseline against remeasurement when sessions come in clusters (sessions within clinicians).

Sessions seen by the same clinician resemble each other: one clinician assigns homework in most
sessions, another in few. Counting every session as an independent observation (the naive
logistic model, or the two-proportion test) then overstates how much information the data hold,
and its confidence interval is too narrow. This module fits a GEE (generalised estimating
equations; Liang & Zeger 1986) logistic model of the outcome on the period with an exchangeable
working correlation within each cluster and robust ("sandwich") standard errors, which stay
valid whatever the true correlation, and puts the naive model's figures beside it.

The GEE odds ratio is population-averaged: it compares the share of all sessions with the
outcome in the two periods, the same question the naive odds ratio answers.

The module also holds the pieces `did` and `association` share: input checks, the GEE fit with
warnings captured, and `ModelEstimate`, one coefficient with its interval.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from statsmodels.genmod import cov_struct, families
from statsmodels.genmod.generalized_estimating_equations import GEE
from statsmodels.genmod.generalized_linear_model import GLM

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Family = Literal["binomial", "gaussian"]

# Iteration limit handed to statsmodels' GEE fit (its own default is 60).
GEE_MAXITER = 100

# Below this many clusters, sandwich standard errors are known to be too small (Mancl & DeRouen
# 2001); the result carries a note rather than a refusal, because small PIPs are common.
FEW_CLUSTERS = 20


def check_alpha(alpha: float) -> float:
    """Refuse a significance level outside (0, 1); return the matching confidence (1 − alpha)."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a number between 0 and 1, not {alpha!r}")
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must be between 0 and 1 (got {alpha})")
    return 1 - float(alpha)


def z_for(alpha: float) -> float:
    """The two-sided normal critical value: 1.96 for alpha = 0.05."""
    return NormalDist().inv_cdf(1 - alpha / 2)


def unpack(row: object, size: int, layout: str, line: int) -> tuple[Any, ...]:
    """Split one input row into its `size` fields, or say which row has the wrong shape."""
    if isinstance(row, str | bytes) or not isinstance(row, Sequence) or len(row) != size:
        raise ValueError(f"row {line}: expected {layout}, got {row!r}")
    return tuple(row)


def check_cluster(value: object, line: int) -> Hashable:
    """A cluster id may be any hashable value (a clinician's id or name) but not missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"row {line}: the cluster id is missing")
    if not isinstance(value, Hashable):
        raise TypeError(f"row {line}: the cluster id {value!r} cannot be used as an id")
    return value


def check_binary(value: object, what: str, line: int) -> int:
    """0/1 (or False/True) only: anything else is a coding mistake the caller should see."""
    if isinstance(value, numbers.Real) and value in (0, 1):
        return 1 if value == 1 else 0
    raise ValueError(f"row {line}: {what} must be 0 or 1, not {value!r}")


def cluster_codes(ids: Sequence[Hashable]) -> IntArray:
    """Number the clusters 0, 1, 2, … in order of first appearance (GEE wants them grouped)."""
    codes: dict[Hashable, int] = {}
    return np.array([codes.setdefault(i, len(codes)) for i in ids], dtype=np.int64)


@dataclass(frozen=True)
class GeeFit:
    """What a GEE fit gave: coefficients on the link scale (log odds for the binomial family,
    the outcome's own units for the gaussian one) with robust standard errors, or the problem
    that stopped it (`problem` is then a plain sentence and the arrays are empty)."""

    params: tuple[float, ...]
    std_errors: tuple[float, ...]
    converged: bool
    within_cluster_correlation: float | None
    problem: str | None
    warnings: tuple[str, ...]


def fit_gee(endog: FloatArray, exog: FloatArray, groups: IntArray, family: Family) -> GeeFit:
    """GEE with an exchangeable working correlation and robust (sandwich) standard errors.

    statsmodels' warnings are kept out of the caller's output and returned as text; a fit that
    did not converge, or whose estimates or standard errors are not finite, comes back with a
    `problem` instead of numbers.
    """
    chosen = families.Binomial() if family == "binomial" else families.Gaussian()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = GEE(
                endog, exog, groups=groups, family=chosen, cov_struct=cov_struct.Exchangeable()
            )
            result = model.fit(maxiter=GEE_MAXITER, cov_type="robust")
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
            return GeeFit((), (), False, None, f"the model could not be fitted ({error})", ())
    messages = tuple(dict.fromkeys(str(w.message) for w in caught))
    if result is None:  # statsmodels gives up (with a warning) on a singular covariance
        problem = "the model could not be fitted: " + ("; ".join(messages) or "no result")
        return GeeFit((), (), False, None, problem, messages)
    if any("singular matrix" in m.lower() for m in messages):
        # statsmodels stops iterating on a singular update yet may still call it converged.
        problem = "the model could not be fitted: a singular matrix stopped the iterations"
        return GeeFit((), (), False, None, problem, messages)
    params = np.asarray(result.params, dtype=float)
    bse = np.asarray(result.bse, dtype=float)
    dependence = float(model.cov_struct.dep_params)
    correlation = dependence if math.isfinite(dependence) else None
    converged = bool(getattr(result, "converged", True))
    if not converged:
        problem = (
            f"the model did not converge within {GEE_MAXITER} iterations, "
            "so its estimates cannot be trusted"
        )
        return GeeFit((), (), False, correlation, problem, messages)
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(bse)) and np.all(bse > 0)):
        problem = "the model gave no finite estimate or standard error (check the data)"
        return GeeFit((), (), True, correlation, problem, messages)
    return GeeFit(
        tuple(float(p) for p in params),
        tuple(float(s) for s in bse),
        True,
        correlation,
        None,
        messages,
    )


@dataclass(frozen=True)
class ModelEstimate:
    """One coefficient from one model, with its Wald confidence interval.

    - estimate: the figure on the scale its field name says (an odds ratio, percentage points…)
    - ci_low, ci_high: the (1 − alpha) confidence interval on the same scale
    - p_value: two-sided Wald p value for "no effect" (odds ratio 1, difference 0)
    - std_error: the robust standard error on the model's own scale (log odds for a logistic
      model, the outcome's units for a linear one)
    - within_cluster_correlation: the model's estimate of how alike two observations from the
      same cluster are (0 = no more alike than any two; 1 = identical)
    - estimable False means every figure is None and `reason` says why in plain words
    """

    estimable: bool
    reason: str | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    std_error: float | None
    converged: bool
    within_cluster_correlation: float | None


def not_estimable(reason: str, *, converged: bool = False) -> ModelEstimate:
    return ModelEstimate(False, reason, None, None, None, None, None, converged, None)


def wald(estimate: float, std_error: float, alpha: float) -> tuple[float, float, float]:
    """(low, high, two-sided p) of a normal Wald interval and test on the link scale."""
    z = z_for(alpha)
    p_value = 2 * NormalDist().cdf(-abs(estimate / std_error))
    return estimate - z * std_error, estimate + z * std_error, p_value


def coefficient(
    fit: GeeFit, index: int, alpha: float, *, exponentiate: bool = False, scale: float = 1.0
) -> ModelEstimate:
    """Coefficient `index` of a fit as a ModelEstimate: exp() for odds ratios, or times `scale`
    (100 turns a difference in proportions into percentage points)."""
    if fit.problem is not None:
        return not_estimable(fit.problem, converged=fit.converged)
    beta, se = fit.params[index], fit.std_errors[index]
    low, high, p_value = wald(beta, se, alpha)
    if exponentiate:
        estimate, low, high = math.exp(beta), math.exp(low), math.exp(high)
    else:
        estimate, low, high = beta * scale, low * scale, high * scale
    return ModelEstimate(
        True, None, estimate, low, high, p_value, se, True, fit.within_cluster_correlation
    )


def few_clusters_note(n_clusters: int) -> str | None:
    if n_clusters >= FEW_CLUSTERS:
        return None
    return (
        f"only {n_clusters} clusters: robust (sandwich) standard errors are too small when "
        f"there are fewer than about {FEW_CLUSTERS} clusters, so read the clustered interval "
        "as probably too narrow"
    )


@dataclass(frozen=True)
class ClusteredComparison:
    """Remeasurement (period 1) against baseline (period 0), with sessions clustered.

    - odds_ratio, ci_low, ci_high, p_value: the GEE logistic model's population-averaged odds
      ratio for remeasurement against baseline, its (1 − alpha) interval and Wald p value, all
      allowing for sessions of one clinician being alike
    - within_cluster_correlation: GEE's estimate of how alike two sessions of one clinician are
      (0 = no more alike than any two sessions)
    - naive_*: the same odds ratio from ordinary logistic regression, which treats every
      session as independent; it is the sample odds ratio (a·d)/(b·c) of the 2×2 table
    - design_effect: (clustered standard error / naive standard error)², how many times the
      naive analysis understates the variance; above 1 the naive interval is too narrow. It can
      be below 1 when most clinicians contribute to both periods, because comparing each
      clinician with themselves removes their differences.
    - estimable False: the clustered figures are None and `reason` says why; the naive figures
      are still given when the 2×2 table allows them
    - converged: whether the GEE fit converged (False also when it was not attempted)
    """

    estimable: bool
    reason: str | None
    n_observations: int
    n_clusters: int
    baseline_events: int
    baseline_n: int
    remeasure_events: int
    remeasure_n: int
    baseline_rate: float | None
    remeasure_rate: float | None
    odds_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    within_cluster_correlation: float | None
    naive_odds_ratio: float | None
    naive_ci_low: float | None
    naive_ci_high: float | None
    naive_p_value: float | None
    design_effect: float | None
    converged: bool
    confidence: float
    notes: tuple[str, ...]


def _naive_logistic(
    outcome: FloatArray, exog: FloatArray, alpha: float
) -> tuple[float, float, float, float, float] | None:
    """Ordinary logistic regression on the period: (OR, low, high, p, SE of log OR)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = GLM(outcome, exog, family=families.Binomial()).fit()
    beta, se = float(result.params[1]), float(result.bse[1])
    if not (math.isfinite(beta) and math.isfinite(se) and se > 0):
        return None
    low, high, p_value = wald(beta, se, alpha)
    return math.exp(beta), math.exp(low), math.exp(high), p_value, se


def clustered_comparison(
    rows: Iterable[Sequence[object]], *, alpha: float = 0.05
) -> ClusteredComparison:
    """Compare the remeasurement period with baseline when sessions are clustered by clinician.

    `rows` are (cluster_id, period, outcome): period 0 = baseline, 1 = remeasurement; outcome
    0/1 (for example, whether the session had homework assigned). Malformed rows raise
    ValueError naming the row; data that cannot support the model (no rows in a period, every
    outcome the same, a single cluster, a period where every outcome is the same, a fit that
    does not converge) give a result with estimable=False and the reason.
    """
    confidence = check_alpha(alpha)
    clusters: list[Hashable] = []
    periods: list[int] = []
    outcomes: list[int] = []
    layout = "(cluster_id, period, outcome)"
    for line, row in enumerate(rows, start=1):
        cluster, period, outcome = unpack(row, 3, layout, line)
        clusters.append(check_cluster(cluster, line))
        periods.append(check_binary(period, "the period", line))
        outcomes.append(check_binary(outcome, "the outcome", line))
    if not outcomes:
        raise ValueError("there are no rows to analyse")

    n = len(outcomes)
    groups = cluster_codes(clusters)
    n_clusters = int(groups.max()) + 1
    period_array = np.array(periods, dtype=float)
    outcome_array = np.array(outcomes, dtype=float)
    counts = {
        (p, y): sum(1 for pp, yy in zip(periods, outcomes, strict=True) if (pp, yy) == (p, y))
        for p in (0, 1)
        for y in (0, 1)
    }
    baseline_n, remeasure_n = counts[0, 0] + counts[0, 1], counts[1, 0] + counts[1, 1]

    notes: list[str] = []
    reason: str | None = None
    if baseline_n == 0 or remeasure_n == 0:
        missing = "baseline (period 0)" if baseline_n == 0 else "remeasurement (period 1)"
        reason = f"there are no {missing} rows, so there is nothing to compare"
    elif len(set(outcomes)) == 1:
        reason = (
            f"every session had the same outcome ({outcomes[0]}), so there is no variation to model"
        )
    elif n_clusters < 2:
        reason = (
            "all rows come from a single cluster; a clustered analysis needs at least two "
            "(and preferably 20 or more)"
        )
    else:
        for p, label in ((0, "baseline"), (1, "remeasurement")):
            for y in (0, 1):
                if counts[p, y] == 0:
                    reason = (
                        f"every {label} session had outcome {1 - y}, so the odds ratio is "
                        "zero or infinite (perfect separation) and cannot be estimated"
                    )
                    break
            if reason is not None:
                break

    naive: tuple[float, float, float, float, float] | None = None
    exog = np.column_stack([np.ones(n), period_array])
    if reason is None:
        naive = _naive_logistic(outcome_array, exog, alpha)

    estimate = not_estimable(reason) if reason is not None else None
    if estimate is None:
        fit = fit_gee(outcome_array, exog, groups, "binomial")
        estimate = coefficient(fit, 1, alpha, exponentiate=True)
        if fit.warnings:
            notes.append("statsmodels warned: " + "; ".join(fit.warnings))
        note = few_clusters_note(n_clusters)
        if note is not None:
            notes.append(note)

    design_effect: float | None = None
    if estimate.estimable and naive is not None and estimate.std_error is not None:
        design_effect = (estimate.std_error / naive[4]) ** 2
        if design_effect < 1:
            notes.append(
                "the clustered interval is narrower than the naive one, usually because "
                "clinicians contribute sessions to both periods, so part of the comparison is "
                "within each clinician"
            )
    # Each cluster has one or two (cluster, period) pairs; those with one are in one period only.
    single_period = 2 * n_clusters - len(set(zip(groups.tolist(), periods, strict=True)))
    if estimate.estimable and single_period:
        notes.append(f"{single_period} of {n_clusters} clusters have sessions in one period only")

    return ClusteredComparison(
        estimable=estimate.estimable,
        reason=estimate.reason,
        n_observations=n,
        n_clusters=n_clusters,
        baseline_events=counts[0, 1],
        baseline_n=baseline_n,
        remeasure_events=counts[1, 1],
        remeasure_n=remeasure_n,
        baseline_rate=counts[0, 1] / baseline_n if baseline_n else None,
        remeasure_rate=counts[1, 1] / remeasure_n if remeasure_n else None,
        odds_ratio=estimate.estimate,
        ci_low=estimate.ci_low,
        ci_high=estimate.ci_high,
        p_value=estimate.p_value,
        within_cluster_correlation=estimate.within_cluster_correlation,
        naive_odds_ratio=naive[0] if naive else None,
        naive_ci_low=naive[1] if naive else None,
        naive_ci_high=naive[2] if naive else None,
        naive_p_value=naive[3] if naive else None,
        design_effect=design_effect,
        converged=estimate.converged,
        confidence=confidence,
        notes=tuple(notes),
    )
