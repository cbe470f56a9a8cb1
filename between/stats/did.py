"""Difference-in-differences: did trained clinicians change more than not-yet-trained ones?

Each row is one session: its clinician (the cluster), whether the clinician is in the trained
group (treated), whether the session falls after the training date (after), and a 0/1 outcome
(for example, homework assigned). The change among trained clinicians minus the change among
the others is the difference-in-differences (DiD). It is reported three ways:

- raw: (trained after − trained before) − (others after − others before), in percentage points,
  straight from the four cell rates;
- a GEE logistic model outcome ~ treated + after + treated:after, clustered by clinician with an
  exchangeable working correlation and robust standard errors; exp(interaction) is the ratio of
  the two groups' before-to-after odds ratios (1 = the same change on the odds scale);
- a GEE linear-probability model (gaussian family, same terms and clustering), whose interaction
  is the DiD in percentage points with a clustered confidence interval.

However it is computed, a DiD from routine data is observational; see `CAVEAT`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from between.stats.clustered import (
    ModelEstimate,
    check_alpha,
    check_binary,
    check_cluster,
    cluster_codes,
    coefficient,
    few_clusters_note,
    fit_gee,
    not_estimable,
    unpack,
)

CAVEAT = (
    "This is an observational comparison, not a trial. Clinicians chose, or were chosen, to be "
    "trained first, so trained and untrained clinicians may differ in ways that also affect "
    "homework. The difference-in-differences reads as the effect of training only under the "
    "parallel-trends assumption: that without the training both groups would have changed by "
    "the same amount, and that nothing else changed for one group around the training date."
)


@dataclass(frozen=True)
class CellRate:
    """One of the four cells: sessions of one group in one period.

    rate is events / n (None when the cell has no sessions); n_clusters counts the clinicians
    with at least one session in the cell."""

    treated: bool
    after: bool
    events: int
    n: int
    n_clusters: int
    rate: float | None


@dataclass(frozen=True)
class DidResult:
    """Difference-in-differences of a 0/1 outcome, sessions clustered by clinician.

    - control_before … treated_after: the four cell rates with their counts
    - raw_did_pp: (treated_after − treated_before) − (control_after − control_before) of the
      rates, in percentage points (None if a cell is empty)
    - logistic: the GEE logistic model's interaction as an odds ratio: how many times the
      trained group's before-to-after odds ratio exceeds the other group's (1 = no difference)
    - linear: the GEE linear-probability model's interaction, the DiD in percentage points
      with a clustered interval; close to raw_did_pp, not identical, because GEE weights
      clinicians by how many sessions they have and how alike those sessions are
    - estimable: True when at least one of the two models gave figures; `reason` says why not
    - n_treated_clusters / n_control_clusters: clinicians with any session in the group (one
      clinician can be in both when the grouping changes over time)
    - caveat: why the DiD is not proof that training caused the change
    """

    control_before: CellRate
    control_after: CellRate
    treated_before: CellRate
    treated_after: CellRate
    raw_did_pp: float | None
    n_observations: int
    n_clusters: int
    n_treated_clusters: int
    n_control_clusters: int
    logistic: ModelEstimate
    linear: ModelEstimate
    estimable: bool
    reason: str | None
    confidence: float
    caveat: str
    notes: tuple[str, ...]


_NAMES = {
    (0, 0): "not-yet-trained clinicians before",
    (0, 1): "not-yet-trained clinicians after",
    (1, 0): "trained clinicians before",
    (1, 1): "trained clinicians after",
}


def difference_in_differences(
    rows: Iterable[Sequence[object]], *, alpha: float = 0.05
) -> DidResult:
    """DiD of a 0/1 outcome between trained (treated = 1) and not-yet-trained clinicians,
    before (after = 0) and after (after = 1) the training date.

    `rows` are (cluster_id, treated, after, outcome). Malformed rows raise ValueError naming
    the row. Data that cannot support a model (an empty cell, every outcome the same, a single
    cluster) give estimable=False with the reason; a cell whose outcomes are all 0 or all 1
    makes the logistic model impossible (perfect separation) while the linear one still runs.
    """
    confidence = check_alpha(alpha)
    layout = "(cluster_id, treated, after, outcome)"
    clusters: list[Hashable] = []
    records: list[tuple[int, int, int]] = []
    for line, row in enumerate(rows, start=1):
        cluster, treated, after, outcome = unpack(row, 4, layout, line)
        clusters.append(check_cluster(cluster, line))
        records.append(
            (
                check_binary(treated, "treated", line),
                check_binary(after, "after", line),
                check_binary(outcome, "the outcome", line),
            )
        )
    if not records:
        raise ValueError("there are no rows to analyse")

    groups = cluster_codes(clusters)
    n, n_clusters = len(records), int(groups.max()) + 1
    cells: dict[tuple[int, int], CellRate] = {}
    for t in (0, 1):
        for a in (0, 1):
            inside = [i for i, (tt, aa, _) in enumerate(records) if (tt, aa) == (t, a)]
            events = sum(records[i][2] for i in inside)
            cells[t, a] = CellRate(
                treated=bool(t),
                after=bool(a),
                events=events,
                n=len(inside),
                n_clusters=len({int(groups[i]) for i in inside}),
                rate=events / len(inside) if inside else None,
            )

    raw_did_pp: float | None = None
    rates = [cells[t, a].rate for t in (0, 1) for a in (0, 1)]
    cb, ca, tb, ta = rates
    if cb is not None and ca is not None and tb is not None and ta is not None:
        raw_did_pp = 100 * ((ta - tb) - (ca - cb))

    outcomes = [y for _, _, y in records]
    reason: str | None = None
    empty = [_NAMES[key] for key, cell in cells.items() if cell.n == 0]
    if empty:
        reason = "there are no sessions for " + " or ".join(empty) + ", so there is no DiD"
    elif len(set(outcomes)) == 1:
        reason = f"every session had the same outcome ({outcomes[0]}), so there is no variation"
    elif n_clusters < 2:
        reason = "all rows come from a single cluster; a clustered analysis needs at least two"

    notes: list[str] = []
    if reason is not None:
        logistic = linear = not_estimable(reason)
    else:
        treated = np.array([t for t, _, _ in records], dtype=float)
        after = np.array([a for _, a, _ in records], dtype=float)
        exog = np.column_stack([np.ones(n), treated, after, treated * after])
        endog = np.array(outcomes, dtype=float)

        separated = [_NAMES[key] for key, cell in cells.items() if cell.events in (0, cell.n)]
        if separated:
            logistic = not_estimable(
                "the outcome is the same for every session of "
                + " and of ".join(separated)
                + ", so the odds ratio is zero or infinite (perfect separation); "
                "the linear-probability DiD still applies"
            )
        else:
            logistic_fit = fit_gee(endog, exog, groups, "binomial")
            logistic = coefficient(logistic_fit, 3, alpha, exponentiate=True)
            if logistic_fit.warnings:
                notes.append("statsmodels warned (logistic): " + "; ".join(logistic_fit.warnings))
        linear_fit = fit_gee(endog, exog, groups, "gaussian")
        linear = coefficient(linear_fit, 3, alpha, scale=100.0)
        if linear_fit.warnings:
            notes.append("statsmodels warned (linear): " + "; ".join(linear_fit.warnings))
        note = few_clusters_note(n_clusters)
        if note is not None:
            notes.append(note)

    estimable = logistic.estimable or linear.estimable
    if not estimable:
        reason = reason or logistic.reason or linear.reason
    treated_clusters = {int(g) for g, (t, _, _) in zip(groups, records, strict=True) if t}
    control_clusters = {int(g) for g, (t, _, _) in zip(groups, records, strict=True) if not t}
    both = len(treated_clusters & control_clusters)
    if both:
        notes.append(
            f"{both} clinicians have sessions in both the trained and not-yet-trained groups"
        )

    return DidResult(
        control_before=cells[0, 0],
        control_after=cells[0, 1],
        treated_before=cells[1, 0],
        treated_after=cells[1, 1],
        raw_did_pp=raw_did_pp,
        n_observations=n,
        n_clusters=n_clusters,
        n_treated_clusters=len(treated_clusters),
        n_control_clusters=len(control_clusters),
        logistic=logistic,
        linear=linear,
        estimable=estimable,
        reason=None if estimable else reason,
        confidence=confidence,
        caveat=CAVEAT,
        notes=tuple(notes),
    )
