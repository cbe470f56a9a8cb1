"""Synthetic outcome scores with a known homework effect, for a county from `synth.generator`.

`plant_outcomes` gives every child whose follow-up falls within the county's data an intake
and a follow-up of one instrument, where

    follow-up total = baseline + effect × exposure + noise

with exposure computed exactly as the analysis computes it (`analysis.exposure_shares`, from
the indicator registry) over the same dates. The analysis should then find `effect` (per +1.0
exposure, in the score's points) within its confidence interval, and nothing when effect is 0.

Answers are drawn to add up to each planted total, so every stored score is what scoring the
stored answers gives. Rows are bulk-inserted (synthetic by construction: no per-row audit, one
event on the organization, as the county generator does).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max

from between.accounts import audit
from between.accounts.models import AuditAction
from between.clinic.models import Client, Organization, Session
from between.outcomes import scoring
from between.outcomes.analysis import exposure_shares, first_sessions
from between.outcomes.models import Administration, Instrument, Occasion, Source
from between.outcomes.seed import PSC_35, get_instrument

# Baselines are drawn from the middle of the score's range and the noise is a small share of
# it, so planted follow-ups almost never need clipping to the range (which would bias them).
BASELINE_RANGE = (0.35, 0.65)
NOISE_SHARE = 0.06


@dataclass(frozen=True)
class PlantedOutcomes:
    instrument_key: str
    effect: float
    clients: int
    administrations: int


def _answers_for(
    instrument: Instrument, target: float, age: int, rng: random.Random
) -> dict[str, int | None]:
    """Answers whose score is `target` (rounded to what the options allow)."""
    definition = instrument.definition
    values = scoring.option_values(definition)
    low, high = min(values), max(values)
    counted = scoring.scored_items(definition, age)
    n = len(counted)
    per_item = target if definition["scoring"]["method"] == "sum" else target * n
    wanted = min(max(round(per_item), low * n), high * n)
    chosen = dict.fromkeys(counted, low)
    # Raise random items one step at a time until the sum is reached (options are 1 apart).
    for _ in range(wanted - low * n):
        key = rng.choice([k for k, v in chosen.items() if v < high])
        chosen[key] += 1
    return {key: chosen.get(key) for key in scoring.item_keys(definition)}


def _score_range(instrument: Instrument, age: int) -> tuple[float, float]:
    definition = instrument.definition
    values = scoring.option_values(definition)
    if definition["scoring"]["method"] == "mean":
        return float(min(values)), float(max(values))
    n = len(scoring.scored_items(definition, age))
    return float(min(values) * n), float(max(values) * n)


def plant_outcomes(
    organization: Organization, *, effect: float, seed: int, instrument_key: str = PSC_35
) -> PlantedOutcomes:
    """Intake and follow-up administrations with a planted homework effect (see module doc).

    The intake is on the child's first intake session; the follow-up `intervals_days[0]` days
    later, for children whose follow-up day is within the county's sessions and who had at
    least one eligible session in between.
    """
    instrument = get_instrument(instrument_key)
    rng = random.Random(seed)
    clients = {c.pk: c for c in Client.objects.filter(organization=organization).order_by("pk")}
    last_day = Session.objects.filter(client__organization=organization).aggregate(
        last=Max("occurred_on")
    )["last"]
    if last_day is None:
        return PlantedOutcomes(instrument_key, effect, 0, 0)
    interval = timedelta(days=int(instrument.intervals_days[0]))
    windows: dict[int, tuple[date, date]] = {}
    for client_id, intake_on in sorted(first_sessions(clients).items()):
        if intake_on + interval <= last_day:
            windows[client_id] = (intake_on, intake_on + interval)
    exposures = exposure_shares(windows)
    rows: list[Administration] = []
    planted = 0
    for client_id, (intake_on, followup_on) in sorted(windows.items()):
        exposure = exposures[client_id]
        if exposure is None:
            continue
        client = clients[client_id]
        age = client.age_on(intake_on)
        low, high = _score_range(instrument, age)
        span = high - low
        baseline = low + span * rng.uniform(*BASELINE_RANGE)
        followup = baseline + effect * exposure + rng.gauss(0, NOISE_SHARE * span)
        for occasion, day, target in (
            (Occasion.INTAKE, intake_on, baseline),
            (Occasion.FOLLOW_UP, followup_on, min(max(followup, low), high)),
        ):
            answers = _answers_for(instrument, target, client.age_on(day), rng)
            result = scoring.score(instrument.definition, answers, age=client.age_on(day))
            rows.append(
                Administration(
                    client=client,
                    instrument=instrument,
                    occasion=occasion,
                    administered_on=day,
                    source=Source.CLINICIAN,
                    language="es" if client.preferred_language == "es" else "en",
                    answers=answers,
                    age_years=max(client.age_on(day), 0),
                    total=result.total,
                    subscales=result.subscales,
                    missing_count=len(result.missing),
                    is_valid=result.is_valid,
                    invalid_reason=result.reason,
                )
            )
        planted += 1
    with transaction.atomic():
        Administration.objects.bulk_create(rows, batch_size=1000)
        audit.record(
            None,
            AuditAction.CREATE,
            organization,
            detail=f"synth:outcomes:{instrument_key}:seed={seed}",
        )
    return PlantedOutcomes(instrument_key, effect, planted, len(rows))
