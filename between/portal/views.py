"""The family's pages: Today (log practice in one tap), This week, Help, Reminders.

Thin views: every one starts from accounts/policy.py (the family's own open homework only),
calls an action, and renders. htmx requests get the card they replace.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from between.accounts import policy
from between.accounts.types import AuthedRequest
from between.clinic.actions import today
from between.clinic.models import Caregiver
from between.formtools import add_errors
from between.homework import actions as homework_actions
from between.homework.models import Assignment, PracticeLog
from between.notify import actions as notify
from between.notify.models import ReminderPlan
from between.portal import actions, calendar
from between.portal.access import family_required, safe_next
from between.portal.forms import DetailsForm, LogForm, ReminderForm
from between.portal.models import FamilyAccount
from between.portal.security import format_code


def _open_homework(request: AuthedRequest) -> list[Assignment]:
    day = today()
    return list(
        policy.family_assignments(request.user)
        .select_related("client", "session", "template_version")
        .prefetch_related(
            Prefetch(
                "logs",
                queryset=PracticeLog.objects.filter(practiced_on=day).order_by("created_at", "id"),
                to_attr="logs_today",
            )
        )
        .order_by("client__given_name", "session__occurred_on", "id")
    )


def _card(
    request: AuthedRequest,
    assignment: Assignment,
    *,
    log: PracticeLog | None = None,
    details_form: DetailsForm | None = None,
    error: str = "",
    saved: bool = False,
) -> dict[str, Any]:
    if log is None:
        todays = getattr(assignment, "logs_today", None)
        if todays is None:
            todays = list(assignment.logs.filter(practiced_on=today()).order_by("created_at"))
        mine = [entry for entry in todays if entry.logged_by_id == request.user.pk]
        log = (mine or todays or [None])[-1]
    if log is not None and details_form is None:
        details_form = DetailsForm(
            prefix=f"d{log.pk}",
            initial={"count": log.count, "helpful": log.rating},
        )
    return {
        "assignment": assignment,
        "log": log,
        "can_add_details": log is not None and log.logged_by_id == request.user.pk,
        "details_form": details_form,
        "key": uuid.uuid4().hex,
        "error": error,
        "saved": saved,
        "show_child": False,
    }


@require_GET
@family_required
def today_page(request: AuthedRequest) -> HttpResponse:
    homework = _open_homework(request)
    children = {a.client_id for a in homework}
    cards = [_card(request, a) for a in homework]
    for card in cards:
        card["show_child"] = len(children) > 1
    return render(request, "portal/today.html", {"cards": cards, "today": today()})


def _card_response(request: AuthedRequest, card: dict[str, Any], status: int = 200) -> HttpResponse:
    if request.htmx:
        return render(request, "portal/_today_card.html", {"card": card}, status=status)
    if status >= 400:
        messages.error(request, card["error"] or _("Please check the form."))
    return redirect(f"{_today_url()}#homework-{card['assignment'].pk}")


def _today_url() -> str:
    return reverse("portal:today")


@require_POST
@family_required
def log_create(request: AuthedRequest, assignment_id: int) -> HttpResponse:
    """The one tap: Yes / A little / Not today. A retried tap carries the same key: one log."""
    assignment = policy.get_family_assignment_for(request.user, assignment_id, request=request)
    form = LogForm(request.POST)
    if not form.is_valid():
        card = _card(request, assignment, error=_("Please tap Yes, A little or Not today."))
        return _card_response(request, card, status=422)
    try:
        log, _created = homework_actions.log_practice(
            request.user,
            assignment,
            practiced_on=today(),
            completion=form.cleaned_data["completion"],
            source="portal",
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except (ValidationError, PermissionDenied) as exc:
        error = " ".join(getattr(exc, "messages", [str(exc)]))
        return _card_response(request, _card(request, assignment, error=error), status=422)
    if not request.htmx:
        messages.success(request, _("Saved. Thank you!"))
    return _card_response(request, _card(request, assignment, log=log, saved=True))


@require_POST
@family_required
def log_details(request: AuthedRequest, log_id: int) -> HttpResponse:
    """The optional details after the tap: how many times, how hard, how helpful, a note."""
    log = policy.get_family_log_for(request.user, log_id, request=request)
    assignment = policy.get_family_assignment_for(request.user, log.assignment_id, request=request)
    form = DetailsForm(request.POST, prefix=f"d{log.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            log = homework_actions.amend_practice_log(
                request.user,
                log,
                count=data["count"],
                helpful=data["helpful"],
                difficulty=data["difficulty"],
                note=data["note"],
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Saved. Thank you!"))
            card = _card(request, assignment, log=log, saved=True)
            card["details_saved"] = True
            return _card_response(request, card)
    card = _card(request, assignment, log=log, details_form=form)
    card["error"] = _("Please check the details.")
    return _card_response(request, card, status=422)


@require_GET
@family_required
def week_page(request: AuthedRequest) -> HttpResponse:
    day = today()
    reports = PracticeLog.objects.filter(
        assignment__in=policy.family_assignments(request.user).values("pk"),
        practiced_on__gte=day - timedelta(weeks=calendar.WEEKS + 5),
    ).values_list("practiced_on", "completion")
    best = calendar.best_by_day(reports)
    return render(
        request,
        "portal/week.html",
        {
            "weeks": calendar.weeks(best, day),
            "streak": calendar.streak(best, day),
            "this_week": calendar.days_this_week(best, day),
            "today": day,
        },
    )


@require_GET
@family_required
def help_page(request: AuthedRequest) -> HttpResponse:
    items = []
    for a in (
        policy.family_assignments(request.user)
        .select_related("template_version")
        .order_by("session__occurred_on", "id")
    ):
        version = a.template_version
        items.append(
            {
                "pk": a.pk,
                "title": a.title,
                "why": version.rationale if version else "",
                "help": version.text("help") if version else "",
                "instructions": a.custom_instructions,
            }
        )
    account = FamilyAccount.objects.filter(user=request.user).first()
    return render(
        request,
        "portal/help.html",
        {
            "homework": items,
            "family_code": format_code(account.sign_in_code) if account else "",
            "has_phone": bool(account and account.phone),
        },
    )


def _reminder_initial(assignment: Assignment, caregiver: Caregiver) -> dict[str, Any]:
    plan = ReminderPlan.objects.filter(assignment=assignment, caregiver=caregiver).first()
    if plan is None:
        return {"is_active": True, "time_of_day": "18:00"}
    return {
        "weekdays": plan.weekday_list,
        "time_of_day": plan.time_of_day,
        "is_active": plan.is_active,
    }


@require_http_methods(["GET", "POST"])
@family_required
def reminders(request: AuthedRequest, assignment_id: int) -> HttpResponse:
    """Per homework: on which days and at what time to send a reminder."""
    assignment = policy.get_family_assignment_for(request.user, assignment_id, request=request)
    caregiver = Caregiver.objects.filter(user=request.user).first()
    form = None
    status = 200
    if caregiver is not None:
        form = ReminderForm(request.POST or None, initial=_reminder_initial(assignment, caregiver))
        if request.method == "POST":
            status = 422
            if form.is_valid():
                data = form.cleaned_data
                try:
                    notify.set_reminder_plan(
                        request.user,
                        assignment,
                        caregiver,
                        weekdays=sorted(data["weekdays"]),
                        time_of_day=data["time_of_day"],
                        is_active=data["is_active"],
                    )
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, _("Your reminders are saved."))
                    return redirect("portal:reminders", assignment_id=assignment.pk)
    return render(
        request,
        "portal/reminders.html",
        {
            "assignment": assignment,
            "form": form,
            "caregiver": caregiver,
            "stopped": caregiver is not None and not caregiver.has_messaging_consent,
        },
        status=status,
    )


@require_POST
@family_required
def messages_stop(request: AuthedRequest) -> HttpResponse:
    """Stop all texts and emails (the same as replying STOP)."""
    if actions.stop_messages(request.user, request=request):
        messages.success(request, _("We will not send you any more messages."))
    return redirect(safe_next(request, reverse("portal:today")))
