"""Indicator dashboards at county, program and clinician level, with a CSV of what is shown.

Every view: decide the scope through accounts/policy.py, decide whether counts are exact (the
viewer may open every record behind them) or suppressed, then let dashboard.py read the
summary. Aggregates are not client records, so no per-client audit event is written; CSV
downloads are exports and are audited.
"""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from between.accounts import audit, policy
from between.accounts.models import AuditAction
from between.accounts.types import AuthedRequest
from between.clinic.actions import today
from between.clinic.models import Program
from between.indicators import dashboard, registry
from between.indicators.forms import DashboardForm
from between.indicators.models import Intervention
from between.indicators.repository import Scope

DIMENSION_CHOICES = [(d.key, d.title) for d in registry.DIMENSIONS]


def _interventions(program_ids: set[int]) -> list[Intervention]:
    return list(
        Intervention.objects.filter(Q(program__isnull=True) | Q(program_id__in=program_ids))
    )


def _render(
    request: AuthedRequest,
    *,
    level: str,
    heading: str,
    scope: Scope,
    exact: bool,
    breakdowns: list[tuple[str, Any]],
    context: dict[str, Any],
) -> HttpResponse:
    form = DashboardForm(request.GET, today=today(), breakdowns=breakdowns, allow_weeks=exact)
    board = None
    if form.is_valid():
        try:
            board = _build(form.cleaned_data, scope, exact)
        except dashboard.ChartError as error:
            form.add_error(None, str(error))
    if board is not None and request.GET.get("download") == "csv":
        data = form.cleaned_data
        audit.record(
            request.user,
            AuditAction.EXPORT,
            request=request,
            object_type="indicators.dashboard",
            object_id=level,
            detail=f"{data['indicator']}:{data['grain']}",
        )
        return _csv(board, heading)
    return render(
        request,
        "indicators/dashboard.html",
        {
            "form": form,
            "board": board,
            "level": level,
            "heading": heading,
            "indicators": registry.INDICATORS,
            "query": request.GET.urlencode(),
            "breakdown_title": dict(breakdowns).get(request.GET.get("breakdown", ""), ""),
            "small_cell_max": settings.SMALL_CELL_MAX,
            **context,
        },
    )


def _build(data: dict[str, Any], scope: Scope, exact: bool) -> dashboard.Dashboard:
    return dashboard.build(
        registry.get(data["indicator"]),
        scope,
        grain=data["grain"],
        start=data["start"],
        end=data["end"],
        exact=exact,
        breakdown_by=data["breakdown"],
        chart=data["chart"],
        rules=data["rules"],
        phases=data["phases"],
        baseline=data["baseline"],
        exclude=data["exclude"],
        interventions=_interventions(set(scope.program_ids)),
    )


def _csv(board: dashboard.Dashboard, heading: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{board.indicator.key}-{board.start:%Y-%m}-{board.end:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "table",
            "label",
            "numerator",
            "denominator",
            "rate",
            "center_line",
            "lower_limit",
            "upper_limit",
            "signals",
            "suppressed",
        ]
    )
    tables = [("series", [*board.rows, board.total])]
    if board.breakdown_by:
        tables.append((f"by_{board.breakdown_by}", board.breakdown_rows))
    for table, rows in tables:
        for row in rows:
            writer.writerow(
                [
                    table,
                    row.label,
                    "" if row.numerator is None else row.numerator,
                    "" if row.denominator is None else row.denominator,
                    "" if row.rate is None else f"{row.rate:.6f}",
                    "" if row.center_line is None else f"{row.center_line:.6f}",
                    "" if row.lower_limit is None else f"{row.lower_limit:.6f}",
                    "" if row.upper_limit is None else f"{row.upper_limit:.6f}",
                    " ".join(row.signals),
                    row.hidden,
                ]
            )
    return response


def _require_staff(request: AuthedRequest) -> None:
    if not policy.can_see_dashboards(request.user):
        raise Http404("No such page.")


@require_GET
@login_required
def county(request: AuthedRequest) -> HttpResponse:
    """Every program the viewer works in, together."""
    _require_staff(request)
    programs = list(policy.visible_programs(request.user))
    ids = {p.pk for p in programs}
    exact = bool(ids) and ids <= policy.record_program_ids(request.user)
    breakdowns: list[tuple[str, Any]] = [("program", _("Program"))]
    if exact:
        breakdowns.append(("clinician", _("Clinician")))
    return _render(
        request,
        level="county",
        heading=_("All my programs"),
        scope=Scope(frozenset(ids)),
        exact=exact,
        breakdowns=breakdowns + DIMENSION_CHOICES,
        context={"programs": programs},
    )


@require_GET
@login_required
def program(request: AuthedRequest, program_id: int) -> HttpResponse:
    _require_staff(request)
    found: Program = policy.get_program_for(request.user, program_id, request=request)
    exact = found.pk in policy.record_program_ids(request.user)
    breakdowns: list[tuple[str, Any]] = [("clinician", _("Clinician"))] if exact else []
    return _render(
        request,
        level="program",
        heading=found.name,
        scope=Scope(frozenset({found.pk})),
        exact=exact,
        breakdowns=breakdowns + DIMENSION_CHOICES,
        context={"program": found},
    )


@require_GET
@login_required
def clinician(request: AuthedRequest, clinician_id: int) -> HttpResponse:
    """One clinician's own numbers: for themselves, their supervisors and granted analysts."""
    person, program_ids = policy.get_clinician_dashboard_for(
        request.user, clinician_id, request=request
    )
    return _render(
        request,
        level="clinician",
        heading=person.get_full_name() or person.username,
        scope=Scope(frozenset(program_ids), clinician_id=person.pk),
        exact=True,
        breakdowns=DIMENSION_CHOICES,
        context={"person": person},
    )
