"""What every resource type shares: the request context, a page of results, the table row, and
the audited lookup. Every scope starts from a policy helper (`staff_visible_clients`,
`visible_sessions`, `visible_programs`, ...); a read outside it is a 404 with a denied audit
event, a search simply does not find it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.interop.fhir import search as fhir_search
from between.interop.fhir.http import FhirError
from between.interop.fhir.search import Search

Builder = Callable[[Any], dict[str, Any]]


@dataclass
class Context:
    request: HttpRequest
    user: User


@dataclass
class Page:
    total: int
    resources: list[dict[str, Any]]
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    client_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Kind:
    name: str
    # name -> (FHIR search parameter type, what it matches)
    params: dict[str, tuple[str, str]]
    read: Callable[[Context, str], dict[str, Any]]
    search: Callable[[Context, Search], Page]
    # Reads and searches of client records are audited.
    client_data: bool = True


# --- Helpers ---------------------------------------------------------------------------


def pk_of(resource_id: str) -> int | None:
    return int(resource_id) if resource_id.isdigit() and len(resource_id) < 19 else None


def get_audited(
    ctx: Context,
    scope: QuerySet[Any],
    resource_id: str,
    object_type: str,
    client_of: Callable[[Any], int],
    action: str = AuditAction.VIEW,
) -> Any:
    """One object of a policy scope (audited as `action`), or 404 (audited as denied)."""
    pk = pk_of(resource_id)
    found = scope.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise deny(ctx, object_type, resource_id)
    audit.record(ctx.user, action, found, request=ctx.request, client_id=client_of(found))
    return found


def deny(ctx: Context, object_type: str, resource_id: str) -> Http404:
    """Audit a refused read and return the 404 to raise (as `policy` does)."""
    audit.record(
        ctx.user,
        AuditAction.DENY,
        request=ctx.request,
        outcome="denied",
        object_type=object_type,
        object_id=resource_id[:48],
        detail="read",
    )
    return Http404("Not found.")


def page_of(
    search: Search,
    queryset: QuerySet[Any],
    build: Builder,
    client_of: Callable[[Any], int] | None = None,
) -> Page:
    total = queryset.count()
    rows = list(queryset.order_by("pk")[search.offset : search.offset + search.count])
    return Page(
        total=total,
        resources=[build(row) for row in rows],
        client_ids={client_of(row) for row in rows} if client_of else set(),
    )


def filter_ids(queryset: QuerySet[Any], search: Search) -> QuerySet[Any]:
    wanted = fhir_search.ids(search)
    return queryset if wanted is None else queryset.filter(pk__in=wanted)


def filter_patient(queryset: QuerySet[Any], search: Search, path: str) -> QuerySet[Any]:
    wanted = fhir_search.reference_ids(search, "patient", "Patient")
    return queryset if wanted is None else queryset.filter(**{f"{path}__in": wanted})


def client_pks(ctx: Context) -> QuerySet[Any]:
    return policy.staff_visible_clients(ctx.user).values("pk")


def require(allowed: bool) -> None:
    if not allowed:
        raise Http404("Not found.")


def check_tokens(values: list[str], allowed: frozenset[str] | set[str], name: str) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise FhirError(400, "invalid", f"Unknown {name}: {', '.join(unknown)}.")
