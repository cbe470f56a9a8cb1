"""Client records over the API: programs, clients, sessions, assignments, practice logs, reviews.

Every query starts from accounts/policy.py, exactly as the pages do, so a token sees what its
user may see and nothing else; another program's record by id is a 404 (audited), never a 403.
Reading a list of client data leaves one audit event per request (the rows it returned are
counted, not named); reading one record leaves the policy helper's own event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field as QField
from ninja import Query, Router, Schema, Status

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.clinic.models import Client, Session
from between.homework import actions
from between.homework.models import Assignment, PracticeLog, Review
from between.interop.api import pagination
from between.interop.api.errors import ERROR_RESPONSES, ApiError
from between.interop.api.schemas import (
    AssignmentOut,
    AssignmentPage,
    ClientOut,
    ClientPage,
    PracticeLogIn,
    PracticeLogOut,
    PracticeLogPage,
    ProgramOut,
    ProgramPage,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    SessionOut,
    SessionPage,
)

router = Router(tags=["records"])

MAX_ID = 2**62  # ids beyond any database's range are a validation error, not a crash


class PageQuery(Schema):
    cursor: str | None = QField(None, max_length=500)
    limit: int = QField(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT)


class RecordFilters(PageQuery):
    program: int | None = QField(None, ge=1, le=MAX_ID)
    clinician: int | None = QField(None, ge=1, le=MAX_ID)
    date_from: date | None = None
    date_to: date | None = None


def user_of(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def require_write(request: HttpRequest) -> None:
    token = getattr(request, "api_token", None)
    if token is None or not token.can_write:
        audit.record(
            user_of(request),
            AuditAction.DENY,
            request=request,
            outcome="denied",
            object_type="interop_api.apitoken",
            object_id=getattr(token, "pk", ""),
            detail="write scope required",
        )
        raise ApiError(403, "This token may only read.", code="insufficient_scope")


def audit_list(
    request: HttpRequest, object_type: str, rows: list[Any], client_ids: set[int]
) -> None:
    """A list of client data leaves one event on each listed client's trail (one insert), or
    one event for the request when the page holds no client's record."""
    detail = f"api list: {len(rows)} rows, {len(client_ids)} clients"
    if client_ids:
        audit.record_many(
            user_of(request),
            AuditAction.VIEW,
            request=request,
            object_type=object_type,
            object_id="list",
            client_ids=client_ids,
            detail=detail,
        )
        return
    audit.record(
        user_of(request),
        AuditAction.VIEW,
        request=request,
        object_type=object_type,
        object_id="list",
        detail=detail,
    )


def _dates(queryset: QuerySet[Any], field: str, filters: RecordFilters) -> QuerySet[Any]:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ApiError(422, "date_from is after date_to.", details={"date_from": "after date_to"})
    if filters.date_from:
        queryset = queryset.filter(**{f"{field}__gte": filters.date_from})
    if filters.date_to:
        queryset = queryset.filter(**{f"{field}__lte": filters.date_to})
    return queryset


# --- Programs --------------------------------------------------------------------------------


