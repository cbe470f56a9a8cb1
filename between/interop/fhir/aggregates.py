"""Measure and MeasureReport: aggregates, for every staff role of a program (counts suppressed
where the viewer lacks record access: see measures.py). No client record is read, so nothing
is audited but refusals.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

from django.http import Http404

from between.accounts import policy
from between.clinic.actions import today
from between.indicators import periods
from between.interop.fhir import measures
from between.interop.fhir import search as fhir_search
from between.interop.fhir.base import Context, Page, deny, require
from between.interop.fhir.http import FhirError, operation_outcome
from between.interop.fhir.search import Search


def _require_dashboards(ctx: Context) -> None:
    require(policy.can_see_dashboards(ctx.user))


def read_measure(ctx: Context, resource_id: str) -> dict[str, Any]:
    _require_dashboards(ctx)
    indicator = measures.MEASURES.get(resource_id)
    if indicator is None:
        raise Http404("Not found.")
    return measures.measure(indicator)


def search_measures(ctx: Context, search: Search) -> Page:
    _require_dashboards(ctx)
    chosen = list(measures.MEASURES.values())
    wanted_ids = search.tokens("_id")
    if wanted_ids is not None:
        chosen = [i for i in chosen if measures.measure_id(i) in wanted_ids]
    urls = search.tokens("url")
    if urls is not None:
        chosen = [i for i in chosen if measures.measure_url(i) in urls]
    page = chosen[search.offset : search.offset + search.count]
    return Page(len(chosen), [measures.measure(i) for i in page])


def _report_scope(ctx: Context) -> tuple[set[int], set[int]]:
    """Programs whose reports the viewer may see, and those they may see exactly."""
    _require_dashboards(ctx)
    visible = set(policy.visible_programs(ctx.user).values_list("pk", flat=True))
    return visible, visible & policy.record_program_ids(ctx.user)


def _reports(
    ctx: Context, keys: list[measures.ReportKey], visible: set[int], exact: set[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cells = measures.counts(keys, visible_program_ids=visible, exact_program_ids=exact)
    closed = measures.closed_months(k.month for k in keys)
    reports = [measures.measure_report(k, cells[k], is_closed=k.month in closed) for k in keys]
    outcomes = []
    if any(cells[k].hidden for k in keys):
        outcomes.append(
            operation_outcome(
                "security",
                "Some counts are suppressed: without record access to a program, counts that "
                "could identify a child (and those that would give them away) are not shown.",
                severity="information",
            )
        )
    return reports, outcomes


def read_report(ctx: Context, resource_id: str) -> dict[str, Any]:
    visible, exact = _report_scope(ctx)
    key = measures.parse_report_id(resource_id)
    if (
        key is None
        or key.program_id not in visible
        or key.month > periods.period_start("month", today())
    ):
        raise deny(ctx, "fhir.measurereport", resource_id)
    reports, _outcomes = _reports(ctx, [key], visible, exact)
    return reports[0]


def _report_months(search: Search) -> list[date]:
    """Months (newest first) that meet every period bound; by default the last twelve.

    A month meets `ge`/`gt` when it reaches past the bound, `le`/`lt` when it starts before it
    (FHIR's overlap reading of a period), `eq` when it contains the given day, month or year."""
    month = partial(periods.period_start, "month")
    low: date | None = None
    high = month(today())
    for value in search.values("period"):
        prefix, first, last = fhir_search.date_bounds(value, "period")
        if prefix == "ne":
            raise FhirError(400, "not-supported", "period does not support ne.")
        if prefix in ("ge", "gt", "eq"):
            start = month(last + timedelta(days=1) if prefix == "gt" else first)
            low = start if low is None else max(low, start)
        if prefix in ("le", "lt", "eq"):
            high = min(high, month(first - timedelta(days=1) if prefix == "lt" else last))
    if low is None:
        back = high.year * 12 + high.month - 1 - 11
        low = date(back // 12, back % 12 + 1, 1)
    months = list(periods.periods("month", low, high)) if low <= high else []
    # Twenty years at most: a page is cut from this list.
    return sorted(months, reverse=True)[:240]


def search_reports(ctx: Context, search: Search) -> Page:
    visible, exact = _report_scope(ctx)
    chosen = list(measures.MEASURES.values())
    wanted = search.tokens("measure")
    if wanted is not None:
        found = {measures.indicator_for(w) for w in wanted}
        chosen = [i for i in chosen if i in found]
    programs = sorted(visible)
    reporters = fhir_search.reference_ids(search, "reporter", "Organization")
    if reporters is not None:
        programs = [p for p in programs if p in reporters]
    keys = [
        measures.ReportKey(indicator, program_id, month)
        for month in _report_months(search)
        for indicator in chosen
        for program_id in programs
    ]
    wanted_ids = search.tokens("_id")
    if wanted_ids is not None:
        keys = [k for k in keys if k.id in wanted_ids]
    page = keys[search.offset : search.offset + search.count]
    reports, outcomes = _reports(ctx, page, visible, exact)
    return Page(len(keys), reports, outcomes)
