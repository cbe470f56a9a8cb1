"""Who may break the glass, on which clients, and who reviews the grants.

The grant itself opens the client through `accounts/policy.py` (read scopes only); this module
decides who may ask for one and who may review one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from between.accounts import audit, policy
from between.accounts.models import STAFF_ROLES, AuditAction, Membership, Role
from between.clinic.models import Client, Organization
from between.emergency.models import EmergencyAccess, EmergencyAccessQuerySet

PERMISSION = "emergency.break_glass"
REVIEW_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _active_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_break_glass(user: Any) -> bool:
    """Designated users only: a staff membership and the `emergency.break_glass` permission."""
    return _active_user(user) and policy.is_staff_member(user) and user.has_perm(PERMISSION)


def organizations_of(user: Any) -> QuerySet[Organization]:
    """Organizations where the user holds a staff role: the reach of their emergency access."""
    programs = Membership.objects.filter(
        user_id=getattr(user, "pk", 0) or 0, role__in=STAFF_ROLES
    ).values("program__organization_id")
    return Organization.objects.filter(pk__in=programs).order_by("name")


def find_client(user: Any, ehr_id: str, organization: Organization) -> Client | None:
    """The client with this EHR id in one of the user's organizations, or None."""
    if not organizations_of(user).filter(pk=organization.pk).exists():
        return None
    return (
        Client.objects.filter(organization=organization, ehr_id=ehr_id.strip())
        .select_related("program")
        .first()
    )


def active_grants(user: Any, now: datetime | None = None) -> EmergencyAccessQuerySet:
    """The user's open grants (uses the `emergency_active_by_user` index)."""
    return EmergencyAccess.objects.active(now).filter(user_id=getattr(user, "pk", 0) or 0)


def get_own_grant_for(
    user: Any, grant_id: int, *, request: HttpRequest | None = None
) -> EmergencyAccess:
    grant = (
        EmergencyAccess.objects.filter(pk=grant_id, user_id=getattr(user, "pk", 0) or 0)
        .select_related("client")
        .first()
    )
    if grant is None or not policy.is_staff_member(user):
        raise _deny(user, request, grant_id)
    return grant


# --- Review ------------------------------------------------------------------------------------


def is_superuser(user: Any) -> bool:
    return _active_user(user) and bool(user.is_superuser)


def can_review(user: Any) -> bool:
    """Supervisors and administrators (of some program) and superusers see the review list."""
    return is_superuser(user) or bool(policy.roles_of(user) & set(REVIEW_ROLES))


def reviewable_grants(user: Any) -> EmergencyAccessQuerySet:
    """Grants on clients of the programs the user supervises or administers (every grant for a
    superuser), never the user's own: nobody reviews their own emergency access."""
    if not can_review(user):
        return EmergencyAccess.objects.none()
    grants = EmergencyAccess.objects.exclude(user_id=user.pk)
    if not is_superuser(user):
        programs = policy.program_ids_for(user, *REVIEW_ROLES)
        grants = grants.filter(Q(client__program_id__in=programs))
    return grants


def may_review(user: Any, grant: EmergencyAccess) -> bool:
    return reviewable_grants(user).filter(pk=grant.pk).exists()


def get_grant_for_review(
    user: Any, grant_id: int, *, request: HttpRequest | None = None
) -> EmergencyAccess:
    grant = reviewable_grants(user).filter(pk=grant_id).select_related("user", "client").first()
    if grant is None:
        raise _deny(user, request, grant_id, detail="review")
    return grant


def _deny(
    user: Any, request: HttpRequest | None, grant_id: int, *, detail: str = "read"
) -> Http404:
    audit.record(
        user,
        AuditAction.DENY,
        request=request,
        outcome="denied",
        object_type="emergency.emergencyaccess",
        object_id=grant_id,
        detail=detail,
    )
    return Http404("Not found.")
