"""Do children whose therapy included more homework improve more?

Each row is one child (client): their clinician (the cluster), an outcome score at baseline and
at follow-up (for example the PSC-35 total, where lower is better), and their homework exposure
as a share between 0 and 1 (the share of sessions with homework, or the share completed).

The change (follow-up − baseline) is regressed on exposure, adjusting for the baseline score
(children who start worse have more room to improve, and regression to the mean pulls extreme
scores back), with children clustered by clinician:

- primary: GEE, gaussian family, exchangeable working correlation, robust standard errors;
- secondary: a linear mixed model with a random intercept per clinician (statsmodels MixedLM,
  REML), reported beside it; when it does not converge the result says so.

The exposure coefficient is reported per +0.5 (from no homework to homework in half the
sessions, a realistic contrast) and per +1.0 (from none to all). Both are in the score's own
points, on the scale of the change: negative numbers mean scores went down more. Whether that
is better depends on the instrument, so the plain-language summary takes `higher_is_better`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from statsmodels.regression.mixed_linear_model import MixedLM

from between.stats.clustered import (
    FloatArray,
    IntArray,
    ModelEstimate,
    check_alpha,
    check_cluster,
    cluster_codes,
    coefficient,
    few_clusters_note,
    fit_gee,
    not_estimable,
    unpack,
    wald,
)

DEFAULT_EXPOSURE_LABEL = "sessions with homework"
ADJUSTMENT = "after allowing for where they started and for clinicians' differences"


@dataclass(frozen=True)
class ExposureEffect:
    """The exposure coefficient from one model, on the change score's scale (in points).

    - per_half, per_half_ci_low, per_half_ci_high: extra change in the score for +0.5 exposure
      (50 percentage points more of sessions with homework) and its confidence interval
    - per_full, per_full_ci_low, per_full_ci_high: the same for +1.0 (none to all), i.e. twice
      the per-half figures
    - p_value: two-sided Wald p value for "no association" (the same for both steps)
    - baseline_coefficient: change in the change score per point higher at baseline (usually
      negative: regression to the mean and more room to improve)
    - within_cluster_correlation: how alike children of one clinician are after the adjustment
      (GEE: working correlation; mixed model: between-clinician share of the residual variance)
    - estimable False: the figures are None and `reason` says why; converged says whether the
      fit converged (False also when it was not attempted)
    """

    model: str
    estimable: bool
    reason: str | None
    converged: bool
    per_half: float | None
    per_half_ci_low: float | None
    per_half_ci_high: float | None
    per_full: float | None
    per_full_ci_low: float | None
    per_full_ci_high: float | None
    p_value: float | None
    baseline_coefficient: float | None
    within_cluster_correlation: float | None


GEE_MODEL = "GEE, gaussian, exchangeable correlation within clinician, robust standard errors"
MIXED_MODEL = "linear mixed model, random intercept per clinician (REML)"


def _effect(model: str, exposure: ModelEstimate, baseline: float | None) -> ExposureEffect:
    if not exposure.estimable or exposure.estimate is None:
        return ExposureEffect(
            model=model,
            estimable=False,
            reason=exposure.reason,
            converged=exposure.converged,
            per_half=None,
            per_half_ci_low=None,
            per_half_ci_high=None,
            per_full=None,
            per_full_ci_low=None,
            per_full_ci_high=None,
            p_value=None,
            baseline_coefficient=None,
            within_cluster_correlation=None,
        )
    low, high = exposure.ci_low, exposure.ci_high
    assert low is not None and high is not None
    return ExposureEffect(
        model=model,
        estimable=True,
        reason=None,
        converged=exposure.converged,
        per_half=exposure.estimate / 2,
        per_half_ci_low=low / 2,
        per_half_ci_high=high / 2,
        per_full=exposure.estimate,
        per_full_ci_low=low,
        per_full_ci_high=high,
        p_value=exposure.p_value,
        baseline_coefficient=baseline,
        within_cluster_correlation=exposure.within_cluster_correlation,
    )


@dataclass(frozen=True)
class AssociationResult:
    """How change in the outcome score relates to homework exposure, children within clinicians.

    - gee: the primary estimate; mixed: the secondary one (see ExposureEffect)
    - n_clients, n_clusters: children and clinicians in the analysis
    - n_excluded: rows left out for a missing baseline, follow-up or exposure
    - mean_baseline, mean_change, mean_exposure: plain descriptive figures of the analysed rows
    - estimable: whether the primary (GEE) estimate exists; `reason` says why not
    - plain_summary: one sentence for a report, with direction words set by higher_is_better
    - limitations: plain statements of what this analysis cannot show
    """

    n_clients: int
    n_clusters: int
    n_excluded: int
    higher_is_better: bool
    mean_baseline: float | None
    mean_change: float | None
    mean_exposure: float | None
    gee: ExposureEffect
    mixed: ExposureEffect
    estimable: bool
    reason: str | None
    confidence: float
    plain_summary: str
    limitations: tuple[str, ...]
    notes: tuple[str, ...]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: object, what: str, line: int) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"row {line}: {what} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"row {line}: {what} must be a finite number, not {value!r}")
    return number


def _fit_mixed(
    change: FloatArray, exog: FloatArray, groups: IntArray, alpha: float
) -> tuple[ModelEstimate, float | None, list[str]]:
    """Random-intercept model; (exposure estimate, baseline coefficient, notes)."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # Powell then L-BFGS: statsmodels' default sequence (BFGS, L-BFGS, CG) fails on
            # about one simulated PIP data set in fifteen, this one on none of a hundred, and
            # never reaches a lower likelihood.
            result = MixedLM(change, exog, groups=groups).fit(reml=True, method=["powell", "lbfgs"])
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
            reason = f"the mixed model could not be fitted ({error})"
            return not_estimable(reason), None, notes
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    # statsmodels retries other optimisers after a failure and says so in warnings; only the
    # final verdict counts.
    if not bool(getattr(result, "converged", False)):
        reason = "the mixed model did not converge, so it gives no estimate; rely on the GEE one"
        return not_estimable(reason), None, notes
    if any("hessian" in m.lower() for m in messages):
        reason = (
            "the mixed model stopped where its curvature is not that of a maximum (the Hessian "
            "is not positive definite), so its standard errors cannot be trusted"
        )
        return not_estimable(reason, converged=True), None, notes
    if any("boundary" in m.lower() for m in messages):
        notes.append(
            "the mixed model put the between-clinician variance at (or near) zero: "
            "clinicians differ no more than chance would make them"
        )
    beta = float(result.fe_params[1])
    se = float(result.bse_fe[1])
    if not (math.isfinite(beta) and math.isfinite(se) and se > 0):
        return not_estimable("the mixed model gave no finite standard error"), None, notes
    low, high, p_value = wald(beta, se, alpha)
    between = float(np.asarray(result.cov_re)[0, 0])
    within = float(result.scale)
    icc = between / (between + within) if between + within > 0 else None
    estimate = ModelEstimate(True, None, beta, low, high, p_value, se, True, icc)
    return estimate, float(result.fe_params[2]), notes


