"""Answers and administrations for the outcome tests, made through the action."""

from __future__ import annotations

from datetime import date
from typing import Any

from between.clinic.models import Client
from between.outcomes import actions
from between.outcomes.models import Administration
from between.outcomes.seed import PSC_35, get_instrument


def psc_answers(value: int | None = 1, **changes: int | None) -> dict[str, int | None]:
    answers: dict[str, int | None] = {f"psc{n:02d}": value for n in range(1, 36)}
    answers.update(changes)
    return answers


def record(
    actor: Any,
    client: Client,
    *,
    value: int = 1,
    occasion: str = "intake",
    on: date = date(2026, 9, 1),
    source: str = "clinician",
    key: str | None = None,
    **changes: Any,
) -> Administration:
    return actions.record_administration(
        actor,
        client,
        get_instrument(PSC_35),
        psc_answers(value, **changes),
        occasion,
        on,
        source,
        idempotency_key=key,
    )
