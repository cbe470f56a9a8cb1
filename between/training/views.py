"""Training pages: courses and their knowledge checks, events with attendance and scores (entered
or imported), certificates, and whether a course changed practice.

Thin views: policy first (accounts/policy.py), then an action, then a page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from between.accounts import audit, policy
from between.accounts.models import AuditAction
from between.accounts.types import AuthedRequest
from between.clinic.actions import today
from between.formtools import add_errors
from between.stats.disclosure import is_small_rate
from between.training import actions, effect
from between.training.content import ensure_courses
from between.training.forms import AttendanceForm, EventForm, ImportForm
from between.training.models import Attendance, Course, spanish


def _require_staff(request: AuthedRequest) -> None:
    if not policy.is_staff_member(request.user):
        raise Http404("No such page.")


@require_http_methods(["GET", "POST"])
@login_required
def training_home(request: AuthedRequest) -> HttpResponse:
    """Courses for every staff member, their own certificates; events for trainers."""
    _require_staff(request)
    ensure_courses()
    program_ids = policy.training_program_ids(request.user)
    form = EventForm(request.POST or None, program_ids=program_ids) if program_ids else None
    if request.method == "POST":
        if form is None:
            raise Http404("No such page.")
        if form.is_valid():
            try:
                event = actions.create_event(request.user, **form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                return redirect("training:event-detail", event.pk)
    mine = Attendance.objects.filter(clinician=request.user).select_related("event__course")
    context = {
        "courses": Course.objects.filter(is_active=True),
        "events": policy.visible_events(request.user).select_related("course", "program"),
        "mine": mine,
        "form": form,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "training/home.html", context, status=status)


@require_GET
@login_required
def course_detail(request: AuthedRequest, key: str) -> HttpResponse:
    _require_staff(request)
    ensure_courses()
    course = get_object_or_404(Course, key=key, is_active=True)
    runs = bool(policy.training_program_ids(request.user))
    programs = policy.training_program_ids(request.user) | policy.review_program_ids(request.user)
    found = effect.course_effect(course, programs, today=today()) if programs else None
    cells = []
    if found is not None and found.result is not None:
        r = found.result
        for label, cell in (
            ("trained_before", r.treated_before),
            ("trained_after", r.treated_after),
            ("others_before", r.control_before),
            ("others_after", r.control_after),
        ):
            cells.append((label, cell, is_small_rate(cell.events, cell.n)))
    context = {
        "course": course,
        "objectives": course.localized(course.objectives, "text"),
        "outline": course.localized(course.outline, "title", "points"),
        "questions": _questions(course),
        "answer_key": runs,
        "effect": found,
        "cells": cells,
        "any_hidden": any(hidden for _, _, hidden in cells),
    }
    return render(request, "training/course_detail.html", context)


def _questions(course: Course) -> list[dict[str, object]]:
    """The knowledge check in the page's language: each question with lettered choices."""
    language = "es" if spanish() else "en"
    questions = course.localized(course.questions, "text", "explanation")
    for question in questions:
        question["choices"] = [
            (chr(ord("A") + i), option[language], i) for i, option in enumerate(question["options"])
        ]
        question["answer"] = chr(ord("A") + int(question["correct"]))
    return questions


def _event_context(request: AuthedRequest, event_id: int) -> dict[str, object]:
    event = policy.get_event_for(request.user, event_id, request=request)
    rows = event.attendance.select_related("clinician", "event__course")
    return {
        "event": event,
        "rows": rows,
        "form": AttendanceForm(program_id=event.program_id),
        "import_form": ImportForm(),
    }


@require_http_methods(["GET", "POST"])
@login_required
def event_detail(request: AuthedRequest, event_id: int) -> HttpResponse:
    context = _event_context(request, event_id)
    event = context["event"]
    status = 200
    if request.method == "POST":
        form = AttendanceForm(request.POST, program_id=event.program_id)  # type: ignore[attr-defined]
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.record_attendance(
                    request.user,
                    event,  # type: ignore[arg-type]
                    data["clinician"],
                    attended=data["attended"],
                    pre_score=data["pre_score"],
                    post_score=data["post_score"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Attendance saved."))
                return redirect("training:event-detail", event_id)
        context["form"] = form
        status = 422
    return render(request, "training/event_detail.html", context, status=status)


@require_POST
@login_required
def event_import(request: AuthedRequest, event_id: int) -> HttpResponse:
    context = _event_context(request, event_id)
    form = ImportForm(request.POST, request.FILES)
    context["import_form"] = form
    if not form.is_valid():
        return render(request, "training/event_detail.html", context, status=422)
    report = actions.import_attendance(
        request.user,
        context["event"],  # type: ignore[arg-type]
        form.cleaned_data["file"].read(actions.MAX_IMPORT_BYTES + 1),
    )
    context["report"] = report
    return render(request, "training/event_detail.html", context, status=200 if report.ok else 422)


@require_GET
@login_required
def certificate(request: AuthedRequest, attendance_id: int) -> HttpResponse:
    attendance = policy.get_attendance_for(request.user, attendance_id, request=request)
    if not attendance.completed:
        raise Http404("No certificate: the training was not completed.")
    audit.record(request.user, AuditAction.VIEW, attendance, request=request, detail="certificate")
    return render(request, "training/certificate.html", {"attendance": attendance})