def _ci_text(low: float, high: float) -> str:
    return f"{low:.1f} to {high:.1f}".replace("-", "−")


def plain_summary(
    effect: ExposureEffect,
    *,
    higher_is_better: bool,
    confidence: float,
    exposure_label: str = DEFAULT_EXPOSURE_LABEL,
) -> str:
    """One plain-English sentence about the per-half estimate, improvement always positive."""
    if not effect.estimable:
        return f"The association could not be estimated: {effect.reason}."
    assert effect.per_half is not None
    assert effect.per_half_ci_low is not None and effect.per_half_ci_high is not None
    sign = 1.0 if higher_is_better else -1.0
    # Improvement per +0.5 exposure: positive = better, whichever way the score runs.
    better = sign * effect.per_half
    low, high = sorted((sign * effect.per_half_ci_low, sign * effect.per_half_ci_high))
    level = f"{confidence * 100:g}% CI"
    step = f"per 50 percentage points of {exposure_label}"
    if exposure_label == DEFAULT_EXPOSURE_LABEL:
        who = "Children whose sessions more often included homework"
    else:
        who = f"Children with a higher share of {exposure_label}"
    if low <= 0 <= high:
        more, low, high = ("more", low, high) if better >= 0 else ("less", -high, -low)
        return (
            f"No clear association was found between {exposure_label} and children's "
            f"improvement: the estimate was {abs(better):.1f} points {more} improvement {step} "
            f"({level} {_ci_text(low, high)}, which includes no difference), {ADJUSTMENT}."
        )
    if better > 0:
        return (
            f"{who} improved by {better:.1f} points more {step} ({level} "
            f"{_ci_text(low, high)}), {ADJUSTMENT}."
        )
    return (
        f"{who} improved by {-better:.1f} points less {step} ({level} "
        f"{_ci_text(-high, -low)}), {ADJUSTMENT}."
    )


def _limitations(n_excluded: int, n_rows: int) -> tuple[str, ...]:
    missing = (
        f"{n_excluded} of {n_rows} children had no follow-up score (or no baseline or exposure) "
        "and are left out; if those who dropped out differ in how they were doing, the "
        "estimate is biased."
        if n_excluded
        else "Children without a follow-up score are not in these data at all; if those who "
        "dropped out differ in how they were doing, the estimate is biased."
    )
    return (
        "Observational: how much homework each child had was not randomly assigned, so this "
        "shows an association, not that homework caused the change.",
        "Confounding: children who are less severely affected, or families who are more "
        "engaged, may both do more homework and improve more; adjusting for the baseline "
        "score removes only the part of this the baseline score captures.",
        "Measurement: the scores are questionnaires with measurement error (so some change is "
        "noise and regression to the mean), and exposure depends on homework being recorded "
        "in every session.",
        "Missing follow-ups: " + missing[0].lower() + missing[1:],
    )


