"""The session page: review first, assign, or say why not; the note sentence; the handout.

Thin views: authorize through accounts/policy.py, validate with a form, call an action, render.
htmx requests get the fragment they replace; plain requests get the whole page.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from between.accounts import policy
from between.accounts.types import AuthedRequest
from between.clinic.actions import today
from between.clinic.models import Session
from between.formtools import add_errors
from between.homework import actions
from between.homework.forms import (
    AssignForm,
    Catalogs,
    NoHomeworkForm,
    PracticeLogForm,
    ReviewForm,
    review_catalogs,
)
from between.homework.library import library_queryset
from between.homework.models import Assignment, PracticeLog, Review
from between.homework.notes import note_sentence


def open_assignments(session: Session) -> QuerySet[Assignment]:
    """Homework to review at this session: given earlier, still open or reviewed here."""
    return (
        Assignment.objects.filter(
            client_id=session.client_id, session__occurred_on__lte=session.occurred_on
        )
        .exclude(session=session)
        .filter(Q(closed_at__isnull=True) | Q(reviews__session=session))
        .distinct()
        .select_related("session", "template_version__template")
        .prefetch_related(
            Prefetch(
                "logs",
                queryset=PracticeLog.objects.select_related("logged_by").order_by("practiced_on"),
            ),
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(session=session)
                .select_related("strategy")
                .prefetch_related("barriers"),
                to_attr="reviews_here",
            ),
        )
        .order_by("session__occurred_on", "id")
    )


PICKER_SIZE = 12


def picker(request: AuthedRequest, age: int, query: str) -> list[Any]:
    """Library items to choose from: favorites first. Without a search, only items that suit
    the child's age; a search looks through the whole library (the clinician knows best)."""
    if query:
        return list(library_queryset(request.user, q=query)[:PICKER_SIZE])
    return list(library_queryset(request.user, age=age)[:PICKER_SIZE])


def review_card(
    request: AuthedRequest,
    session: Session,
    assignment: Assignment,
    form: ReviewForm | None,
    catalogs: Catalogs | None = None,
) -> dict[str, Any]:
    review = assignment.reviews_here[0] if getattr(assignment, "reviews_here", None) else None  # type: ignore[attr-defined]
    if form is None:
        initial: dict[str, Any] = {"version": review.version if review else None}
        if review is not None:
            initial.update(
                completion=review.completion,
                barriers=[b.code for b in review.barriers.all()],
                barrier_other=review.barrier_other,
                strategy=review.strategy.code if review.strategy else "",
                strategy_other=review.strategy_other,
            )
        form = ReviewForm(initial=initial, prefix=f"r{assignment.pk}", catalogs=catalogs)
    logs = list(assignment.logs.all())
    return {
        "assignment": assignment,
        "review": review,
        "form": form,
        "logs": logs,
        "days_done": sum(1 for log in logs if log.completion in ("done", "partly")),
        "session": session,
    }


def _session_context(
    request: AuthedRequest,
    session: Session,
    *,
    assign_form: AssignForm | None = None,
    no_homework_form: NoHomeworkForm | None = None,
    review_forms: dict[int, ReviewForm] | None = None,
) -> dict[str, Any]:
    client = session.client
    to_review = list(open_assignments(session))
    catalogs = review_catalogs() if to_review else None
    cards = [
        review_card(request, session, a, (review_forms or {}).get(a.pk), catalogs)
        for a in to_review
    ]
    assigned = list(
        Assignment.objects.filter(session=session)
        .select_related("template_version__template", "session")
        .order_by("id")
    )
    no_homework = getattr(session, "no_homework", None) if not assigned else None
    reviews = [c["review"] for c in cards if c["review"] is not None]
    age = client.age_on(session.occurred_on)
    if assign_form is None:
        language = client.preferred_language if client.preferred_language in ("en", "es") else "en"
        assign_form = AssignForm(
            initial={
                "language": language,
                "assignee": "both" if session.caregiver_attended else "youth",
                "due_on": actions.default_due_on(session),
            }
        )
    query = request.GET.get("q", "")
    return {
        "session": session,
        "client": client,
        "age": age,
        "cards": cards,
        "assigned": assigned,
        "no_homework": no_homework,
        "assign_form": assign_form,
        "no_homework_form": no_homework_form
        or NoHomeworkForm(initial={"reason": no_homework.reason} if no_homework else None),
        "note": note_sentence(reviews, assigned, no_homework),
        "picker": picker(request, age, query),
        "q": query,
        "can_write": session.status == "attended"
        and policy.writable_clients(request.user).filter(pk=client.pk).exists(),
    }


