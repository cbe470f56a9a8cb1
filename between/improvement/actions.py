"""Every change to a PIP: create it, edit its narrative, add measurement periods, lock them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.clinic.models import Program
from between.improvement.measure import live_counts
from between.improvement.models import FrozenCount, PeriodKind, Pip, PipPeriod
from between.indicators import registry

NARRATIVE_FIELDS = (
    "topic",
    "rationale",
    "aim",
    "study_question",
    "population",
    "sampling",
    "data_collection",
    "strategies",
    "interpretation",
)


def _require_analyst(actor: User, program_ids: set[int]) -> None:
    if not program_ids or not program_ids <= policy.review_program_ids(actor):
        audit.record(actor, AuditAction.DENY, outcome="denied", object_type="improvement.pip")
        raise PermissionDenied(_("You may not run a PIP for these programs."))


def _check_indicators(keys: Sequence[str]) -> list[str]:
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise ValidationError(_("Choose at least one indicator."))
    unknown = [key for key in keys if key not in registry.REGISTRY]
    if unknown:
        raise ValidationError(_("Unknown indicator: %(keys)s.") % {"keys": ", ".join(unknown)})
    return keys


def drafted_narrative(programs: Sequence[Program], keys: Sequence[str]) -> dict[str, str]:
    """A first draft of the sections the system can describe itself, to edit."""
    names = ", ".join(sorted(p.name for p in programs))
    indicators = [registry.get(key) for key in keys]
    kinds = sorted({str(i.measure_kind.value) for i in indicators})
    population = _(
        "Children and youth with sessions in %(programs)s during each measurement period; "
        "the unit of each indicator is given with its definition."
    ) % {"programs": names}
    sampling = _(
        "No sampling for indicators from the structured record: every eligible session or "
        "assignment in the programs is counted. An indicator from chart documentation uses "
        "the Medical Records Review's random sample (its seed is kept, so it can be drawn "
        "again)."
    )
    data_collection = _(
        "Clinicians record sessions, homework assigned and homework reviewed in Between "
        "Sessions as part of care; families log practice on the portal or by text message. "
        "Indicators are counted from these records with the definitions in the indicator "
        "registry (measured from: %(kinds)s). Each period's numbers are frozen when it is "
        "locked."
    ) % {"kinds": ", ".join(kinds)}
    return {"population": population, "sampling": sampling, "data_collection": data_collection}


def create_pip(
    actor: User,
    *,
    title: str,
    programs: Sequence[Program],
    indicator_keys: Sequence[str],
    **narrative: str,
) -> Pip:
    """A new PIP over the programs (all of one organization), with its indicators."""
    program_ids = {p.pk for p in programs}
    _require_analyst(actor, program_ids)
    organizations = {p.organization_id for p in programs}
    if len(organizations) != 1:
        raise ValidationError(_("A PIP's programs belong to one organization."))
    unknown = set(narrative) - set(NARRATIVE_FIELDS)
    if unknown:
        raise ValueError(f"not narrative fields: {sorted(unknown)}")
    keys = _check_indicators(indicator_keys)
    for name, text in drafted_narrative(programs, keys).items():
        if not narrative.get(name, "").strip():
            narrative[name] = text
    with transaction.atomic():
        pip = Pip(
            organization_id=organizations.pop(),
            title=title.strip(),
            indicator_keys=keys,
            created_by=actor,
            **narrative,
        )
        pip.full_clean()
        pip.save()
        pip.programs.set(programs)
        audit.record(actor, AuditAction.CREATE, pip)
    return pip


def update_pip(
    actor: User, pip: Pip, *, indicator_keys: Sequence[str] | None = None, **narrative: str
) -> Pip:
    """Edit the title, narrative or indicators. Indicators with a locked period are kept:
    dropping one would take numbers out of a report already submitted."""
    _require_analyst(actor, set(pip.programs.values_list("pk", flat=True)))
    unknown = set(narrative) - {*NARRATIVE_FIELDS, "title"}
    if unknown:
        raise ValueError(f"not editable fields: {sorted(unknown)}")
    with transaction.atomic():
        pip = Pip.objects.select_for_update().get(pk=pip.pk)
        if indicator_keys is not None:
            keys = _check_indicators(indicator_keys)
            if pip.periods.filter(locked_at__isnull=False).exists():
                dropped = [key for key in pip.indicator_keys if key not in keys]
                if dropped:
                    raise ValidationError(
                        _("A locked period reports %(keys)s: they cannot be removed.")
                        % {"keys": ", ".join(dropped)}
                    )
                added = [key for key in keys if key not in pip.indicator_keys]
                if added:
                    raise ValidationError(_("Indicators cannot be added once a period is locked."))
            pip.indicator_keys = keys
        for name, value in narrative.items():
            setattr(pip, name, value.strip())
        pip.updated_at = timezone.now()
        pip.full_clean()
        pip.save()
        audit.record(actor, AuditAction.UPDATE, pip)
    return pip


def add_period(
    actor: User, pip: Pip, *, kind: str, label: str, start: date, end: date
) -> PipPeriod:
    """A baseline (one per PIP, before every remeasurement) or a remeasurement. Periods do
    not overlap, so no session counts twice."""
    _require_analyst(actor, set(pip.programs.values_list("pk", flat=True)))
    if end < start:
        raise ValidationError(_("The last day comes before the first day."))
    if kind not in PeriodKind.values:
        raise ValidationError(_("Unknown kind of period."))
    with transaction.atomic():
        existing = list(Pip.objects.select_for_update().get(pk=pip.pk).periods.all())
        for other in existing:
            if other.start <= end and start <= other.end:
                raise ValidationError(_("The period overlaps %(label)s.") % {"label": other.label})
        baseline = next((p for p in existing if p.kind == PeriodKind.BASELINE), None)
        if kind == PeriodKind.BASELINE:
            if baseline is not None:
                raise ValidationError(_("This PIP already has a baseline."))
            if any(p.end < start for p in existing):
                raise ValidationError(_("The baseline must come before every remeasurement."))
        elif baseline is not None and start < baseline.end:
            raise ValidationError(_("A remeasurement must come after the baseline."))
        period = PipPeriod(pip=pip, kind=kind, label=label.strip(), start=start, end=end)
        period.full_clean()
        period.save()
        audit.record(actor, AuditAction.CREATE, period)
    return period


def lock_period(actor: User, period: PipPeriod, *, today: date | None = None) -> PipPeriod:
    """Freeze the period's numbers, per indicator and clinician, as they are now.

    A period can be locked once it has ended; locking twice changes nothing."""
    pip = period.pip
    program_ids = set(pip.programs.values_list("pk", flat=True))
    _require_analyst(actor, program_ids)
    today = today or timezone.localdate()
    if period.end >= today:
        raise ValidationError(_("A period can be locked once it has ended."))
    with transaction.atomic():
        period = PipPeriod.objects.select_for_update().get(pk=period.pk)
        if period.locked_at is not None:
            return period
        rows: list[FrozenCount] = []
        for key in pip.indicator_keys:
            counts = live_counts(registry.get(key), period.start, period.end, program_ids)
            rows.extend(
                FrozenCount(
                    period=period,
                    indicator_key=key,
                    clinician_ref=clinician,
                    numerator=numerator,
                    denominator=denominator,
                )
                for clinician, (numerator, denominator) in counts.by_clinician.items()
            )
        FrozenCount.objects.bulk_create(rows)
        period.locked_at = timezone.now()
        period.locked_by = actor
        period.save(update_fields=["locked_at", "locked_by"])
        audit.record(actor, AuditAction.UPDATE, period, detail="locked")
    return period


def delete_period(actor: User, period: PipPeriod) -> None:
    """An unlocked period can be removed; a locked one is part of the record."""
    _require_analyst(actor, set(period.pip.programs.values_list("pk", flat=True)))
    if period.locked_at is not None:
        raise ValidationError(_("A locked period cannot be removed."))
    audit.record(actor, AuditAction.DELETE, period)
    period.delete()


def narrative_of(pip: Pip) -> dict[str, Any]:
    return {name: getattr(pip, name) for name in NARRATIVE_FIELDS}
