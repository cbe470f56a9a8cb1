"""Homework exposure and outcome change: the rows for `stats.association`, from the database.

For each child with a scored intake and a later scored follow-up of the same instrument:
- baseline and follow-up: the first valid intake total and the last valid follow-up after it;
- exposure: over the child's sessions from the intake date up to (not including) the
  follow-up date, the share that counts in an indicator's numerator. The indicator is read
  from the registry (never restated here): "homework_assigned" (the share of eligible
  sessions with homework) by default, or "completion" (the share of reviewed homework done
  fully or partly), dated by the session the row belongs to;
- cluster: the child's primary clinician.

`stats.association.homework_outcome_association` does the modelling (GEE, with a mixed model
beside it) and writes the plain-language summary and limitations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Min

from between.clinic.models import Client
from between.indicators import registry
from between.outcomes.models import Administration, Instrument, Occasion
from between.stats.association import AssociationResult, homework_outcome_association

# Exposure indicators the analysis offers, with the words the summary uses for them.
EXPOSURES: dict[str, str] = {
    "homework_assigned": "sessions with homework",
    "completion": "homework completed",
}
CHUNK = 500  # client ids per query, to keep IN lists within every database's limits


@dataclass(frozen=True)
class OutcomePair:
    client_id: int
    clinician_id: int | None
    program_id: int
    baseline: float
    followup: float
    baseline_on: date
    followup_on: date


def outcome_pairs(
    instrument: Instrument, client_ids: Iterable[int] | None = None
) -> list[OutcomePair]:
    """Children with a valid intake and a later valid follow-up of this instrument."""
    rows = Administration.objects.filter(instrument=instrument, is_valid=True)
    if client_ids is not None:
        rows = rows.filter(client_id__in=list(client_ids))
    rows = rows.order_by("client_id", "administered_on", "id")
    intake: dict[int, tuple[date, float]] = {}
    followup: dict[int, tuple[date, float]] = {}
    found = rows.values_list("client_id", "occasion", "administered_on", "total")
    for client_id, occasion, day, total in found:
        if total is None:
            continue  # a valid administration always has a total (a check constraint)
        if occasion == Occasion.INTAKE:
            intake.setdefault(client_id, (day, total))
        elif client_id in intake and day > intake[client_id][0]:
            followup[client_id] = (day, total)  # the latest one wins (rows are in date order)
    clients = Client.objects.in_bulk(list(followup))
    return [
        OutcomePair(
            client_id=client_id,
            clinician_id=clients[client_id].primary_clinician_id,
            program_id=clients[client_id].program_id,
            baseline=intake[client_id][1],
            followup=day_total[1],
            baseline_on=intake[client_id][0],
            followup_on=day_total[0],
        )
        for client_id, day_total in sorted(followup.items())
        if client_id in clients
    ]


def exposure_shares(
    windows: Mapping[int, tuple[date, date]], indicator_key: str = "homework_assigned"
) -> dict[int, float | None]:
    """Per client: the share of the indicator's rows in [start, end) that are numerators
    (None when the client has no such rows)."""
    indicator = registry.get(indicator_key)
    client_path = indicator.path("client_id")
    date_path = indicator.path("occurred_on")
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    ids = sorted(windows)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        first = min(windows[c][0] for c in chunk)
        last = max(windows[c][1] for c in chunk)
        rows = (
            registry.annotated_base(indicator)
            .filter(**{f"{client_path}__in": chunk})
            .filter(**{f"{date_path}__gte": first, f"{date_path}__lt": last})
            .values_list(client_path, date_path, "is_numerator")
        )
        for client_id, day, is_numerator in rows:
            start, end = windows[client_id]
            if start <= day < end:
                counts[client_id][0] += int(is_numerator)
                counts[client_id][1] += 1
    return {
        client_id: (counts[client_id][0] / counts[client_id][1] if counts[client_id][1] else None)
        for client_id in ids
    }


@dataclass(frozen=True)
class OutcomeAnalysis:
    """What the analysis page shows: counts of children, and the model's result (None when
    there is nothing to analyse, with `reason`)."""

    instrument: Instrument
    exposure_key: str
    exposure_label: str
    n_pairs: int
    n_without_clinician: int
    result: AssociationResult | None
    reason: str


def association_rows(
    pairs: list[OutcomePair], exposures: Mapping[int, float | None]
) -> list[tuple[int, float, float, float | None]]:
    """(clinician, baseline, follow-up, exposure) rows for the statistics module."""
    return [
        (pair.clinician_id, pair.baseline, pair.followup, exposures.get(pair.client_id))
        for pair in pairs
        if pair.clinician_id is not None
    ]


def analyse(
    instrument: Instrument,
    program_ids: Iterable[int],
    *,
    exposure_key: str = "homework_assigned",
) -> OutcomeAnalysis:
    """Exposure–outcome association for the children of these programs."""
    if exposure_key not in EXPOSURES:
        raise KeyError(f"unknown exposure {exposure_key!r}; known: {', '.join(EXPOSURES)}")
    label = EXPOSURES[exposure_key]
    clients = Client.objects.filter(program_id__in=list(program_ids)).values_list("pk", flat=True)
    pairs = outcome_pairs(instrument, clients)
    windows = {p.client_id: (p.baseline_on, p.followup_on) for p in pairs}
    exposures = exposure_shares(windows, exposure_key)
    rows = association_rows(pairs, exposures)
    without = len(pairs) - len(rows)
    if not rows:
        reason = "no child has both an intake and a follow-up score of this questionnaire yet"
        return OutcomeAnalysis(instrument, exposure_key, label, len(pairs), without, None, reason)
    result = homework_outcome_association(
        rows, higher_is_better=instrument.higher_is_better, exposure_label=label
    )
    return OutcomeAnalysis(
        instrument, exposure_key, label, len(pairs), without, result, result.reason or ""
    )


def first_sessions(client_ids: Iterable[int]) -> dict[int, date]:
    """Each client's intake date: their first intake or assessment session, else their first
    session of any kind."""
    from between.clinic.models import Session

    ids = list(client_ids)
    found: dict[int, date] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        sessions = Session.objects.filter(client_id__in=chunk).order_by()
        for client_id, day in (
            sessions.values("client_id")
            .annotate(first=Min("occurred_on"))
            .values_list("client_id", "first")
        ):
            found[client_id] = day
        intakes = sessions.filter(is_intake=True)
        for client_id, day in (
            intakes.values("client_id")
            .annotate(first=Min("occurred_on"))
            .values_list("client_id", "first")
        ):
            found[client_id] = day
    return found
