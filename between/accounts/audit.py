"""Writing audit events. Actions and policy helpers call `record`; nothing else writes the table.

An event names objects by type and id only: never a name, a note or a contact detail.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from ipware import get_client_ip

from between.accounts import chain
from between.accounts.models import AuditEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    ip, _routable = get_client_ip(request, proxy_count=settings.PROXY_COUNT or None)
    return ip


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    request: HttpRequest | None = None,
    outcome: str = "ok",
    client_id: int | None = None,
    program_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: str = "",
) -> AuditEvent:
    """Append one audit event. `detail` is a short code (e.g. changed field names), never PHI."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        client_id = client_id if client_id is not None else _client_id_of(obj)
        program_id = program_id if program_id is not None else getattr(obj, "program_id", None)
    row: dict[str, Any] = {
        "at": timezone.now(),
        "actor_id": actor.pk if isinstance(actor, User) and actor.pk else None,
        "action": action,
        "outcome": outcome,
        "object_type": object_type,
        "object_id": str(object_id),
        "client_id": client_id,
        "program_id": program_id,
        "ip_address": client_ip(request),
        "path": (request.path[:200] if request is not None else ""),
        "detail": detail[:200],
    }
    with _transaction():
        chain.link([row])
        return AuditEvent.objects.create(**row)


def _transaction() -> AbstractContextManager[object]:
    """Linking and inserting must share a transaction (the chain's lock lasts until it ends).
    Inside an action's transaction that one serves; a savepoint would only cost two queries."""
    if connection.in_atomic_block:
        return nullcontext()
    return transaction.atomic()


def _client_id_of(obj: models.Model) -> int | None:
    if obj._meta.label_lower == "clinic.client":
        return int(obj.pk)
    value = getattr(obj, "client_id", None)
    return int(value) if value is not None else None


def record_many(
    actor: Any,
    action: str,
    *,
    object_type: str,
    client_ids: Iterable[int],
    request: HttpRequest | None = None,
    object_id: str | int = "",
    detail: str = "",
) -> list[AuditEvent]:
    """One event per client, in one insert: a list read of many clients' records (an API page,
    an export) leaves an event on each client's trail, so "who saw this child" finds it."""
    user = actor if isinstance(actor, User) and actor.pk else None
    ip, path = client_ip(request), (request.path[:200] if request is not None else "")
    now = timezone.now()
    rows = [
        {
            "at": now,
            "actor_id": user.pk if user is not None else None,
            "action": action,
            "outcome": "ok",
            "object_type": object_type,
            "object_id": str(object_id),
            "client_id": client_id,
            "program_id": None,
            "ip_address": ip,
            "path": path,
            "detail": detail[:200],
        }
        for client_id in sorted(set(client_ids))
    ]
    with _transaction():
        return AuditEvent.objects.bulk_create(AuditEvent(**row) for row in chain.link(rows))


def linked_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For writers that insert events in bulk themselves (imports): the same rows with their
    chain, link and hash. Insert them in this order before the current transaction ends."""
    return chain.link(rows)
