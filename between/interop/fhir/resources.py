"""Our records as FHIR R4B resources (JSON dicts, validated by `validated()` before they leave).

Builders are pure: they read only what the caller loaded (see the `select_related` and
`prefetch_related` lists next to each scope in views.py), so a page of results costs a fixed
number of queries. Nothing here prints an address, a phone number or an e-mail address.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from between.accounts.models import User
from between.clinic.models import Client, ClientCaregiver, Organization, Program, Session
from between.homework.models import (
    QUALITY_ELEMENTS,
    Assignee,
    Assignment,
    HomeworkTemplate,
    PracticeLog,
    Review,
    TemplateVersion,
)
from between.interop.fhir import codes
from between.interop.fhir.codes import coding, concept, external, required

BCP47 = "urn:ietf:bcp:47"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource parsed by its fhir.resources R4B model (raises on any structural error)."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    result: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return result


def ref(resource_type: str, pk: Any, display: str | None = None) -> dict[str, str]:
    result = {"reference": f"{resource_type}/{pk}"}
    if display:
        result["display"] = display
    return result


def identifier_system(organization: Organization, kind: str) -> str:
    """The county's namespace for an EHR id kind (client, caregiver, session, program)."""
    return f"{codes.IDENTIFIER_BASE}{organization.slug}/{kind}"


def _language(code: str) -> dict[str, Any] | None:
    if code not in codes.EXTERNAL_SYSTEMS[BCP47]:
        return None  # "other": we do not know which language, so we say nothing
    return {"language": concept(external(BCP47, code)), "preferred": True}


def _name(given: str, family: str) -> list[dict[str, Any]]:
    return [{"use": "official", "family": family, "given": [given]}]