@require_GET
@login_required
def session_detail(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = policy.get_session_for(request.user, session_id, request=request)
    if request.htmx and request.GET.get("picker"):
        age = session.client.age_on(session.occurred_on)
        return render(
            request,
            "homework/_picker.html",
            {"picker": picker(request, age, request.GET.get("q", ""))},
        )
    return render(request, "homework/session.html", _session_context(request, session))


def _after_change(request: AuthedRequest, session: Session, anchor: str) -> HttpResponse:
    url = reverse("homework:session-detail", args=[session.pk]) + f"#{anchor}"
    if request.htmx:
        response = render(
            request, "homework/_session_body.html", _session_context(request, session)
        )
        response["HX-Push-Url"] = url
        return response
    return redirect(url)


def _rerender(request: AuthedRequest, session: Session, **forms: Any) -> HttpResponse:
    template = "homework/_session_body.html" if request.htmx else "homework/session.html"
    return render(request, template, _session_context(request, session, **forms), status=422)


@require_POST
@login_required
def review_save(request: AuthedRequest, session_id: int, assignment_id: int) -> HttpResponse:
    session = policy.get_session_for(request.user, session_id, request=request, write=True)
    assignment = policy.get_assignment_for(request.user, assignment_id, request=request, write=True)
    form = ReviewForm(request.POST, prefix=f"r{assignment.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.review_assignment(
                request.user,
                session,
                assignment,
                completion=data["completion"],
                barrier_codes=data["barriers"],
                barrier_other=data["barrier_other"],
                strategy_code=data["strategy"],
                strategy_other=data["strategy_other"],
                expected_version=data["version"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            if not open_assignments(session).filter(pk=assignment.pk).exists():
                # No card on this page shows that homework's form: say it at the top.
                messages.error(request, " ".join(exc.messages))
        except actions.ConflictError as exc:
            form.add_error(None, str(exc))
            return _rerender(request, session, review_forms={assignment.pk: form})
        else:
            return _after_change(request, session, f"assignment-{assignment.pk}")
    return _rerender(request, session, review_forms={assignment.pk: form})


@require_POST
@login_required
def assign(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = policy.get_session_for(request.user, session_id, request=request, write=True)
    form = AssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        version = None
        if data["template"]:
            template = (
                library_queryset(request.user)
                .filter(pk=data["template"])
                .select_related("current")
                .first()
            )
            if template is None:
                form.add_error(None, _("That library item is not available."))
                return _rerender(request, session, assign_form=form)
            version = template.current
        try:
            actions.assign_homework(
                request.user,
                session,
                template_version=version,
                custom_title="" if version else data["custom_title"],
                custom_instructions=data["custom_instructions"],
                assignee=data["assignee"],
                frequency_per_week=data["frequency_per_week"],
                due_on=data["due_on"],
                language=data["language"],
                confidence=data["confidence"],
                submission_key=data["submission_key"],
                rationale_explained=data["rationale_explained"],
                designed_together=data["designed_together"],
                practiced_in_session=data["practiced_in_session"],
                written_copy_given=data["written_copy_given"],
                obstacles_discussed=data["obstacles_discussed"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Homework assigned."))
            return _after_change(request, session, "assign")
    return _rerender(request, session, assign_form=form)


@require_POST
@login_required
def reassign(request: AuthedRequest, session_id: int, assignment_id: int) -> HttpResponse:
    session = policy.get_session_for(request.user, session_id, request=request, write=True)
    previous = policy.get_assignment_for(request.user, assignment_id, request=request, write=True)
    # One "same as last time" per homework and session, however often the button is pressed.
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"between:reassign:{session.pk}:{previous.pk}")
    try:
        actions.reassign(request.user, session, previous, submission_key=key)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Homework assigned again."))
    return _after_change(request, session, "assign")


@require_POST
@login_required
def no_homework(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = policy.get_session_for(request.user, session_id, request=request, write=True)
    form = NoHomeworkForm(request.POST)
    if form.is_valid():
        try:
            actions.record_no_homework(
                request.user,
                session,
                reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["detail"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _after_change(request, session, "no-homework")
    return _rerender(request, session, no_homework_form=form)


@require_GET
@login_required
def handout(request: AuthedRequest, assignment_id: int) -> HttpResponse:
    """A printable page in the family's language: why, how, a 7-day tracker and the code."""
    if not policy.is_staff_member(request.user):
        raise Http404("No such homework.")
    assignment = policy.get_assignment_for(request.user, assignment_id, request=request)
    language = request.GET.get("lang") or assignment.language
    if language not in ("en", "es"):
        language = "en"
    version = assignment.template_version
    start = max(assignment.session.occurred_on, today())
    days = [start + timedelta(days=n) for n in range(7)]
    with translation.override(language):
        return render(
            request,
            "homework/handout.html",
            {
                "assignment": assignment,
                "language": language,
                "title": assignment.title_in(language),
                "rationale": version.text("rationale", language) if version else "",
                "steps": version.text("steps", language) if version else [],
                "instructions": assignment.custom_instructions,
                "days": days,
                "client": assignment.client,
            },
        )


@require_POST
@login_required
def log_practice(request: AuthedRequest, assignment_id: int) -> HttpResponse:
    """A clinician records practice the family reported (in session, or from the paper tracker)."""
    assignment = policy.get_assignment_for(request.user, assignment_id, request=request, write=True)
    form = PracticeLogForm(request.POST)
    target = reverse("homework:client-timeline", args=[assignment.client_id])
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.log_practice(
                request.user,
                assignment,
                practiced_on=data["practiced_on"],
                completion=data["completion"],
                count=data["count"],
                rating=data["rating"],
                note=data["note"],
                source=data["source"],
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Practice logged."))
            return redirect(target)
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    return redirect(target)