def homework_outcome_association(
    rows: Iterable[Sequence[object]],
    *,
    higher_is_better: bool,
    alpha: float = 0.05,
    exposure_label: str = DEFAULT_EXPOSURE_LABEL,
) -> AssociationResult:
    """Association between homework exposure and change in an outcome score.

    `rows` are (cluster_id, baseline_score, followup_score, exposure) with exposure a share in
    [0, 1]. A missing (None or NaN) score or exposure leaves the row out and is counted in
    n_excluded. `higher_is_better` says which way the score runs (False for the PSC-35, where
    lower is better); it changes only the words of `plain_summary`, never the numbers.
    `exposure_label` names the exposure in the summary ("homework completed", …).

    Malformed rows raise ValueError naming the row. Data that cannot support the model (fewer
    than five children, a single clinician, the same exposure or the same baseline score for
    everyone, exposure fully determined by baseline, or no variation left after the
    adjustment) give estimable=False with the reason.
    """
    confidence = check_alpha(alpha)
    if not isinstance(higher_is_better, bool):
        raise TypeError(f"higher_is_better must be True or False, not {higher_is_better!r}")
    layout = "(cluster_id, baseline_score, followup_score, exposure)"
    clusters: list[Hashable] = []
    baselines: list[float] = []
    changes: list[float] = []
    exposures: list[float] = []
    n_rows = excluded = 0
    for line, row in enumerate(rows, start=1):
        cluster, baseline, followup, exposure = unpack(row, 4, layout, line)
        n_rows += 1
        cluster = check_cluster(cluster, line)
        if _missing(baseline) or _missing(followup) or _missing(exposure):
            excluded += 1
            continue
        share = _number(exposure, "the exposure", line)
        if not 0 <= share <= 1:
            raise ValueError(f"row {line}: the exposure is a share between 0 and 1, not {share}")
        start = _number(baseline, "the baseline score", line)
        clusters.append(cluster)
        baselines.append(start)
        changes.append(_number(followup, "the follow-up score", line) - start)
        exposures.append(share)
    if n_rows == 0:
        raise ValueError("there are no rows to analyse")

    n = len(changes)
    groups = cluster_codes(clusters)
    n_clusters = len(set(clusters))
    # The baseline is centred on its mean: the coefficients do not change, but the optimisers
    # (MixedLM's especially) converge far more reliably than with scores around 30 or 60.
    centred = np.array(baselines) - (float(np.mean(baselines)) if n else 0.0)
    exog = np.column_stack([np.ones(n), np.array(exposures), centred])
    change = np.array(changes, dtype=float)

    reason: str | None = None
    if n < 5:
        reason = f"only {n} children have both scores and an exposure; at least 5 are needed"
    elif n_clusters < 2:
        reason = "all children come from a single clinician; a clustered analysis needs two"
    elif len(set(exposures)) == 1:
        reason = f"every child had the same exposure ({exposures[0]:g}), so nothing to compare"
    elif len(set(baselines)) == 1:
        reason = "every child had the same baseline score, so it cannot be adjusted for"
    elif np.linalg.matrix_rank(exog) < 3:
        reason = "exposure is fully determined by the baseline score, so they cannot be separated"
    else:
        residual = change - exog @ np.linalg.lstsq(exog, change, rcond=None)[0]
        if float(np.max(np.abs(residual))) <= 1e-9 * max(1.0, float(np.max(np.abs(change)))):
            reason = (
                "exposure and baseline explain every change exactly, leaving no variation to "
                "judge uncertainty by (check the data)"
            )

    notes: list[str] = []
    if reason is not None:
        gee = _effect(GEE_MODEL, not_estimable(reason), None)
        mixed = _effect(MIXED_MODEL, not_estimable(reason), None)
    else:
        fit = fit_gee(change, exog, groups, "gaussian")
        if fit.warnings:
            notes.append("statsmodels warned (GEE): " + "; ".join(fit.warnings))
        baseline_beta = fit.params[2] if fit.problem is None else None
        gee = _effect(GEE_MODEL, coefficient(fit, 1, alpha), baseline_beta)
        mixed_estimate, mixed_baseline, mixed_notes = _fit_mixed(change, exog, groups, alpha)
        mixed = _effect(MIXED_MODEL, mixed_estimate, mixed_baseline)
        notes.extend(mixed_notes)
        if not mixed.estimable:
            notes.append(f"secondary model: {mixed.reason}")
        note = few_clusters_note(n_clusters)
        if note is not None:
            notes.append(note)

    summary = plain_summary(
        gee,
        higher_is_better=higher_is_better,
        confidence=confidence,
        exposure_label=exposure_label,
    )
    return AssociationResult(
        n_clients=n,
        n_clusters=n_clusters,
        n_excluded=excluded,
        higher_is_better=higher_is_better,
        mean_baseline=float(np.mean(baselines)) if n else None,
        mean_change=float(np.mean(change)) if n else None,
        mean_exposure=float(np.mean(exposures)) if n else None,
        gee=gee,
        mixed=mixed,
        estimable=gee.estimable,
        reason=gee.reason,
        confidence=confidence,
        plain_summary=summary,
        limitations=_limitations(excluded, n_rows),
        notes=tuple(notes),
    )
