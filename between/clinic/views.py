"""Pages of the clinic core: the role-aware home, the client page, the program page.

Thin views: authorize through accounts/policy.py, call an action, render.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from between.accounts import policy
from between.accounts.models import Role, User
from between.accounts.types import AuthedRequest
from between.clinic import actions
from between.clinic.forms import SessionForm
from between.clinic.models import Client, ClientCaregiver, Program, ProgressNote, Session
from between.formtools import add_errors

SESSIONS_PER_PAGE = 20


def _counted(queryset: object, group: str) -> Coalesce:
    """A correlated COUNT subquery: several joined Counts would multiply rows."""
    return Coalesce(
        Subquery(
            queryset.order_by()  # type: ignore[attr-defined]
            .values(group)
            .annotate(n=Count("*"))
            .values("n")[:1]
        ),
        0,
        output_field=IntegerField(),
    )


@require_GET
@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    roles = policy.roles_of(user)
    if roles == {Role.FAMILY}:
        return redirect("portal:today")  # families have their own pages
    today = actions.today()
    context: dict[str, object] = {"today": today, "roles": roles}
    if Role.CLINICIAN in roles or Role.SUPERVISOR in roles:
        context["caseload"] = (
            policy.staff_visible_clients(user)
            .filter(primary_clinician=user)
            .select_related("program")
            .annotate(
                last_session_on=Max(
                    "sessions__occurred_on",
                    filter=Q(sessions__status="attended", sessions__occurred_on__lte=today),
                ),
                next_session_on=Min(
                    "sessions__occurred_on",
                    filter=Q(sessions__status="scheduled", sessions__occurred_on__gte=today),
                ),
            )
            .order_by("family_name", "given_name", "id")
        )
    if Role.SUPERVISOR in roles:
        supervised = policy.program_ids_for(user, Role.SUPERVISOR)
        since = today - timedelta(days=30)
        context["clinicians"] = (
            User.objects.filter(
                memberships__program_id__in=supervised, memberships__role=Role.CLINICIAN
            )
            .distinct()
            .annotate(
                caseload_size=_counted(
                    Client.objects.filter(
                        primary_clinician=OuterRef("pk"), program_id__in=supervised
                    ),
                    "primary_clinician",
                ),
                sessions_30=_counted(
                    Session.objects.filter(
                        clinician=OuterRef("pk"),
                        program_id__in=supervised,
                        status="attended",
                        occurred_on__gt=since,
                        occurred_on__lte=today,
                    ),
                    "clinician",
                ),
            )
            .order_by("last_name", "first_name", "id")
        )
    if roles & {Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}:
        context["programs"] = _program_rows(user, today)
        context["exact_program_ids"] = policy.record_program_ids(user)
    if roles & {Role.TRAINER, Role.ADMIN}:
        context["staff"] = policy.visible_staff(user)[:200]
    if Role.FAMILY in roles:
        context["children"] = (
            policy.visible_clients(user)
            .filter(caregivers__user=user)
            .annotate(
                next_session_on=Min(
                    "sessions__occurred_on",
                    filter=Q(sessions__status="scheduled", sessions__occurred_on__gte=today),
                )
            )
            .order_by("given_name")
        )
    return render(request, "clinic/home.html", context)


def _program_rows(user: User, today: date) -> QuerySet[Program]:
    since = today - timedelta(days=30)
    return (
        policy.visible_programs(user)
        .annotate(
            client_count=_counted(Client.objects.filter(program=OuterRef("pk")), "program"),
            sessions_30=_counted(
                Session.objects.filter(
                    program=OuterRef("pk"),
                    status="attended",
                    occurred_on__gt=since,
                    occurred_on__lte=today,
                ),
                "program",
            ),
        )
        .order_by("name")
    )


@require_http_methods(["GET", "POST"])
@login_required
def client_detail(request: AuthedRequest, client_id: int) -> HttpResponse:
    """The client's record: who they are, caregivers, sessions with notes; record a session."""
    if request.method == "POST":
        return _record_session(request, client_id)
    client = policy.get_client_for(request.user, client_id, request=request)
    return _render_client(request, client, SessionForm(initial={"occurred_on": actions.today()}))


def _render_client(
    request: AuthedRequest, client: Client, form: SessionForm, status: int = 200
) -> HttpResponse:
    sessions = (
        client.sessions.select_related("clinician")
        .prefetch_related(Prefetch("notes", queryset=ProgressNote.objects.order_by("written_at")))
        .order_by("-occurred_on", "-id")
    )
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    can_write = policy.writable_clients(request.user).filter(pk=client.pk).exists()
    context = {
        "client": client,
        "age": client.age_on(actions.today()),
        "caregiver_links": ClientCaregiver.objects.filter(client=client)
        .select_related("caregiver")
        .order_by("-is_primary", "id"),
        "episodes": client.episodes.select_related("program"),
        "page": page,
        "form": form if can_write else None,
    }
    template = (
        "clinic/_sessions.html"
        if request.htmx and "page" in request.GET
        else "clinic/client_detail.html"
    )
    return render(request, template, context, status=status)


def _record_session(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = policy.get_client_for(request.user, client_id, request=request, write=True)
    form = SessionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            session = actions.record_session(
                request.user,
                client,
                occurred_on=data["occurred_on"],
                session_type=data["session_type"],
                status=data["status"],
                is_intake=data["is_intake"],
                youth_attended=data["youth_attended"],
                caregiver_attended=data["caregiver_attended"],
                duration_minutes=data["duration_minutes"],
                note_text=data["note_text"],
                submission_key=data["submission_key"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Session recorded."))
            if session.status == "attended":
                # Straight on to the homework part of the session.
                return redirect("homework:session-detail", session_id=session.pk)
            return redirect("clinic:client-detail", client_id=client.pk)
    return _render_client(request, client, form, status=422)


@require_GET
@login_required
def program_detail(request: AuthedRequest, program_id: int) -> HttpResponse:
    """A program's clients (for those with record access) and its counts (for everyone in it)."""
    program = policy.get_program_for(request.user, program_id, request=request)
    today = actions.today()
    rows = _program_rows(request.user, today).filter(pk=program.pk).first()
    clients = (
        policy.staff_visible_clients(request.user)
        .filter(program=program)
        .select_related("primary_clinician")
        .order_by("family_name", "given_name", "id")
    )
    page = Paginator(clients, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "clinic/program_detail.html",
        {
            "program": program,
            "summary": rows,
            "page": page,
            "today": today,
            "exact_program_ids": policy.record_program_ids(request.user),
        },
    )