def _quantity(value: int, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


# --- People and places ---------------------------------------------------------------------------


def patient(client: Client) -> dict[str, Any]:
    """Minimal: the EHR id in the county's namespace, name, birth date, language. The viewer's
    right to see the name was decided by the policy scope the client came from."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(client.pk),
        "identifier": [
            {
                "use": "usual",
                "system": identifier_system(client.organization, "client"),
                "value": client.ehr_id,
            }
        ],
        "active": True,
        "name": _name(client.given_name, client.family_name),
        "birthDate": client.birth_date.isoformat(),
        "managingOrganization": ref("Organization", client.program_id),
    }
    language = _language(client.preferred_language)
    if language:
        resource["communication"] = [language]
    return resource


def related_person(link: ClientCaregiver) -> dict[str, Any]:
    """A caregiver of one client (the id is the client–caregiver link: a caregiver of two
    siblings is two RelatedPersons, as FHIR ties RelatedPerson to one Patient)."""
    caregiver = link.caregiver
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": str(link.pk),
        "active": True,
        "patient": ref("Patient", link.client_id),
        "relationship": [concept(coding("caregiver-relationship", link.relationship))],
        "name": _name(caregiver.given_name, caregiver.family_name),
    }
    if caregiver.ehr_id:
        resource["identifier"] = [
            {
                "system": identifier_system(caregiver.organization, "caregiver"),
                "value": caregiver.ehr_id,
            }
        ]
    language = _language(caregiver.language)
    if language:
        resource["communication"] = [language]
    return resource


def practitioner(user: User) -> dict[str, Any]:
    """A staff member: name only (no contact details, no username)."""
    return {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "active": user.is_active,
        "name": _name(user.first_name or user.username, user.last_name or user.username),
    }


def organization(program: Program) -> dict[str, Any]:
    """A program, part of its county organization (which is not a resource of its own)."""
    return {
        "resourceType": "Organization",
        "id": str(program.pk),
        "identifier": [
            {"system": identifier_system(program.organization, "program"), "value": program.code}
        ],
        "active": program.is_active,
        "type": [concept(coding("program-kind", program.kind))],
        "name": program.name,
    }


def encounter(session: Session) -> dict[str, Any]:
    status = required("encounter-status", codes.ENCOUNTER_STATUS[session.status])  # type: ignore[index]
    day = session.occurred_on.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(session.pk),
        "extension": [
            {
                "url": f"{codes.EXTENSION_BASE}session-status",
                "valueCoding": coding("session-status", session.status),
            }
        ],
        "status": status,
        "class": external("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
        "type": [concept(coding("session-type", session.session_type))],
        "subject": ref("Patient", session.client_id),
        "participant": [
            {
                "type": [
                    concept(
                        external(
                            "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PPRF"
                        )
                    )
                ],
                "individual": ref("Practitioner", session.clinician_id),
            }
        ],
        "period": {"start": day, "end": day},
        "serviceProvider": ref("Organization", session.program_id),
    }
    if session.ehr_id:
        resource["identifier"] = [
            {
                "system": identifier_system(session.program.organization, "session"),
                "value": session.ehr_id,
            }
        ]
    if session.duration_minutes:
        resource["length"] = _quantity(session.duration_minutes, "min")
    return resource


# --- The library -------------------------------------------------------------------------------


def activity_definition_url(template: HomeworkTemplate) -> str:
    return f"{codes.CANONICAL_BASE}/ActivityDefinition/{template.key}"


PARTICIPANTS = {
    "youth": ("patient",),
    "caregiver": ("related-person",),
    "family": ("patient", "related-person"),
}


def activity_definition(template: HomeworkTemplate) -> dict[str, Any]:
    """A library item's current version (the canonical version is the version number)."""
    version: TemplateVersion = template.current  # type: ignore[assignment]
    steps = "\n".join(f"{i}. {step}" for i, step in enumerate(version.steps_en, start=1))
    resource: dict[str, Any] = {
        "resourceType": "ActivityDefinition",
        "id": str(template.pk),
        "url": activity_definition_url(template),
        "version": str(version.number),
        "name": "".join(part.capitalize() for part in template.key.replace("_", "-").split("-")),
        "title": version.title_en,
        "status": required("publication-status", "retired" if template.is_retired else "active"),
        "description": f"{version.rationale_en}\n\n{steps}".strip(),
        "useContext": [
            {
                "code": external("http://terminology.hl7.org/CodeSystem/usage-context-type", "age"),
                "valueRange": {
                    "low": _quantity(version.age_min, "a"),
                    "high": _quantity(version.age_max, "a"),
                },
            }
        ],
        "topic": [concept(coding("skill-area", version.skill_area))],
        "kind": required("request-resource-types", "Task"),
        "code": concept(coding("homework-target", version.target)),
        "timingTiming": {
            "repeat": {
                "frequency": version.frequency_per_week,
                "period": 1,
                "periodUnit": required("units-of-time", "wk"),
                "duration": version.minutes,
                "durationUnit": required("units-of-time", "min"),
            }
        },
        "participant": [
            {"type": required("action-participant-type", kind)}
            for kind in PARTICIPANTS[version.target]
        ],
    }
    if version.help_en:
        resource["usage"] = version.help_en
    return resource


# --- Homework: plan, tasks, practice ----------------------------------------------------------


def care_plan(client: Client, assignments: list[Assignment]) -> dict[str, Any]:
    """The client's homework plan: every assignment is one of its activities (a Task)."""
    is_open = any(a.closed_at is None for a in assignments)
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(client.pk),
        "status": required("care-plan-status", "active" if is_open else "completed"),
        "intent": required("care-plan-intent", "plan"),
        "category": [concept(coding("plan-category", "homework-plan"))],
        "title": "Therapeutic homework",
        "subject": ref("Patient", client.pk),
    }
    if assignments:
        resource["period"] = {"start": min(a.session.occurred_on for a in assignments).isoformat()}
        resource["activity"] = [{"reference": ref("Task", a.pk)} for a in assignments]
    return resource


def task_status(assignment: Assignment, reviews: list[Review]) -> str:
    """Open homework is in progress; a review closes it as done (fully or partly) or not done;
    homework closed without one (replaced) was cancelled. `kinds._task_status_q` is the SQL."""
    if assignment.closed_at is None:
        return "in-progress"
    completions = {r.completion for r in reviews}
    if completions & {"full", "partial"}:
        return "completed"
    if "none" in completions:
        return "failed"
    return "cancelled"


def _closing_review(reviews: list[Review]) -> Review | None:
    """The review that closed the homework, else the latest ("not reviewed today")."""
    done = [r for r in reviews if r.completion != "not_reviewed"] or reviews
    return max(done, key=lambda r: (r.created_at, r.pk)) if done else None


def _owner(assignment: Assignment) -> dict[str, str] | None:
    """Who practices: the youth (Patient), or for caregiver homework the primary caregiver
    (RelatedPerson). Homework for both names the youth; the assignee code says both."""
    if assignment.assignee != Assignee.CAREGIVER:
        return ref("Patient", assignment.client_id)
    links = sorted(
        assignment.client.caregiver_links.all(), key=lambda link: (not link.is_primary, link.pk)
    )
    return ref("RelatedPerson", links[0].pk) if links else None


