"""Who may import: administrators of programs (rows for their programs only) and superusers.

These belong with the other helpers in accounts/policy.py; they are kept here until that file's
owner moves them (policy.py is not this app's to edit).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from between.accounts import audit, policy
from between.accounts.models import AuditAction, Role
from between.clinic.models import Organization, Program
from between.interop.imports.models import ImportBatch


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def import_program_ids(user: Any) -> set[int] | None:
    """Programs whose rows the user may import; None means every program (superusers)."""
    if is_superuser(user):
        return None
    return set(policy.program_ids_for(user, Role.ADMIN).values_list("program_id", flat=True))


def can_import(user: Any) -> bool:
    return is_superuser(user) or Role.ADMIN in policy.roles_of(user)


def import_organizations(user: Any) -> QuerySet[Organization]:
    program_ids = import_program_ids(user)
    if program_ids is None:
        return Organization.objects.all()
    organization_ids = Program.objects.filter(pk__in=program_ids).values("organization_id")
    return Organization.objects.filter(pk__in=organization_ids)


def visible_batches(user: Any) -> QuerySet[ImportBatch]:
    """Superusers see every batch; administrators the batches they started."""
    if is_superuser(user):
        return ImportBatch.objects.all()
    if not can_import(user):
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(created_by_id=user.pk)


def get_batch_for(user: Any, batch_id: int, *, request: HttpRequest | None = None) -> ImportBatch:
    """A batch the user may see; else 404 (audited, as policy's get_*_for helpers)."""
    batch = visible_batches(user).select_related("organization", "profile").filter(pk=batch_id)
    found = batch.first()
    if found is None:
        audit.record(
            user,
            AuditAction.DENY,
            request=request,
            outcome="denied",
            object_type="interop_imports.importbatch",
            object_id=batch_id,
            detail="read",
        )
        raise Http404("Not found.")
    return found