@router.get("/programs", response={200: ProgramPage, **ERROR_RESPONSES}, url_name="program-list")
def list_programs(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """Programs the user works in (any staff role)."""
    rows, cursor = pagination.page(
        policy.visible_programs(user_of(request)), filters.cursor, filters.limit
    )
    return {"items": rows, "next_cursor": cursor}


@router.get(
    "/programs/{program_id}",
    response={200: ProgramOut, **ERROR_RESPONSES},
    url_name="program-detail",
)
def get_program(request: HttpRequest, program_id: int) -> Any:
    return policy.get_program_for(user_of(request), _id(program_id), request=request)


# --- Clients ---------------------------------------------------------------------------------


@router.get("/clients", response={200: ClientPage, **ERROR_RESPONSES}, url_name="client-list")
def list_clients(request: HttpRequest, filters: Query[RecordFilters]) -> Any:
    """Clients whose record the user may open. `clinician` is the primary clinician; the
    dates filter on when the record was created."""
    clients: QuerySet[Client] = policy.staff_visible_clients(user_of(request))
    if filters.program:
        clients = clients.filter(program_id=filters.program)
    if filters.clinician:
        clients = clients.filter(primary_clinician_id=filters.clinician)
    clients = _dates(clients, "created_at__date", filters)
    rows, cursor = pagination.page(clients, filters.cursor, filters.limit)
    audit_list(request, "clinic.client", rows, {c.pk for c in rows})
    return {"items": rows, "next_cursor": cursor}


@router.get(
    "/clients/{client_id}", response={200: ClientOut, **ERROR_RESPONSES}, url_name="client-detail"
)
def get_client(request: HttpRequest, client_id: int) -> Any:
    return policy.get_client_for(user_of(request), _id(client_id), request=request)


# --- Sessions --------------------------------------------------------------------------------


class SessionFilters(RecordFilters):
    client: int | None = QField(None, ge=1, le=MAX_ID)


@router.get("/sessions", response={200: SessionPage, **ERROR_RESPONSES}, url_name="session-list")
def list_sessions(request: HttpRequest, filters: Query[SessionFilters]) -> Any:
    """Sessions (never their notes) of records the user may open; dates are session dates."""
    sessions: QuerySet[Session] = policy.visible_sessions(user_of(request))
    if filters.program:
        sessions = sessions.filter(program_id=filters.program)
    if filters.clinician:
        sessions = sessions.filter(clinician_id=filters.clinician)
    if filters.client:
        sessions = sessions.filter(client_id=filters.client)
    sessions = _dates(sessions, "occurred_on", filters)
    rows, cursor = pagination.page(sessions, filters.cursor, filters.limit)
    audit_list(request, "clinic.session", rows, {s.client_id for s in rows})
    return {"items": rows, "next_cursor": cursor}


@router.get(
    "/sessions/{session_id}",
    response={200: SessionOut, **ERROR_RESPONSES},
    url_name="session-detail",
)
def get_session(request: HttpRequest, session_id: int) -> Any:
    return policy.get_session_for(user_of(request), _id(session_id), request=request)


# --- Assignments -----------------------------------------------------------------------------


class AssignmentFilters(SessionFilters):
    is_open: bool | None = None


def assignment_out(assignment: Assignment) -> dict[str, Any]:
    version = assignment.template_version
    computed = {"template_key", "template_version", "title"}
    return {
        **{
            name: getattr(assignment, name)
            for name in AssignmentOut.model_fields
            if name not in computed
        },
        "template_key": version.template.key if version is not None else None,
        "template_version": version.number if version is not None else None,
        "title": assignment.title_in(assignment.language),
    }


@router.get(
    "/assignments", response={200: AssignmentPage, **ERROR_RESPONSES}, url_name="assignment-list"
)
def list_assignments(request: HttpRequest, filters: Query[AssignmentFilters]) -> Any:
    """Homework; `clinician` is the clinician of the session it was given in, dates that
    session's date."""
    assignments = policy.visible_assignments(user_of(request)).select_related(
        "template_version__template"
    )
    if filters.program:
        assignments = assignments.filter(session__program_id=filters.program)
    if filters.clinician:
        assignments = assignments.filter(session__clinician_id=filters.clinician)
    if filters.client:
        assignments = assignments.filter(client_id=filters.client)
    if filters.is_open is not None:
        assignments = assignments.filter(closed_at__isnull=filters.is_open)
    assignments = _dates(assignments, "session__occurred_on", filters)
    rows, cursor = pagination.page(assignments, filters.cursor, filters.limit)
    audit_list(request, "homework.assignment", rows, {a.client_id for a in rows})
    return {"items": [assignment_out(a) for a in rows], "next_cursor": cursor}


@router.get(
    "/assignments/{assignment_id}",
    response={200: AssignmentOut, **ERROR_RESPONSES},
    url_name="assignment-detail",
)
def get_assignment(request: HttpRequest, assignment_id: int) -> Any:
    found = policy.get_assignment_for(user_of(request), _id(assignment_id), request=request)
    return assignment_out(found)


# --- Practice logs ---------------------------------------------------------------------------


class LogFilters(SessionFilters):
    assignment: int | None = QField(None, ge=1, le=MAX_ID)


@router.get(
    "/practice-logs",
    response={200: PracticeLogPage, **ERROR_RESPONSES},
    url_name="practice-log-list",
)
def list_practice_logs(request: HttpRequest, filters: Query[LogFilters]) -> Any:
    """Reports of practice; `clinician` is the clinician of the session the homework was
    given in, dates the day practiced."""
    logs: QuerySet[PracticeLog] = PracticeLog.objects.filter(
        assignment__in=policy.visible_assignments(user_of(request)).values("pk")
    ).select_related("assignment")
    if filters.program:
        logs = logs.filter(assignment__session__program_id=filters.program)
    if filters.clinician:
        logs = logs.filter(assignment__session__clinician_id=filters.clinician)
    if filters.client:
        logs = logs.filter(assignment__client_id=filters.client)
    if filters.assignment:
        logs = logs.filter(assignment_id=filters.assignment)
    logs = _dates(logs, "practiced_on", filters)
    rows, cursor = pagination.page(logs, filters.cursor, filters.limit)
    audit_list(request, "homework.practicelog", rows, {log.assignment.client_id for log in rows})
    return {"items": rows, "next_cursor": cursor}


@router.post(
    "/practice-logs",
    response={200: PracticeLogOut, 201: PracticeLogOut, **ERROR_RESPONSES},
    url_name="practice-log-create",
)
def create_practice_log(request: HttpRequest, payload: PracticeLogIn) -> Any:
    """Log practice on behalf of a family (write scope). Idempotent by `idempotency_key`:
    the same key again returns the first log with 200 instead of 201."""
    user = user_of(request)
    require_write(request)
    assignment = policy.get_assignment_for(user, payload.assignment_id, request=request, write=True)
    try:
        log, created = actions.log_practice(
            user,
            assignment,
            practiced_on=payload.practiced_on,
            completion=payload.completion,
            source=payload.source,
            idempotency_key=payload.idempotency_key,
            count=payload.count,
            rating=payload.rating,
            note=payload.note,
        )
    except actions.KeyReusedError:
        raise ApiError(409, "This idempotency key was already used for other homework.") from None
    return Status(201 if created else 200, log)


# --- Reviews ---------------------------------------------------------------------------------


class ReviewFilters(LogFilters):
    pass


def review_out(review: Review) -> dict[str, Any]:
    return {
        **{name: getattr(review, name) for name in ReviewOut.model_fields if name != "barriers"},
        "barriers": [b.code for b in review.barriers.all()],
        "strategy": review.strategy.code if review.strategy is not None else None,
    }


@router.get("/reviews", response={200: ReviewPage, **ERROR_RESPONSES}, url_name="review-list")
def list_reviews(request: HttpRequest, filters: Query[ReviewFilters]) -> Any:
    """Reviews of homework; `clinician` and the dates are those of the reviewing session."""
    user = user_of(request)
    reviews: QuerySet[Review] = (
        Review.objects.filter(session__client__in=policy.staff_visible_clients(user).values("pk"))
        .select_related("strategy", "session")
        .prefetch_related("barriers")
    )
    if filters.program:
        reviews = reviews.filter(session__program_id=filters.program)
    if filters.clinician:
        reviews = reviews.filter(session__clinician_id=filters.clinician)
    if filters.client:
        reviews = reviews.filter(session__client_id=filters.client)
    if filters.assignment:
        reviews = reviews.filter(assignment_id=filters.assignment)
    reviews = _dates(reviews, "session__occurred_on", filters)
    rows, cursor = pagination.page(reviews, filters.cursor, filters.limit)
    audit_list(request, "homework.review", rows, {r.session.client_id for r in rows})
    return {"items": [review_out(r) for r in rows], "next_cursor": cursor}


@router.post(
    "/reviews",
    response={200: ReviewOut, 201: ReviewOut, **ERROR_RESPONSES},
    url_name="review-save",
)
def save_review(request: HttpRequest, payload: ReviewIn) -> Any:
    """Record (201) or change (200, naming `expected_version`) what happened to homework, at a
    later session (write scope)."""
    user = user_of(request)
    require_write(request)
    session = policy.get_session_for(user, payload.session_id, request=request, write=True)
    assignment = policy.get_assignment_for(user, payload.assignment_id, request=request, write=True)
    existed = Review.objects.filter(assignment=assignment, session=session).exists()
    review = actions.review_assignment(
        user,
        session,
        assignment,
        completion=payload.completion,
        barrier_codes=payload.barriers,
        barrier_other=payload.barrier_other,
        strategy_code=payload.strategy,
        strategy_other=payload.strategy_other,
        expected_version=payload.expected_version,
    )
    return Status(200 if existed else 201, review_out(review))


def _id(value: int) -> int:
    """Path ids outside the database's integer range cannot exist: 404 without a query error."""
    if not 1 <= value <= MAX_ID:
        raise ApiError(404, "Not found.")
    return value
