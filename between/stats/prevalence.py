"""Prevalence corrected for an imperfect classifier (Rogan–Gladen), with confidence intervals.

The note detector labels every progress note as documenting homework or not. The share it
labels positive (the apparent prevalence) is biased by its errors; a reviewed sample measures
its sensitivity (Se, detected among notes that do document homework) and specificity (Sp, not
detected among notes that do not). Rogan & Gladen (Am J Epidemiol 1978;107:71–76) correct it:

    corrected = (apparent + Sp − 1) / (Se + Sp − 1)

The denominator is Youden's J. When Se + Sp ≤ 1 the detector is no better than chance and
nothing can be corrected: that is an error, not a number. The estimate can fall outside [0, 1]
when the data disagree with Se and Sp (e.g. fewer positives than the false-positive rate alone
would give); it is then clipped to the nearer bound and `clipped` says so.

Intervals (95% by default), only when the counts behind the proportions are known:

- delta: the first-order (delta method) variance of Rogan & Gladen, extended to Se and Sp
  estimated from independent samples (Greiner & Gardner, Prev Vet Med 2000;45:43–59;
  Reiczigel, Földi & Ózsvári, Epidemiol Infect 2010;138:1674–1678), with π the estimate:

      Var(π) = [AP(1 − AP)/n + π²·Se(1 − Se)/n₁ + (1 − π)²·Sp(1 − Sp)/n₀] / J²

  A term whose count is not given is left out (that proportion is taken as known exactly).
  The normal interval π ± z·√Var is computed on the unclipped estimate, then clipped to [0, 1].
- bootstrap: parametric bootstrap: AP, Se and Sp are redrawn from their binomials, the clipped
  estimate recomputed, and the 2.5th and 97.5th percentiles taken. Seeded, so reproducible.

Without any count there is no interval (None) and the notes say why. `standard_error` is the
delta-method standard error, or the standard deviation of the bootstrap estimates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

IntervalMethod = Literal["delta", "bootstrap"]
INTERVAL_METHODS: tuple[IntervalMethod, ...] = ("delta", "bootstrap")
DEFAULT_DRAWS = 2000
DEFAULT_SEED = 20240601

NO_COUNTS_NOTE = (
    "no interval: the counts behind the proportions are not given (the number of items behind "
    "the apparent prevalence, and of reviewed positives and negatives behind sensitivity and "
    "specificity)"
)


@dataclass(frozen=True)
class CorrectedPrevalence:
    apparent: float
    sensitivity: float
    specificity: float
    corrected: float
    clipped: bool
    ci_low: float | None
    ci_high: float | None
    method: IntervalMethod | None
    corrected_unclipped: float
    youden_j: float
    standard_error: float | None
    confidence: float
    n: int | None
    n_positive: int | None
    n_negative: int | None
    draws: int | None
    seed: int | None
    notes: tuple[str, ...]


def _check_proportion(value: float, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a proportion between 0 and 1 (got {value})")


def _check_count(value: int | None, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1 (got {value})")


def youden_j(sensitivity: float, specificity: float) -> float:
    """Se + Sp − 1, refusing a detector that is no better than chance."""
    j = sensitivity + specificity - 1.0
    if j <= 0.0:
        raise ValueError(
            f"sensitivity + specificity = {sensitivity + specificity:.4g} is not above 1: the "
            "detector is no better than chance (Youden's J ≤ 0), so its apparent prevalence "
            "cannot be corrected"
        )
    return j


def rogan_gladen(apparent: float, sensitivity: float, specificity: float) -> float:
    """The unclipped Rogan–Gladen estimate (apparent + Sp − 1) / (Se + Sp − 1)."""
    for value, name in (
        (apparent, "apparent prevalence"),
        (sensitivity, "sensitivity"),
        (specificity, "specificity"),
    ):
        _check_proportion(value, name)
    return (apparent + specificity - 1.0) / youden_j(sensitivity, specificity)


def delta_variance(
    apparent: float,
    sensitivity: float,
    specificity: float,
    n: int | None,
    n_positive: int | None,
    n_negative: int | None,
) -> float:
    """Delta-method variance of the unclipped estimate; a missing count drops its term."""
    j = youden_j(sensitivity, specificity)
    estimate = (apparent + specificity - 1.0) / j
    total = 0.0
    if n is not None:
        total += apparent * (1.0 - apparent) / n
    if n_positive is not None:
        total += estimate**2 * sensitivity * (1.0 - sensitivity) / n_positive
    if n_negative is not None:
        total += (1.0 - estimate) ** 2 * specificity * (1.0 - specificity) / n_negative
    return total / (j * j)


def corrected_prevalence(
    apparent: float,
    sensitivity: float,
    specificity: float,
    *,
    n: int | None = None,
    n_positive: int | None = None,
    n_negative: int | None = None,
    interval: IntervalMethod = "delta",
    draws: int = DEFAULT_DRAWS,
    seed: int | None = DEFAULT_SEED,
    confidence: float = 0.95,
) -> CorrectedPrevalence:
    """Rogan–Gladen corrected prevalence with a delta or parametric-bootstrap interval.

    `n` is the number of items behind `apparent`, `n_positive` the number of reviewed true
    positives behind `sensitivity`, `n_negative` the reviewed true negatives behind
    `specificity`. Any count left out treats its proportion as known exactly; with none of
    them there is no interval.
    """
    raw = rogan_gladen(apparent, sensitivity, specificity)
    j = youden_j(sensitivity, specificity)
    for count, name in ((n, "n"), (n_positive, "n_positive"), (n_negative, "n_negative")):
        _check_count(count, name)
    if interval not in INTERVAL_METHODS:
        raise ValueError(f"interval must be one of {', '.join(INTERVAL_METHODS)}")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 100:
        raise ValueError(f"draws must be a whole number of at least 100 (got {draws!r})")

    corrected = min(1.0, max(0.0, raw))
    clipped = corrected != raw
    notes: list[str] = []
    if raw < 0.0:
        notes.append(
            f"the estimate {raw:.4f} was below 0 and is reported as 0: the apparent prevalence "
            f"is under the false-positive rate 1 − specificity = {1.0 - specificity:.4f}"
        )
    elif raw > 1.0:
        notes.append(
            f"the estimate {raw:.4f} was above 1 and is reported as 1: the apparent prevalence "
            f"is over the sensitivity {sensitivity:.4f}"
        )

    counts = {"n": n, "n_positive": n_positive, "n_negative": n_negative}
    given = [name for name, count in counts.items() if count is not None]
    method: IntervalMethod | None = None
    low: float | None = None
    high: float | None = None
    standard_error: float | None = None
    used_draws: int | None = None
    used_seed: int | None = None

    if not given:
        notes.append(NO_COUNTS_NOTE)
    else:
        missing = {
            "n": "the apparent prevalence",
            "n_positive": "the sensitivity",
            "n_negative": "the specificity",
        }
        for name, what in missing.items():
            if counts[name] is None:
                notes.append(
                    f"{what} is taken as known exactly (no count given), so the interval "
                    "leaves out its sampling error and is too narrow if it was estimated"
                )
        if interval == "delta":
            method = "delta"
            z = NormalDist().inv_cdf(0.5 + confidence / 2)
            standard_error = math.sqrt(
                delta_variance(apparent, sensitivity, specificity, n, n_positive, n_negative)
            )
            low = min(1.0, max(0.0, raw - z * standard_error))
            high = min(1.0, max(0.0, raw + z * standard_error))
            extremes = [
                what
                for name, what, value in (
                    ("n", "apparent prevalence", apparent),
                    ("n_positive", "sensitivity", sensitivity),
                    ("n_negative", "specificity", specificity),
                )
                if counts[name] is not None and value in (0.0, 1.0)
            ]
            if extremes:
                notes.append(
                    f"{', '.join(extremes)} is 0 or 1, so its binomial variance is 0 and the "
                    "delta interval understates the uncertainty"
                )
        else:
            method = "bootstrap"
            used_draws, used_seed = draws, seed
            low, high, standard_error, undefined = _bootstrap(
                apparent,
                sensitivity,
                specificity,
                n,
                n_positive,
                n_negative,
                draws=draws,
                seed=seed,
                confidence=confidence,
            )
            if undefined:
                notes.append(
                    f"{undefined} of {draws} bootstrap draws had sensitivity + specificity ≤ 1 "
                    "and were left out"
                )
            if low is None:
                notes.append("no interval: too few bootstrap draws had a usable detector")

    return CorrectedPrevalence(
        apparent=apparent,
        sensitivity=sensitivity,
        specificity=specificity,
        corrected=corrected,
        clipped=clipped,
        ci_low=low,
        ci_high=high,
        method=method if low is not None else None,
        corrected_unclipped=raw,
        youden_j=j,
        standard_error=standard_error,
        confidence=confidence,
        n=n,
        n_positive=n_positive,
        n_negative=n_negative,
        draws=used_draws,
        seed=used_seed,
        notes=tuple(notes),
    )


def _bootstrap(
    apparent: float,
    sensitivity: float,
    specificity: float,
    n: int | None,
    n_positive: int | None,
    n_negative: int | None,
    *,
    draws: int,
    seed: int | None,
    confidence: float,
) -> tuple[float | None, float | None, float | None, int]:
    """Percentile interval and standard deviation of the clipped estimate over parametric
    resamples, and the number of resamples left out because their Se + Sp ≤ 1."""
    rng = np.random.default_rng(seed)

    def redraw(p: float, count: int | None) -> np.ndarray:
        if count is None:
            return np.full(draws, p)
        return rng.binomial(count, p, size=draws) / count

    ap = redraw(apparent, n)
    se = redraw(sensitivity, n_positive)
    sp = redraw(specificity, n_negative)
    j = se + sp - 1.0
    usable = j > 0.0
    undefined = int(draws - usable.sum())
    if usable.sum() < draws // 2:
        return None, None, None, undefined
    estimates = np.clip((ap[usable] + sp[usable] - 1.0) / j[usable], 0.0, 1.0)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(estimates, [tail, 100 - tail])
    return float(low), float(high), float(estimates.std(ddof=1)), undefined


def prevalence_from_confusion(
    tp: int,
    fp: int,
    fn: int,
    tn: int,
    apparent_positive: int,
    total: int,
    *,
    interval: IntervalMethod = "delta",
    draws: int = DEFAULT_DRAWS,
    seed: int | None = DEFAULT_SEED,
    confidence: float = 0.95,
) -> CorrectedPrevalence:
    """Corrected prevalence from a reviewed sample's confusion counts and the detector's
    population result (`apparent_positive` of `total` notes flagged).

    Se = tp/(tp + fn) over n_positive = tp + fn reviewed true positives; Sp = tn/(tn + fp)
    over n_negative = tn + fp reviewed true negatives. The review must be a simple random
    sample of notes (or stratified on the truth): a review that over-samples the detector's
    positives biases Se and Sp unless it is reweighted first.
    """
    for value, name in (
        (tp, "tp"),
        (fp, "fp"),
        (fn, "fn"),
        (tn, "tn"),
        (apparent_positive, "apparent_positive"),
        (total, "total"),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be a whole number, not {value!r}")
        if value < 0:
            raise ValueError(f"{name} cannot be negative ({value})")
    if tp + fn == 0:
        raise ValueError("no reviewed note documents homework (tp + fn = 0): no sensitivity")
    if tn + fp == 0:
        raise ValueError("every reviewed note documents homework (tn + fp = 0): no specificity")
    if total == 0:
        raise ValueError("total must be at least 1")
    if apparent_positive > total:
        raise ValueError(f"apparent_positive ({apparent_positive}) is larger than total ({total})")
    return corrected_prevalence(
        apparent_positive / total,
        tp / (tp + fn),
        tn / (tn + fp),
        n=total,
        n_positive=tp + fn,
        n_negative=tn + fp,
        interval=interval,
        draws=draws,
        seed=seed,
        confidence=confidence,
    )
