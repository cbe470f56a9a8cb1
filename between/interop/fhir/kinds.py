"""The resource types we serve: for each, its scope (from accounts/policy.py), read and search.

Reads of client data leave one view event (refusals one denied event); searches one event per
request (views.py). Measure and MeasureReport live in aggregates.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from between.accounts import policy
from between.accounts.models import STAFF_ROLES, User
from between.clinic.models import ClientCaregiver, Program
from between.homework.models import Assignment, HomeworkTemplate, PracticeLog, Review
from between.interop.fhir import aggregates, codes, resources, terminology
from between.interop.fhir import search as fhir_search
from between.interop.fhir.base import (
    Context,
    Kind,
    Page,
    check_tokens,
    client_pks,
    deny,
    filter_ids,
    filter_patient,
    get_audited,
    page_of,
    pk_of,
    require,
)
from between.interop.fhir.search import Search

# --- Patient ----------------------------------------------------------------------------------


def _patients(ctx: Context) -> QuerySet[Any]:
    return policy.staff_visible_clients(ctx.user).select_related("organization")


def _read_patient(ctx: Context, resource_id: str) -> dict[str, Any]:
    pk = pk_of(resource_id)
    if pk is None:
        raise Http404("Not found.")
    client = policy.get_client_for(ctx.user, pk, request=ctx.request)
    return resources.patient(client)


def _search_patients(ctx: Context, search: Search) -> Page:
    clients = filter_ids(_patients(ctx), search)
    identifiers = search.tokens("identifier")
    if identifiers is not None:
        wanted = Q(pk__in=[])
        for token in identifiers:
            system, bar, value = token.rpartition("|")
            if not bar:
                wanted |= Q(ehr_id=value)
                continue
            prefix = codes.IDENTIFIER_BASE
            if system.startswith(prefix) and system.endswith("/client"):
                slug = system.removeprefix(prefix).removesuffix("/client")
                wanted |= Q(ehr_id=value, organization__slug=slug)
        clients = clients.filter(wanted)
    return page_of(search, clients, resources.patient, lambda c: c.pk)


# --- RelatedPerson ------------------------------------------------------------------------------


def _related(ctx: Context) -> QuerySet[ClientCaregiver]:
    return ClientCaregiver.objects.filter(client__in=client_pks(ctx)).select_related(
        "caregiver__organization"
    )


def _read_related(ctx: Context, resource_id: str) -> dict[str, Any]:
    link = get_audited(
        ctx, _related(ctx), resource_id, "clinic.clientcaregiver", lambda x: x.client_id
    )
    return resources.related_person(link)


def _search_related(ctx: Context, search: Search) -> Page:
    links = filter_patient(filter_ids(_related(ctx), search), search, "client_id")
    return page_of(search, links, resources.related_person, lambda x: x.client_id)


# --- Practitioner and Organization (no client data) -------------------------------------------


def _practitioners(ctx: Context) -> QuerySet[User]:
    """Staff of the programs the viewer works in (the people their records name)."""
    programs = policy.visible_programs(ctx.user).values("pk")
    staff = User.objects.filter(
        memberships__program_id__in=programs, memberships__role__in=STAFF_ROLES
    ).values("pk")
    return User.objects.filter(pk__in=staff)


def _read_practitioner(ctx: Context, resource_id: str) -> dict[str, Any]:
    pk = pk_of(resource_id)
    user = _practitioners(ctx).filter(pk=pk).first() if pk is not None else None
    if user is None:
        raise deny(ctx, "accounts.user", resource_id)
    return resources.practitioner(user)


def _search_practitioners(ctx: Context, search: Search) -> Page:
    return page_of(search, filter_ids(_practitioners(ctx), search), resources.practitioner)


def _organizations(ctx: Context) -> QuerySet[Program]:
    return policy.visible_programs(ctx.user).select_related("organization")


def _read_organization(ctx: Context, resource_id: str) -> dict[str, Any]:
    pk = pk_of(resource_id)
    program = _organizations(ctx).filter(pk=pk).first() if pk is not None else None
    if program is None:
        raise deny(ctx, "clinic.program", resource_id)
    return resources.organization(program)


def _search_organizations(ctx: Context, search: Search) -> Page:
    return page_of(search, filter_ids(_organizations(ctx), search), resources.organization)


# --- Encounter --------------------------------------------------------------------------------


def _read_encounter(ctx: Context, resource_id: str) -> dict[str, Any]:
    pk = pk_of(resource_id)
    if pk is None:
        raise Http404("Not found.")
    session = policy.get_session_for(ctx.user, pk, request=ctx.request)
    return resources.encounter(session)


ENCOUNTER_STATUSES = {
    fhir: [ours for ours, mapped in codes.ENCOUNTER_STATUS.items() if mapped == fhir]
    for fhir in codes.ENCOUNTER_STATUS.values()
}


def _search_encounters(ctx: Context, search: Search) -> Page:
    sessions = policy.visible_sessions(ctx.user).select_related("program__organization")
    sessions = filter_patient(filter_ids(sessions, search), search, "client_id")
    sessions = sessions.filter(fhir_search.date_q(search, "date", "occurred_on"))
    practitioners = fhir_search.reference_ids(search, "practitioner", "Practitioner")
    if practitioners is not None:
        sessions = sessions.filter(clinician_id__in=practitioners)
    statuses = search.tokens("status")
    if statuses is not None:
        check_tokens(statuses, codes.REQUIRED["encounter-status"], "status")
        sessions = sessions.filter(
            status__in=[ours for s in statuses for ours in ENCOUNTER_STATUSES.get(s, [])]
        )
    return page_of(search, sessions, resources.encounter, lambda s: s.client_id)


# --- ActivityDefinition (the library: no client data) -----------------------------------------


def _templates(ctx: Context) -> QuerySet[HomeworkTemplate]:
    require(policy.can_use_library(ctx.user))
    return HomeworkTemplate.objects.filter(current__isnull=False).select_related("current")


def _read_activity(ctx: Context, resource_id: str) -> dict[str, Any]:
    pk = pk_of(resource_id)
    template = _templates(ctx).filter(pk=pk).first() if pk is not None else None
    if template is None:
        raise Http404("Not found.")
    return resources.activity_definition(template)


def _search_activities(ctx: Context, search: Search) -> Page:
    templates = filter_ids(_templates(ctx), search)
    statuses = search.tokens("status")
    if statuses is not None:
        check_tokens(statuses, {"active", "retired"}, "status")
        templates = templates.filter(is_retired__in=[s == "retired" for s in statuses])
    return page_of(search, templates, resources.activity_definition)


# --- CarePlan (one per client with homework) --------------------------------------------------


def _open_homework() -> Exists:
    return Exists(Assignment.objects.filter(client=OuterRef("pk"), closed_at__isnull=True))


def _plans(ctx: Context) -> QuerySet[Any]:
    homework = Assignment.objects.select_related("session").order_by("created_at", "pk")
    return (
        policy.staff_visible_clients(ctx.user)
        .filter(Exists(Assignment.objects.filter(client=OuterRef("pk"))))
        .prefetch_related(Prefetch("assignments", queryset=homework))
    )


def _care_plan(client: Any) -> dict[str, Any]:
    return resources.care_plan(client, list(client.assignments.all()))


def _read_plan(ctx: Context, resource_id: str) -> dict[str, Any]:
    client = get_audited(ctx, _plans(ctx), resource_id, "clinic.client", lambda c: c.pk)
    return _care_plan(client)


def _search_plans(ctx: Context, search: Search) -> Page:
    plans = filter_patient(filter_ids(_plans(ctx), search), search, "pk")
    statuses = search.tokens("status")
    if statuses is not None:
        check_tokens(statuses, codes.REQUIRED["care-plan-status"], "status")
        wanted = Q(pk__in=[])
        if "active" in statuses:
            wanted |= Q(_open_homework())
        if "completed" in statuses:
            wanted |= ~Q(_open_homework())
        plans = plans.filter(wanted)
    return page_of(search, plans, _care_plan, lambda c: c.pk)


# --- Task (assignment) ------------------------------------------------------------------------


def _tasks(ctx: Context) -> QuerySet[Assignment]:
    reviews = Review.objects.select_related("strategy").prefetch_related("barriers")
    return (
        Assignment.objects.filter(client__in=client_pks(ctx))
        .select_related("session", "client", "template_version__template")
        .prefetch_related(Prefetch("reviews", queryset=reviews), "client__caregiver_links")
    )


def _task_status_q(status: str) -> Q:
    """The database side of `resources.task_status`."""
    done = Exists(
        Review.objects.filter(assignment=OuterRef("pk"), completion__in=("full", "partial"))
    )
    not_done = Exists(Review.objects.filter(assignment=OuterRef("pk"), completion="none"))
    closed = Q(closed_at__isnull=False)
    return {
        "in-progress": Q(closed_at__isnull=True),
        "completed": closed & Q(done),
        "failed": closed & ~Q(done) & Q(not_done),
        "cancelled": closed & ~Q(done) & ~Q(not_done),
    }.get(status, Q(pk__in=[]))


def _read_task(ctx: Context, resource_id: str) -> dict[str, Any]:
    assignment = get_audited(
        ctx, _tasks(ctx), resource_id, "homework.assignment", lambda a: a.client_id
    )
    return resources.task(assignment)


def _search_tasks(ctx: Context, search: Search) -> Page:
    tasks = filter_patient(filter_ids(_tasks(ctx), search), search, "client_id")
    statuses = search.tokens("status")
    if statuses is not None:
        check_tokens(statuses, codes.REQUIRED["task-status"], "status")
        wanted = Q(pk__in=[])
        for status in statuses:
            wanted |= _task_status_q(status)
        tasks = tasks.filter(wanted)
    return page_of(search, tasks, resources.task, lambda a: a.client_id)


# --- Observation (practice log) ---------------------------------------------------------------


def _logs(ctx: Context) -> QuerySet[PracticeLog]:
    return PracticeLog.objects.filter(assignment__client__in=client_pks(ctx)).select_related(
        "assignment"
    )


def _read_observation(ctx: Context, resource_id: str) -> dict[str, Any]:
    log = get_audited(
        ctx, _logs(ctx), resource_id, "homework.practicelog", lambda x: x.assignment.client_id
    )
    return resources.observation(log)


def _search_observations(ctx: Context, search: Search) -> Page:
    logs = filter_patient(filter_ids(_logs(ctx), search), search, "assignment__client_id")
    logs = logs.filter(fhir_search.date_q(search, "date", "practiced_on"))
    return page_of(search, logs, resources.observation, lambda x: x.assignment.client_id)


# --- The table --------------------------------------------------------------------------------

ID = ("token", "Logical id (comma-separated alternatives)")
PATIENT = ("reference", "The client: Patient/<id>")

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "Patient",
            {"_id": ID, "identifier": ("token", "EHR id: <county system>|<value> or <value>")},
            _read_patient,
            _search_patients,
        ),
        Kind("RelatedPerson", {"_id": ID, "patient": PATIENT}, _read_related, _search_related),
        Kind(
            "Practitioner",
            {"_id": ID},
            _read_practitioner,
            _search_practitioners,
            client_data=False,
        ),
        Kind(
            "Organization",
            {"_id": ID},
            _read_organization,
            _search_organizations,
            client_data=False,
        ),
        Kind(
            "Encounter",
            {
                "_id": ID,
                "patient": PATIENT,
                "date": ("date", "Session date (eq, ge, gt, le, lt; repeat to bound)"),
                "practitioner": ("reference", "The clinician: Practitioner/<id>"),
                "status": ("token", "Encounter status"),
            },
            _read_encounter,
            _search_encounters,
        ),
        Kind(
            "ActivityDefinition",
            {"_id": ID, "status": ("token", "active or retired")},
            _read_activity,
            _search_activities,
            client_data=False,
        ),
        Kind(
            "CarePlan",
            {"_id": ID, "patient": PATIENT, "status": ("token", "active or completed")},
            _read_plan,
            _search_plans,
        ),
        Kind(
            "Task",
            {"_id": ID, "patient": PATIENT, "status": ("token", "Task status")},
            _read_task,
            _search_tasks,
        ),
        Kind(
            "Observation",
            {
                "_id": ID,
                "patient": PATIENT,
                "date": ("date", "Day practiced (eq, ge, gt, le, lt; repeat to bound)"),
            },
            _read_observation,
            _search_observations,
        ),
        Kind(
            "Measure",
            {"_id": ID, "url": ("uri", "Canonical URL")},
            aggregates.read_measure,
            aggregates.search_measures,
            client_data=False,
        ),
        Kind(
            "MeasureReport",
            {
                "_id": ID,
                "measure": ("reference", "Measure id or canonical URL"),
                "period": ("date", "Reporting months within these bounds (default: 12 months)"),
                "reporter": ("reference", "The program: Organization/<id>"),
            },
            aggregates.read_report,
            aggregates.search_reports,
            client_data=False,
        ),
        Kind(
            "CodeSystem",
            {"_id": ID, "url": ("uri", "Canonical URL")},
            terminology.read_code_system,
            terminology.search_code_systems,
            client_data=False,
        ),
    )
}
