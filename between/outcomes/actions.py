"""Every change to outcome data: recording a completed questionnaire.

Families answer in the portal; clinicians enter a form given on paper or read aloud. Either
way the answers are checked against the instrument's options, scored once by
`outcomes/scoring.py`, stored with their scores and audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.clinic.actions import today
from between.clinic.models import Client
from between.outcomes import scoring
from between.outcomes.models import Administration, Instrument, Occasion, Source


def may_record(actor: Any, client: Client) -> bool:
    """Staff who may change the child's record, or the child's own family account."""
    return (
        policy.writable_clients(actor).filter(pk=client.pk).exists()
        or policy.family_clients(actor).filter(pk=client.pk).exists()
    )


def _check_answers(instrument: Instrument, answers: Mapping[str, object]) -> dict[str, int | None]:
    keys = scoring.item_keys(instrument.definition)
    values = scoring.option_values(instrument.definition)
    unknown = sorted(set(answers) - set(keys))
    if unknown:
        raise ValidationError(
            _("These are not questions of %(instrument)s: %(keys)s.")
            % {"instrument": instrument.name_en, "keys": ", ".join(unknown)}
        )
    bad = [
        key
        for key, value in answers.items()
        if value is not None
        and (isinstance(value, bool) or not isinstance(value, int) or value not in values)
    ]
    if bad:
        raise ValidationError(
            _("Answer %(keys)s with one of the given choices.") % {"keys": ", ".join(sorted(bad))}
        )
    clean: dict[str, int | None] = {key: answers.get(key) for key in keys}  # type: ignore[misc]
    if all(value is None for value in clean.values()):
        raise ValidationError(_("Answer at least one question."))
    return clean


def _check_occasion(
    client: Client, instrument: Instrument, occasion: str, administered_on: date
) -> None:
    intakes = Administration.objects.filter(
        client=client, instrument=instrument, occasion=Occasion.INTAKE, is_valid=True
    )
    if occasion == Occasion.INTAKE and intakes.exists():
        raise ValidationError(
            {"occasion": _("This child has an intake score already; record a follow-up.")}
        )
    first = intakes.order_by("administered_on").first()
    if occasion == Occasion.FOLLOW_UP and first and administered_on < first.administered_on:
        raise ValidationError({"administered_on": _("A follow-up cannot come before the intake.")})


def record_administration(
    actor: User,
    client: Client,
    instrument: Instrument,
    answers: Mapping[str, object],
    occasion: str,
    administered_on: date,
    source: str,
    idempotency_key: str | None = None,
    *,
    language: str = "en",
) -> Administration:
    """Record one completed form and its scores; return it.

    A resubmission with the same `idempotency_key` returns the administration the first one
    made and writes nothing. Raises PermissionDenied (audited) when the actor may not record
    for this child, ValidationError with a message per problem otherwise.
    """
    if not may_record(actor, client):
        audit.record(actor, AuditAction.DENY, client, outcome="denied", detail="write:outcome")
        raise PermissionDenied(_("You may not record questionnaires for this child."))
    if idempotency_key:
        earlier = Administration.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            return _replayed(earlier, client, instrument)
    if occasion not in Occasion.values:
        raise ValidationError({"occasion": _("Choose intake or follow-up.")})
    if source not in Source.values:
        raise ValidationError(_("Unknown source of the answers."))
    if not instrument.is_active:
        raise ValidationError(_("This questionnaire is no longer in use."))
    if administered_on > today():
        raise ValidationError({"administered_on": _("The date cannot be in the future.")})
    if administered_on < client.birth_date:
        raise ValidationError({"administered_on": _("The date is before the child's birth.")})
    clean = _check_answers(instrument, answers)
    age = client.age_on(administered_on)
    result = scoring.score(instrument.definition, clean, age=age)
    try:
        with transaction.atomic():
            # One intake per child and instrument: lock the client row so two submissions
            # cannot both pass the check.
            Client.objects.select_for_update().filter(pk=client.pk).first()
            _check_occasion(client, instrument, occasion, administered_on)
            administration = Administration.objects.create(
                client=client,
                instrument=instrument,
                occasion=occasion,
                administered_on=administered_on,
                source=source,
                language="es" if language.startswith("es") else "en",
                entered_by=actor,
                answers=clean,
                age_years=max(age, 0),
                total=result.total,
                subscales=result.subscales,
                missing_count=len(result.missing),
                is_valid=result.is_valid,
                invalid_reason=result.reason[:200],
                idempotency_key=idempotency_key or None,
            )
            audit.record(actor, AuditAction.CREATE, administration, program_id=client.program_id)
    except IntegrityError:
        # The same key won a race with this request: the form was sent twice at once.
        earlier = Administration.objects.filter(idempotency_key=idempotency_key).first()
        if not idempotency_key or earlier is None:
            raise
        return _replayed(earlier, client, instrument)
    return administration


def _replayed(earlier: Administration, client: Client, instrument: Instrument) -> Administration:
    if earlier.client_id != client.pk or earlier.instrument_id != instrument.pk:
        raise ValidationError(_("This form was sent already for another questionnaire."))
    return earlier
