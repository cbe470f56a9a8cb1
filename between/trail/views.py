"""Audit trail report pages (ONC 170.315(d)(3)): one filtered, sorted, paginated list of events,
and the same set as CSV. "By user" and "by client" are the list with that filter set.

Reading the report is itself audited: a view event per page, an export event per download.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from between.accounts import audit, policy
from between.accounts.models import AuditAction, AuditEvent
from between.accounts.types import AuthedRequest
from between.trail import access
from between.trail.forms import EventFilterForm, ordering

EVENTS_PER_PAGE = 100
# Rows fetched per database round trip while streaming a CSV.
EXPORT_CHUNK = 2000
CSV_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_username",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "client_id",
    "program_id",
    "ip_address",
    "path",
    "detail",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    user_query: str  # the list filtered by this event's user
    client_query: str  # the list filtered by this event's client
    can_open_client: bool  # the viewer may open the client's record


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None  # "ascending" / "descending" when the list is sorted by this column
    query: str  # the list sorted by this column (the other direction when it is already)


def _filters(form: EventFilterForm) -> QueryDict:
    """The filters the form took, as a query string (unknown parameters dropped)."""
    params = QueryDict(mutable=True)
    for name in form.fields:
        value = form.data.get(name, "")
        if value:
            params[name] = value
    return params


def _query(params: QueryDict, **changes: str) -> str:
    changed = params.copy()
    for name, value in changes.items():
        changed[name] = value  # replaces (QueryDict.update would append)
    return changed.urlencode()


def _events(user: Any, form: EventFilterForm) -> QuerySet[AuditEvent]:
    return (
        access.visible_audit_events(user)
        .filter(form.conditions())
        .select_related("actor")
        .order_by(*ordering(form.sort_key()))
    )


def _columns(params: QueryDict, current: str) -> list[Column]:
    labels = {"time": _("Time"), "user": _("User"), "action": _("Action"), "client": _("Client")}
    columns = []
    for key, label in labels.items():
        state = None
        if current.lstrip("-") == key:
            state = "descending" if current.startswith("-") else "ascending"
        if state == "ascending":
            target = f"-{key}"
        elif state == "descending":
            target = key
        else:
            target = "-time" if key == "time" else key  # newest first; names A to Z
        columns.append(Column(key, label, state, _query(params, sort=target)))
    return columns


def _rows(user: Any, events: Iterable[AuditEvent], params: QueryDict) -> list[Row]:
    events = list(events)
    client_ids = {e.client_id for e in events if e.client_id is not None}
    openable: set[int] = set()
    if client_ids:
        openable = set(
            policy.staff_visible_clients(user)
            .filter(pk__in=client_ids)
            .values_list("pk", flat=True)
        )
    return [
        Row(
            event=e,
            user_query=_query(params, user=e.actor.username) if e.actor is not None else "",
            client_query=_query(params, client=str(e.client_id)) if e.client_id else "",
            can_open_client=e.client_id in openable,
        )
        for e in events
    ]


def _invalid(request: AuthedRequest, form: EventFilterForm) -> HttpResponse:
    """The form with its messages and no events: nothing is queried with bad filters."""
    context: dict[str, Any] = {"form": form, "page": None, "rows": [], "columns": []}
    return render(request, "trail/event_list.html", context, status=400)


@require_GET
@login_required
def event_list(request: AuthedRequest) -> HttpResponse:
    """Audit events the viewer may read, filtered by user, client, period, action, outcome."""
    access.require_trail_reader(request.user, request=request)
    form = EventFilterForm(request.GET)
    if not form.is_valid():
        return _invalid(request, form)
    params = _filters(form)
    page = Paginator(_events(request.user, form), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = _rows(request.user, page.object_list, params)
    audit.record(
        request.user,
        AuditAction.VIEW,
        request=request,
        object_type=access.OBJECT_TYPE,
        detail=f"{form.summary()} page={page.number}",
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "columns": _columns(params, form.sort_key()),
        "filters": params.urlencode(),
        "page_query": _query(params),
        "filtered_user": form.cleaned_data["user"],
        "filtered_client": form.cleaned_data["client"],
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "trail/event_list.html", context)


@require_GET
@login_required
def event_export(request: AuthedRequest) -> HttpResponseBase:
    """The list's filtered set as CSV, streamed: the trail can hold millions of rows."""
    access.require_trail_reader(request.user, request=request)
    form = EventFilterForm(request.GET)
    if not form.is_valid():
        return _invalid(request, form)
    events = _events(request.user, form)
    count = events.count()
    exported = audit.record(
        request.user,
        AuditAction.EXPORT,
        request=request,
        object_type=access.OBJECT_TYPE,
        detail=f"{form.summary()} rows={count}",
    )
    # The file is the trail as it was when the download began (without its own export event).
    snapshot = events.filter(pk__lt=exported.pk)
    response = StreamingHttpResponse(csv_lines(snapshot), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(exported.at, ZoneInfo(settings.TIME_ZONE))
    name = f"audit-trail-{stamp:%Y%m%d-%H%M%S}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat()
    text = str(value)
    # Keep a spreadsheet from running a path or detail as a formula (CSV injection).
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    columns = [("actor__username" if c == "actor_username" else c) for c in CSV_COLUMNS]
    for values in events.values_list(*columns).iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow([_cell(v) for v in values])
