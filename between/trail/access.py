"""Who may read the audit trail, and which events.

- superusers: every event;
- administrators (the admin role in a program): events of their programs, that is events whose
  program is theirs, events about a client of their programs (`Client.program`, as in
  `policy.visible_clients`), and events by anyone holding a membership in their programs;
- everyone else: nothing, and the pages answer 404 (as `policy.get_*_for` do).

These belong with the other helpers in accounts/policy.py; they are kept here until that file's
owner moves them (policy.py is not this app's to edit).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from between.accounts import audit, policy
from between.accounts.models import AuditAction, AuditEvent, Membership, Role
from between.clinic.models import Client

# What the trail's own events (views, exports, refusals) name as their object.
OBJECT_TYPE = "accounts.auditevent"


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def can_read_trail(user: Any) -> bool:
    return is_superuser(user) or Role.ADMIN in policy.roles_of(user)


def visible_audit_events(user: Any) -> QuerySet[AuditEvent]:
    """The audit events `user` may read (see the module docstring). Subqueries, not lists: an
    administrator of many programs would otherwise send thousands of ids with every query."""
    if is_superuser(user):
        return AuditEvent.objects.all()
    if Role.ADMIN not in policy.roles_of(user):
        return AuditEvent.objects.none()
    programs = policy.program_ids_for(user, Role.ADMIN)
    clients = Client.objects.filter(program_id__in=programs).values("pk")
    members = Membership.objects.filter(program_id__in=programs).values("user_id")
    return AuditEvent.objects.filter(
        Q(program_id__in=programs) | Q(client_id__in=clients) | Q(actor_id__in=members)
    )


def require_trail_reader(user: Any, *, request: HttpRequest | None = None) -> None:
    """404 for anyone who may not read the trail; the attempt itself is audited."""
    if can_read_trail(user):
        return
    audit.record(
        user,
        AuditAction.DENY,
        request=request,
        outcome="denied",
        object_type=OBJECT_TYPE,
        detail="read",
    )
    raise Http404("No such page.")
