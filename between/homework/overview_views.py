"""Around the session: the client's homework timeline, the clinician's week, supervision."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from between.accounts import policy
from between.accounts.models import Role, User
from between.accounts.types import AuthedRequest
from between.clinic.actions import today
from between.clinic.models import Session
from between.homework import queries
from between.homework.forms import PracticeLogForm
from between.homework.models import Assignment, PracticeLog, Review

CALENDAR_WEEKS = 8
WINDOWS = (30, 90)


def practice_calendar(logs: list[PracticeLog], end: date) -> list[list[dict[str, Any]]]:
    """Weeks (Monday first) of the last CALENDAR_WEEKS, each day with its best report."""
    rank = {"done": 3, "partly": 2, "not": 1}
    best: dict[date, str] = {}
    for log in logs:
        if rank[log.completion] > rank.get(best.get(log.practiced_on, ""), 0):
            best[log.practiced_on] = log.completion
    last_monday = end - timedelta(days=end.weekday())
    first = last_monday - timedelta(weeks=CALENDAR_WEEKS - 1)
    weeks = []
    for w in range(CALENDAR_WEEKS):
        week = []
        for d in range(7):
            day = first + timedelta(weeks=w, days=d)
            week.append({"day": day, "state": best.get(day, ""), "future": day > end})
        weeks.append(week)
    return weeks


@require_GET
@login_required
def client_timeline(request: AuthedRequest, client_id: int) -> HttpResponse:
    """Assignments, practice logs and reviews over time, with a calendar of practice days."""
    client = policy.get_client_for(request.user, client_id, request=request)
    assignments = list(
        Assignment.objects.filter(client=client)
        .select_related("session", "template_version__template", "assigned_by")
        .prefetch_related(
            Prefetch("logs", queryset=PracticeLog.objects.order_by("practiced_on")),
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("session", "strategy")
                .prefetch_related("barriers")
                .order_by("session__occurred_on"),
            ),
        )
        .order_by("-session__occurred_on", "-id")
    )
    logs = [log for a in assignments for log in a.logs.all()]
    end = today()
    can_write = policy.writable_clients(request.user).filter(pk=client.pk).exists()
    return render(
        request,
        "homework/timeline.html",
        {
            "client": client,
            "assignments": assignments,
            "weeks": practice_calendar(logs, end),
            "can_write": can_write,
            "log_form": PracticeLogForm(
                initial={"practiced_on": end, "source": "clinician", "completion": "done"}
            ),
            "new_key": uuid.uuid4().hex,
        },
    )


@require_GET
@login_required
def my_week(request: AuthedRequest) -> HttpResponse:
    """For a clinician: sessions whose homework is not yet reviewed, families not logging."""
    if not policy.roles_of(request.user) & {Role.CLINICIAN, Role.SUPERVISOR}:
        raise Http404("No such page.")
    end = today()
    start = end - timedelta(days=13)
    mine = policy.visible_sessions(request.user).filter(clinician=request.user)
    unreviewed = (
        queries.annotate_sessions(
            mine.filter(occurred_on__gte=start, occurred_on__lte=end).filter(queries.eligible_q())
        )
        .filter(had_open_homework=True, was_reviewed=False)
        .select_related("client")
        .order_by("-occurred_on", "-id")
    )
    has_log = Exists(PracticeLog.objects.filter(assignment=OuterRef("pk")))
    silent = (
        policy.visible_assignments(request.user)
        .filter(
            assigned_by=request.user,
            closed_at__isnull=True,
            session__occurred_on__lte=end - timedelta(days=3),
            session__occurred_on__gte=end - timedelta(days=queries.OPEN_DAYS),
        )
        .exclude(has_log)
        .select_related("client", "session", "template_version")
        .order_by("session__occurred_on", "id")
    )
    return render(
        request,
        "homework/my_week.html",
        {
            "alerts": policy.unread_alerts(request.user),
            "unreviewed": unreviewed,
            "silent": silent,
            "start": start,
            "end": end,
        },
    )


def _window(request: AuthedRequest) -> int:
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    return days if days in WINDOWS else 30


@require_GET
@login_required
def supervision(request: AuthedRequest) -> HttpResponse:
    """Per clinician over the last 30 or 90 days: homework assigned, prior homework reviewed,
    mean quality elements — every share with the counts behind it."""
    if Role.SUPERVISOR not in policy.roles_of(request.user):
        raise Http404("No such page.")
    days = _window(request)
    end = today()
    start = end - timedelta(days=days - 1)
    clinicians = list(policy.supervised_clinicians(request.user))
    programs = policy.program_ids_for(request.user, Role.SUPERVISOR)
    sessions = Session.objects.filter(program_id__in=programs, clinician__in=clinicians)
    counts: dict[int, dict[str, Any]] = {
        row["clinician_id"]: row for row in queries.clinician_summary(sessions, start, end)
    }
    quality: dict[int, dict[str, Any]] = {
        row["assigned_by_id"]: row
        for row in Assignment.objects.filter(
            session__program_id__in=programs,
            session__occurred_on__gte=start,
            session__occurred_on__lte=end,
        )
        .annotate(elements=queries.quality_sum())
        .values("assigned_by_id")
        .annotate(
            n=Count("pk"), four_plus=Count("pk", filter=Q(elements__gte=4)), mean=Avg("elements")
        )
        .order_by()
    }
    rows = []
    for clinician in clinicians:
        row = counts.get(clinician.pk, {})
        rows.append(
            {
                "clinician": clinician,
                "eligible": row.get("eligible", 0),
                "assigned": row.get("assigned", 0),
                "with_open": row.get("with_open", 0),
                "reviewed": row.get("reviewed", 0),
                "assignments": quality.get(clinician.pk, {}).get("n", 0),
                "four_plus": quality.get(clinician.pk, {}).get("four_plus", 0),
                "mean_elements": quality.get(clinician.pk, {}).get("mean"),
            }
        )
    return render(
        request,
        "homework/supervision.html",
        {"rows": rows, "days": days, "windows": WINDOWS, "start": start, "end": end},
    )


@require_GET
@login_required
def supervision_clinician(request: AuthedRequest, clinician_id: int) -> HttpResponse:
    """The sessions behind a clinician's row, each with what was recorded."""
    if Role.SUPERVISOR not in policy.roles_of(request.user):
        raise Http404("No such page.")
    clinician: User = policy.get_supervised_clinician_for(
        request.user, clinician_id, request=request
    )
    days = _window(request)
    end = today()
    start = end - timedelta(days=days - 1)
    programs = policy.program_ids_for(request.user, Role.SUPERVISOR)
    sessions = (
        queries.annotate_sessions(
            Session.objects.filter(
                program_id__in=programs,
                clinician=clinician,
                occurred_on__gte=start,
                occurred_on__lte=end,
            ).filter(queries.eligible_q())
        )
        .select_related("client")
        .prefetch_related("assignments")
        .order_by("-occurred_on", "-id")
    )
    return render(
        request,
        "homework/supervision_clinician.html",
        {"clinician": clinician, "sessions": sessions, "days": days, "windows": WINDOWS},
    )
