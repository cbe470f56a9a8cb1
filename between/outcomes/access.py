"""Who may see and record outcome questionnaires, built on accounts/policy.py's helpers.

- a client's scores: staff who may open the client's record (`staff_visible_clients`);
- recording a form: staff who may change the record (`writable_clients`), or the child's own
  family account in the portal (`family_clients`);
- the homework–outcome analysis: supervisors and analysts, over the programs where they hold
  that role; aggregates only, with counts shown exactly only where they have record access.

Lookups return the object or raise a 404 that is audited either way, as policy's do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from between.accounts import audit, policy
from between.accounts.models import AuditAction, Role
from between.clinic.models import Client, Program
from between.outcomes.models import Instrument
from between.outcomes.seed import active_instruments


def get_client_for(
    user: Any, client_id: int, *, request: HttpRequest | None = None, write: bool = False
) -> Client:
    """The client whose scores the user may see (write=True: record a form); else 404."""
    return policy.get_client_for(user, client_id, request=request, write=write)


def get_family_client_for(
    user: Any, client_id: int, *, request: HttpRequest | None = None
) -> Client:
    """One of the family's own children; else 404. Either way audited."""
    client = policy.family_clients(user).filter(pk=client_id).first()
    if client is None:
        exists = Client.objects.filter(pk=client_id).exists()
        raise policy._deny(
            user,
            request,
            "clinic.client",
            client_id,
            client_id=client_id if exists else None,
        )
    audit.record(user, AuditAction.VIEW, client, request=request, detail="outcomes")
    return client


def get_instrument(key: str) -> Instrument:
    """An active instrument by key; else 404 (instruments hold no client data: not audited)."""
    for instrument in active_instruments():
        if instrument.key == key:
            return instrument
    raise Http404("No such questionnaire.")


def analysis_program_ids(user: Any) -> set[int]:
    """Programs whose outcome analysis the user may see: those they supervise or analyse."""
    if not policy.can_see_dashboards(user):
        return set()
    return set(
        policy.program_ids_for(user, Role.SUPERVISOR, Role.ANALYST).values_list(
            "program_id", flat=True
        )
    )


def analysis_programs(user: Any) -> QuerySet[Program]:
    return Program.objects.filter(pk__in=analysis_program_ids(user), is_active=True)


def sees_exact_counts(user: Any, program_ids: set[int]) -> bool:
    """Exact counts only where the user may open every one of these programs' records."""
    return bool(program_ids) and program_ids <= policy.record_program_ids(user)