def task(assignment: Assignment) -> dict[str, Any]:
    """An assignment. Expects `reviews` (with barriers and strategy) and the client's
    caregiver links prefetched."""
    reviews = sorted(assignment.reviews.all(), key=lambda r: (r.created_at, r.pk))
    status = required("task-status", task_status(assignment, reviews))
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(assignment.pk),
        "basedOn": [ref("CarePlan", assignment.client_id)],
        "status": status,
        "intent": required("task-intent", "order"),
        "code": concept(coding("assignee", assignment.assignee)),
        "description": assignment.title_in(assignment.language),
        "for": ref("Patient", assignment.client_id),
        "encounter": ref("Encounter", assignment.session_id),
        "executionPeriod": {
            "start": assignment.session.occurred_on.isoformat(),
            "end": assignment.due_on.isoformat(),
        },
        "authoredOn": assignment.created_at.isoformat(),
        "requester": ref("Practitioner", assignment.assigned_by_id),
        "input": _task_inputs(assignment),
    }
    if assignment.template_version_id is not None:
        version = assignment.template_version
        assert version is not None
        resource["instantiatesCanonical"] = (
            f"{activity_definition_url(version.template)}|{version.number}"
        )
    owner = _owner(assignment)
    if owner:
        resource["owner"] = owner
    review = _closing_review(reviews)
    if review is not None:
        resource["businessStatus"] = concept(coding("homework-completion", review.completion))
        resource["lastModified"] = review.updated_at.isoformat()
        resource.update(_why_not_done(review))
    return resource


def _task_inputs(assignment: Assignment) -> list[dict[str, Any]]:
    inputs: list[dict[str, Any]] = [
        {
            "type": concept(coding("task-input", "frequency_per_week")),
            "valueInteger": assignment.frequency_per_week,
        }
    ]
    inputs += [
        {
            "type": concept(coding("task-input", name)),
            "valueBoolean": bool(getattr(assignment, name)),
        }
        for name in QUALITY_ELEMENTS
    ]
    if assignment.confidence is not None:
        inputs.append(
            {
                "type": concept(coding("task-input", "confidence")),
                "valueInteger": assignment.confidence,
            }
        )
    return inputs


def _why_not_done(review: Review) -> dict[str, Any]:
    """statusReason: the barriers named at the review (the first as the code, all as text);
    every barrier and the strategy agreed also as extensions."""
    barriers = sorted(review.barriers.all(), key=lambda b: (b.position, b.code))
    labels = [b.label_en for b in barriers] + (
        [review.barrier_other] if review.barrier_other else []
    )
    if not labels:
        return {}
    codings = [coding("homework-barrier", b.code, b.label_en) for b in barriers]
    result: dict[str, Any] = {"statusReason": concept(*codings[:1], text="; ".join(labels))}
    extensions = [
        {"url": f"{codes.EXTENSION_BASE}homework-barrier", "valueCoding": c} for c in codings
    ]
    if review.strategy is not None:
        extensions.append(
            {
                "url": f"{codes.EXTENSION_BASE}problem-solving-strategy",
                "valueCoding": coding(
                    "problem-solving-strategy", review.strategy.code, review.strategy.label_en
                ),
            }
        )
    if extensions:
        result["extension"] = extensions
    return result


def observation(log: PracticeLog) -> dict[str, Any]:
    """One report of practice. Expects `assignment` loaded."""
    client_id = log.assignment.client_id
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(log.pk),
        "status": required("observation-status", "final"),
        "category": [
            concept(
                external("http://terminology.hl7.org/CodeSystem/observation-category", "therapy")
            )
        ],
        "code": concept(coding("practice-observation", "homework-practice")),
        "subject": ref("Patient", client_id),
        "basedOn": [ref("CarePlan", client_id)],
        "focus": [ref("Task", log.assignment_id)],
        "effectiveDateTime": log.practiced_on.isoformat(),
        "issued": log.created_at.isoformat(),
        "valueCodeableConcept": concept(coding("practice-completion", log.completion)),
        "method": concept(coding("log-source", log.source)),
    }
    components: list[dict[str, Any]] = []
    if log.count is not None:
        components.append(
            {
                "code": concept(coding("practice-observation", "practice-count")),
                "valueInteger": log.count,
            }
        )
    if log.rating is not None:
        components.append(
            {
                "code": concept(coding("practice-observation", "helpfulness-rating")),
                "valueInteger": log.rating,
            }
        )
    if log.difficulty:
        components.append(
            {
                "code": concept(coding("practice-observation", "difficulty")),
                "valueCodeableConcept": concept(coding("practice-difficulty", log.difficulty)),
            }
        )
    if components:
        resource["component"] = components
    if log.note:
        resource["note"] = [{"text": log.note}]
    return resource
