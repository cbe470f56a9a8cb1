"""Aggregates over the API: the homework library and indicator values.

Neither holds client records, so neither leaves a per-request audit event (as on the pages).
Indicator values are read from the summary table through the indicators repository, and small
cells are suppressed exactly as the dashboards do for people without record-level access.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field as QField
from ninja import Query, Router

from between.accounts import audit, policy
from between.accounts.models import AuditAction
from between.clinic.actions import today
from between.homework.library import library_queryset
from between.homework.models import HomeworkTemplate, SkillArea, Target
from between.indicators import periods, repository
from between.indicators.actions import data_as_of
from between.indicators.registry import INDICATORS, REGISTRY
from between.indicators.repository import Scope
from between.interop.api import pagination
from between.interop.api.errors import ERROR_RESPONSES, ApiError
from between.interop.api.records import MAX_ID, PageQuery, user_of
from between.interop.api.schemas import NO_NUL, IndicatorValuePage, TemplateOut, TemplatePage
from between.stats import disclosure

router = Router(tags=["aggregates"])

# The longest stretch one request may cover (every month of it is computed per program).
MAX_MONTHS = 36


class LibraryFilters(PageQuery):
    q: str = QField("", max_length=100, pattern=NO_NUL)
    skill_area: SkillArea | None = None
    target: Target | None = None
    age: int | None = QField(None, ge=0, le=30)


def template_out(template: HomeworkTemplate) -> dict[str, Any]:
    version = template.current
    assert version is not None
    fields = {name: getattr(version, name, None) for name in TemplateOut.model_fields}
    return {
        **fields,
        "id": template.pk,
        "key": template.key,
        "is_retired": template.is_retired,
        "version": version.number,
    }


@router.get(
    "/library-templates",
    response={200: TemplatePage, **ERROR_RESPONSES},
    url_name="library-template-list",
)
def list_library_templates(request: HttpRequest, filters: Query[LibraryFilters]) -> Any:
    """The homework library (current versions of items not retired). No client data."""
    templates = library_queryset(
        user_of(request),
        q=filters.q,
        skill=filters.skill_area or "",
        target=filters.target or "",
        age=filters.age,
    )
    rows, cursor = pagination.page(templates, filters.cursor, filters.limit)
    return {"items": [template_out(t) for t in rows], "next_cursor": cursor}


IndicatorKey = Literal[tuple(i.key for i in INDICATORS)]  # type: ignore[valid-type]


class IndicatorFilters(PageQuery):
    indicator: IndicatorKey | None = None  # type: ignore[valid-type]
    program: int | None = QField(None, ge=1, le=MAX_ID)
    clinician: int | None = QField(None, ge=1, le=MAX_ID)
    date_from: date | None = None
    date_to: date | None = None


def _month_shift(month: date, months: int) -> date:
    index = max(month.year * 12 + month.month - 1 + months, 12)  # not before year 1
    return date(index // 12, index % 12 + 1, 1)


def _months(filters: IndicatorFilters) -> tuple[date, date]:
    """The first and last month asked for (default: the 12 months up to this one)."""
    end = periods.period_start("month", filters.date_to or today())
    if filters.date_from is None:
        start = _month_shift(end, -11)
    else:
        start = periods.period_start("month", filters.date_from)
    if start > end:
        raise ApiError(422, "date_from is after date_to.", details={"date_from": "after date_to"})
    if (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
        raise ApiError(
            422,
            f"Ask for at most {MAX_MONTHS} months at a time.",
            details={"date_from": f"at most {MAX_MONTHS} months before date_to"},
        )
    return start, end


@router.get(
    "/indicator-values",
    response={200: IndicatorValuePage, **ERROR_RESPONSES},
    url_name="indicator-value-list",
)
def list_indicator_values(request: HttpRequest, filters: Query[IndicatorFilters]) -> Any:
    """Monthly numerators and denominators per indicator and program (default: the last 12
    months). With `clinician`: that clinician's own numbers, for themselves, their supervisors
    and analysts granted record access (as the clinician dashboard). Without record-level
    access to a program its small cells are hidden, as on the program dashboard over the same
    months."""
    user = user_of(request)
    start, end = _months(filters)
    program_ids = set(policy.visible_programs(user).values_list("pk", flat=True))
    if filters.clinician:
        _person, allowed = policy.get_clinician_dashboard_for(
            user, filters.clinician, request=request
        )
        program_ids &= allowed
        exact_ids = program_ids
    else:
        exact_ids = program_ids & policy.record_program_ids(user)
    if filters.program:
        if filters.program not in program_ids:
            # Not theirs, or not one where they may see this clinician: 404, audited.
            audit.record(
                user,
                AuditAction.DENY,
                request=request,
                outcome="denied",
                object_type="clinic.program",
                object_id=filters.program,
                detail="indicator values",
            )
            raise ApiError(404, "Not found.")
        program_ids = {filters.program}
    indicators = [REGISTRY[filters.indicator]] if filters.indicator else list(INDICATORS)
    months = list(periods.periods("month", start, end))
    items: list[dict[str, Any]] = []
    for position, indicator in enumerate(indicators):
        counts = _counts(indicator, start, end, program_ids, filters.clinician)
        for program_id in sorted(program_ids):
            exact = program_id in exact_ids
            cells = [counts.get((program_id, month), (0, 0)) for month in months]
            shown = _suppressed(cells, exact)
            for month, cell in zip(months, shown, strict=True):
                items.append(
                    {
                        "_position": [position, program_id, month.isoformat()],
                        "indicator": indicator.key,
                        "program_id": program_id,
                        "clinician_id": filters.clinician,
                        "month": month,
                        "numerator": cell.numerator,
                        "denominator": cell.denominator,
                        "rate": cell.rate,
                        "exact": exact,
                        "hidden_because": (
                            str(cell.hidden_because) if cell.hidden_because else None
                        ),
                    }
                )
    after = pagination.decode(filters.cursor)
    if after is not None:
        if not (isinstance(after, list) and len(after) == 3):
            raise ApiError(400, "The cursor is not valid.", code="invalid_cursor")
        items = [i for i in items if i["_position"] > after]
    page = items[: filters.limit]
    more = len(items) > filters.limit
    return {
        "items": page,
        "next_cursor": pagination.encode(page[-1]["_position"]) if more else None,
        "data_as_of": data_as_of(),
    }


def _counts(
    indicator: Any, start: date, end: date, program_ids: set[int], clinician_id: int | None
) -> dict[tuple[int, date], tuple[int, int]]:
    """(program, month) -> (numerator, denominator), in one grouped query."""
    if not program_ids:
        return {}
    # The repository's own row selection (the same rows `repository.series` sums), grouped
    # by program as well as by month.
    rows = repository._rows(
        indicator, "month", start, end, Scope(frozenset(program_ids), clinician_id), ""
    )
    grouped = rows.values("program_id", "period_start").annotate(**repository.SUMS)
    return {
        (row["program_id"], row["period_start"]): (int(row["num"] or 0), int(row["den"] or 0))
        for row in grouped
    }


def _suppressed(cells: list[tuple[int, int]], exact: bool) -> tuple[disclosure.SuppressedCell, ...]:
    if exact:
        return tuple(disclosure.SuppressedCell(n, d) for n, d in cells)
    # The program dashboard shows these months with their total: suppress them the same way,
    # so that the API and the page reveal the same cells.
    table = disclosure.suppress_breakdown(cells, max_small=settings.SMALL_CELL_MAX)
    return table.rows
