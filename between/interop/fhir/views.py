"""FHIR R4 (R4B models) read and search over JSON: plain Django views, one dispatch per interaction.

Every resource is built as a dict, its codes checked (`codes.Verifier`), then parsed by its
fhir.resources R4B model before it is sent: a response that would not validate is never sent.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.clinic.models import ClientCaregiver, Program
from between.homework.models import Assignment, HomeworkTemplate, PracticeLog, Review
from between.interop.fhir import capability, resources
from between.interop.fhir import search as fhir_search
from between.interop.fhir.base import Context, get_audited
from between.interop.fhir.codes import Verifier, required
from between.interop.fhir.http import authenticate, fhir_response, fhir_view
from between.interop.fhir.kinds import KINDS


def _send(resource: dict[str, Any]) -> HttpResponse:
    Verifier().verify(resource)
    return fhir_response(resources.validated(resource))


def _kind(resource_type: str) -> Any:
    kind = KINDS.get(resource_type)
    if kind is None:
        raise Http404("Unknown resource type.")
    return kind


@fhir_view
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: public, as FHIR clients read it before they authenticate."""
    return _send(capability.statement(request))


@fhir_view
def read(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    user = authenticate(request)
    kind = _kind(resource_type)
    return _send(kind.read(Context(request, user), resource_id))


@fhir_view
def search(request: HttpRequest, resource_type: str) -> HttpResponse:
    user = authenticate(request)
    kind = _kind(resource_type)
    query = fhir_search.parse(request, set(kind.params))
    page = kind.search(Context(request, user), query)
    if kind.client_data:
        # One event per search: what was asked, how much came back, whose record if only one.
        audit.record(
            user,
            AuditAction.VIEW,
            request=request,
            object_type=f"fhir.{kind.name.lower()}",
            object_id="search",
            client_id=next(iter(page.client_ids)) if len(page.client_ids) == 1 else None,
            detail=f"results={len(page.resources)} total={page.total}",
        )
    bundle = fhir_search.searchset(request, query, page.total, page.resources, page.outcomes)
    return _send(bundle)


@fhir_view
def patient_everything(request: HttpRequest, resource_id: str) -> HttpResponse:
    """The client's homework record as one collection Bundle (audited as one export)."""
    user = authenticate(request)
    ctx = Context(request, user)
    client = get_audited(
        ctx,
        policy.staff_visible_clients(user).select_related("organization", "program__organization"),
        resource_id,
        "clinic.client",
        lambda c: c.pk,
        action=AuditAction.EXPORT,
    )
    return _send(_record_bundle(request, client))


def _record_bundle(request: HttpRequest, client: Any) -> dict[str, Any]:
    """Patient, caregivers, program, clinicians, sessions, plan, tasks, practice, library items.

    A fixed number of queries whatever the size of the record."""
    links = list(
        ClientCaregiver.objects.filter(client=client)
        .select_related("caregiver__organization")
        .order_by("pk")
    )
    sessions = list(client.sessions.select_related("program__organization").order_by("pk"))
    reviews = Review.objects.select_related("strategy").prefetch_related("barriers")
    assignments = list(
        Assignment.objects.filter(client=client)
        .select_related("session", "client", "template_version__template")
        .prefetch_related(Prefetch("reviews", queryset=reviews), "client__caregiver_links")
        .order_by("created_at", "pk")
    )
    logs = list(PracticeLog.objects.filter(assignment__client=client).select_related("assignment"))
    people = {s.clinician_id for s in sessions} | {a.assigned_by_id for a in assignments}
    templates = {a.template_version.template_id for a in assignments if a.template_version}
    programs = {client.program_id} | {s.program_id for s in sessions}
    found: list[dict[str, Any]] = [resources.patient(client)]
    found += [resources.related_person(link) for link in links]
    found += [
        resources.organization(p)
        for p in Program.objects.filter(pk__in=programs).select_related("organization")
    ]
    found += [resources.practitioner(u) for u in User.objects.filter(pk__in=people).order_by("pk")]
    found += [resources.encounter(s) for s in sessions]
    if assignments:
        found.append(resources.care_plan(client, assignments))
    found += [resources.task(a) for a in assignments]
    found += [resources.observation(log) for log in logs]
    found += [
        resources.activity_definition(t)
        for t in HomeworkTemplate.objects.filter(pk__in=templates, current__isnull=False)
        .select_related("current")
        .order_by("pk")
    ]
    return {
        "resourceType": "Bundle",
        "type": required("bundle-type", "collection"),
        "entry": [{"fullUrl": fhir_search.full_url(request, r), "resource": r} for r in found],
    }
