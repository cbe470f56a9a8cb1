"""Every change to emergency access: grant, end, review, designate. Atomic and audited.

Audit events name the grant and the client by id; the reason and the review note stay on the
grant (they are the justification, not for the trail).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.clinic.models import Client
from between.emergency import access
from between.emergency.models import (
    REASON_MAX_LENGTH,
    REASON_MIN_LENGTH,
    EmergencyAccess,
    ReviewOutcome,
)

EMERGENCY = AuditAction.EMERGENCY_ACCESS
EMERGENCY_REVIEW = AuditAction.EMERGENCY_REVIEW


def access_hours() -> int:
    return int(getattr(settings, "EMERGENCY_ACCESS_HOURS", 4))


def _refuse(
    actor: User,
    detail: str,
    *,
    request: HttpRequest | None,
    client: Client | None = None,
    action: str = EMERGENCY,
    grant: EmergencyAccess | None = None,
) -> None:
    """Leave a denied event for a refused emergency request or review."""
    if grant is not None:
        audit.record(actor, action, grant, request=request, outcome="denied", detail=detail)
    elif client is not None:
        audit.record(actor, action, client, request=request, outcome="denied", detail=detail)
    else:
        audit.record(
            actor,
            action,
            request=request,
            outcome="denied",
            object_type="clinic.client",
            detail=detail,
        )


def _clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError(
            {
                "reason": _("Say why you need this record (at least %(n)d characters).")
                % {"n": REASON_MIN_LENGTH}
            }
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH}}
        )
    return reason


def break_glass(
    actor: User,
    client: Client,
    reason: str,
    *,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> EmergencyAccess:
    """Open one client's record to a designated user for EMERGENCY_ACCESS_HOURS, read only.

    Asking again while a grant on the same client is open returns that grant (a double
    submit makes no second grant). A client the user can already open needs no grant:
    ValidationError with code "already_visible". Refusals are audited outside the
    transaction, so their events stay.
    """
    if not access.can_break_glass(actor):
        _refuse(actor, "not_designated", request=request, client=client)
        raise PermissionDenied(_("You are not designated for emergency access."))
    if not access.organizations_of(actor).filter(pk=client.organization_id).exists():
        _refuse(actor, "other_organization", request=request, client=client)
        raise PermissionDenied(_("You are not designated for emergency access."))
    with transaction.atomic():
        return _grant(actor, client, reason, request=request, now=now or timezone.now())


def _grant(
    actor: User, client: Client, reason: str, *, request: HttpRequest | None, now: datetime
) -> EmergencyAccess:
    # Serialize one user's requests (PostgreSQL; SQLite transactions are IMMEDIATE already).
    User.objects.select_for_update().filter(pk=actor.pk).first()
    existing = access.active_grants(actor, now).filter(client=client).first()
    if existing is not None:
        return existing
    if policy.staff_visible_clients(actor).filter(pk=client.pk).exists():
        raise ValidationError(
            _("You can already open this client's record."), code="already_visible"
        )
    grant = EmergencyAccess(
        user=actor,
        client=client,
        reason=_clean_reason(reason),
        granted_at=now,
        expires_at=now + timedelta(hours=access_hours()),
    )
    grant.full_clean()
    grant.save()
    audit.record(
        actor,
        EMERGENCY,
        grant,
        request=request,
        client_id=client.pk,
        program_id=client.program_id,
        detail=f"granted:{access_hours()}h",
    )
    return grant


def refuse_lookup(actor: User, *, request: HttpRequest | None = None) -> None:
    """Record a designated user's emergency request for an EHR id that matched no client."""
    _refuse(actor, "not_found", request=request)


def end_emergency_access(
    actor: User,
    grant: EmergencyAccess,
    *,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> EmergencyAccess:
    """End one's own grant before it expires (idempotent: an ended or expired grant stays)."""
    if grant.user_id != actor.pk:
        _refuse(actor, "end_other", request=request, grant=grant)
        raise PermissionDenied(_("This is not your emergency access."))
    now = now or timezone.now()
    with transaction.atomic():
        grant = EmergencyAccess.objects.select_for_update().get(pk=grant.pk)
        if not grant.is_active_at(now):
            return grant
        grant.ended_at = now
        grant.save(update_fields=["ended_at"])
        audit.record(actor, EMERGENCY, grant, request=request, detail="ended")
    return grant


def review_emergency_access(
    actor: User,
    grant: EmergencyAccess,
    *,
    outcome: str,
    note: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> EmergencyAccess:
    """Record whether a grant was appropriate. Once reviewed, a grant keeps its review
    (idempotent: a second review changes nothing). Nobody reviews their own grant."""
    if grant.user_id == actor.pk:
        _refuse(actor, "self_review", request=request, action=EMERGENCY_REVIEW, grant=grant)
        raise PermissionDenied(_("You cannot review your own emergency access."))
    if not access.may_review(actor, grant):
        _refuse(actor, "not_reviewer", request=request, action=EMERGENCY_REVIEW, grant=grant)
        raise PermissionDenied(_("You may not review this emergency access."))
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": _("Choose whether the access was appropriate.")})
    note = note.strip()
    if outcome == ReviewOutcome.INAPPROPRIATE and not note:
        raise ValidationError({"note": _("Say what was inappropriate and what follows.")})
    if len(note) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"note": _("Keep the note under %(n)d characters.") % {"n": REASON_MAX_LENGTH}}
        )
    with transaction.atomic():
        grant = EmergencyAccess.objects.select_for_update().get(pk=grant.pk)
        if grant.is_reviewed:
            return grant  # the first review stands
        grant.reviewed_by = actor
        grant.reviewed_at = now or timezone.now()
        grant.review_outcome = outcome
        grant.review_note = note
        grant.save(update_fields=["reviewed_by", "reviewed_at", "review_outcome", "review_note"])
        audit.record(
            actor,
            EMERGENCY_REVIEW,
            grant,
            request=request,
            program_id=grant.client.program_id,
            detail=outcome,
        )
    return grant


@transaction.atomic
def designate(actor: User | None, user: User, *, allowed: bool = True) -> bool:
    """Give (or take away) the emergency access permission; True if anything changed.

    The admin site's user page does the same through its permissions list.
    """
    permission = Permission.objects.get(content_type__app_label="emergency", codename="break_glass")
    held = user.user_permissions.filter(pk=permission.pk).exists()
    if held == allowed:
        return False
    if allowed:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    audit.record(
        actor,
        AuditAction.PRIVILEGE_CHANGE,
        user,
        detail="grant:break_glass" if allowed else "revoke:break_glass",
    )
    return True
