"""Every code the FHIR facade may print, and the check that it prints no other.

fhir.resources validates structure, not code values, so we check them ourselves: each coded
element is built through `coding()` / `required()`, and `verify()` walks the finished resource
once more before it leaves (a value set drifting from a model's choices fails a test, not a
partner's import).

Our own code systems live under CODE_SYSTEM_BASE; most mirror a model's choices, two (barriers
and strategies) are the editable catalogs, whose codes are checked against the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db.models import TextChoices

from between.clinic.models import ProgramKind, Relationship, SessionStatus, SessionType
from between.homework.models import (
    QUALITY_ELEMENTS,
    Assignee,
    Barrier,
    Completion,
    Difficulty,
    LogSource,
    ReviewCompletion,
    SkillArea,
    Strategy,
    Target,
)
from between.stats.disclosure import HiddenBecause

CANONICAL_BASE = "https://between-sessions.example/fhir"
CODE_SYSTEM_BASE = f"{CANONICAL_BASE}/CodeSystem/"
EXTENSION_BASE = f"{CANONICAL_BASE}/StructureDefinition/"
IDENTIFIER_BASE = f"{CANONICAL_BASE}/sid/"


class CodeError(ValueError):
    """A code outside its value set: a bug in the facade, never shown to a partner as data."""


def _choices(choices: type[TextChoices]) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


# Our code systems: name -> {code: English display}.
OWN_SYSTEMS: dict[str, dict[str, str]] = {
    "session-type": _choices(SessionType),
    "session-status": _choices(SessionStatus),
    "program-kind": _choices(ProgramKind),
    "caregiver-relationship": _choices(Relationship),
    "skill-area": _choices(SkillArea),
    "homework-target": _choices(Target),
    "assignee": _choices(Assignee),
    "homework-completion": _choices(ReviewCompletion),
    "practice-completion": _choices(Completion),
    "practice-difficulty": _choices(Difficulty),
    "log-source": _choices(LogSource),
    "suppression-reason": {
        HiddenBecause.SMALL.value: "Small cell (a count of 1 to the small-cell maximum)",
        HiddenBecause.COMPLEMENTARY.value: "Hidden so that a small cell cannot be worked out",
    },
    "task-input": {
        **{name: name.replace("_", " ").capitalize() for name in QUALITY_ELEMENTS},
        "frequency_per_week": "Times per week",
        "confidence": "Family's confidence (0-10)",
    },
    "practice-observation": {
        "homework-practice": "Practice of therapeutic homework",
        "practice-count": "How many times",
        "helpfulness-rating": "How helpful it felt (0-10)",
        "difficulty": "How hard it was",
    },
    "plan-category": {"homework-plan": "Therapeutic homework between sessions"},
}

# The editable catalogs: their codes are whatever rows the county keeps (checked per request).
CATALOG_SYSTEMS: dict[str, type[Barrier] | type[Strategy]] = {
    "homework-barrier": Barrier,
    "problem-solving-strategy": Strategy,
}

# Codes we use from external systems: exactly these, nothing else from them.
EXTERNAL_SYSTEMS: dict[str, dict[str, str]] = {
    "http://terminology.hl7.org/CodeSystem/v3-ActCode": {"AMB": "ambulatory"},
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType": {"PPRF": "primary performer"},
    "http://terminology.hl7.org/CodeSystem/measure-scoring": {"proportion": "Proportion"},
    "http://terminology.hl7.org/CodeSystem/measure-type": {"process": "Process"},
    "http://terminology.hl7.org/CodeSystem/measure-improvement-notation": {
        "increase": "Increased score indicates improvement",
        "decrease": "Decreased score indicates improvement",
    },
    "http://terminology.hl7.org/CodeSystem/measure-population": {
        "initial-population": "Initial Population",
        "denominator": "Denominator",
        "denominator-exclusion": "Denominator Exclusion",
        "numerator": "Numerator",
    },
    "http://terminology.hl7.org/CodeSystem/observation-category": {"therapy": "Therapy"},
    "http://terminology.hl7.org/CodeSystem/usage-context-type": {"age": "Age Range"},
    "urn:ietf:bcp:47": {"en": "English", "es": "Spanish"},
    "http://unitsofmeasure.org": {"min": "minute", "a": "year", "wk": "week"},
}

# FHIR's required value sets of the bare `code` elements we print.
REQUIRED: dict[str, frozenset[str]] = {
    "task-status": frozenset(
        {
            "draft",
            "requested",
            "received",
            "accepted",
            "rejected",
            "ready",
            "cancelled",
            "in-progress",
            "on-hold",
            "failed",
            "completed",
            "entered-in-error",
        }
    ),
    "task-intent": frozenset(
        {
            "unknown",
            "proposal",
            "plan",
            "order",
            "original-order",
            "reflex-order",
            "filler-order",
            "instance-order",
            "option",
        }
    ),
    "encounter-status": frozenset(
        {
            "planned",
            "arrived",
            "triaged",
            "in-progress",
            "onleave",
            "finished",
            "cancelled",
            "entered-in-error",
            "unknown",
        }
    ),
    "care-plan-status": frozenset(
        {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
    ),
    "care-plan-intent": frozenset({"proposal", "plan", "order", "option"}),
    "observation-status": frozenset(
        {
            "registered",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "cancelled",
            "entered-in-error",
            "unknown",
        }
    ),
    "publication-status": frozenset({"draft", "active", "retired", "unknown"}),
    "measure-report-status": frozenset({"complete", "pending", "error"}),
    "measure-report-type": frozenset({"individual", "subject-list", "summary", "data-collection"}),
    "action-participant-type": frozenset({"patient", "practitioner", "related-person", "device"}),
    "request-resource-types": frozenset({"Task", "CarePlan", "ServiceRequest"}),
    "bundle-type": frozenset({"searchset", "collection"}),
    "search-entry-mode": frozenset({"match", "include", "outcome"}),
    "issue-severity": frozenset({"fatal", "error", "warning", "information"}),
    "issue-type": frozenset(
        {"invalid", "security", "login", "forbidden", "not-found", "not-supported", "exception"}
    ),
    "units-of-time": frozenset({"s", "min", "h", "d", "wk", "mo", "a"}),
}

# Sessions map onto Encounter.status; a no-show is an encounter that did not happen.
ENCOUNTER_STATUS = {
    SessionStatus.SCHEDULED: "planned",
    SessionStatus.ATTENDED: "finished",
    SessionStatus.NO_SHOW: "cancelled",
    SessionStatus.CANCELLED: "cancelled",
}


def system_url(name: str) -> str:
    return f"{CODE_SYSTEM_BASE}{name}"


def required(value_set: str, code: str) -> str:
    """A code of one of FHIR's required value sets, checked."""
    if code not in REQUIRED[value_set]:
        raise CodeError(f"{code!r} is not in the required value set {value_set}")
    return code


def coding(name: str, code: str, display: str | None = None) -> dict[str, str]:
    """A Coding from one of our code systems (or a catalog), with its display."""
    if name in OWN_SYSTEMS:
        if code not in OWN_SYSTEMS[name]:
            raise CodeError(f"{code!r} is not a code of {name}")
        display = display or OWN_SYSTEMS[name][code]
    elif name not in CATALOG_SYSTEMS:
        raise CodeError(f"unknown code system {name!r}")
    result = {"system": system_url(name), "code": code}
    if display:
        result["display"] = display
    return result


def external(system: str, code: str) -> dict[str, str]:
    """A Coding from an external system, limited to the codes listed in EXTERNAL_SYSTEMS."""
    if code not in EXTERNAL_SYSTEMS.get(system, {}):
        raise CodeError(f"{code!r} of {system} is not one we use")
    return {"system": system, "code": code, "display": EXTERNAL_SYSTEMS[system][code]}


def concept(*codings: dict[str, str], text: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"coding": list(codings)}
    if text:
        result["text"] = text
    return result


class Verifier:
    """Checks every (system, code) pair of finished resources; reads a catalog at most once."""

    def __init__(self, catalog_codes: Callable[[str], Iterable[str]] | None = None) -> None:
        self._catalog_codes = catalog_codes or _catalog_codes_from_database
        self._catalogs: dict[str, frozenset[str]] = {}

    def allowed(self, system: str, code: str) -> bool:
        if system.startswith(CODE_SYSTEM_BASE):
            name = system.removeprefix(CODE_SYSTEM_BASE)
            if name in OWN_SYSTEMS:
                return code in OWN_SYSTEMS[name]
            if name in CATALOG_SYSTEMS:
                if name not in self._catalogs:
                    self._catalogs[name] = frozenset(self._catalog_codes(name))
                return code in self._catalogs[name]
            return False
        return code in EXTERNAL_SYSTEMS.get(system, {})

    def verify(self, resource: Mapping[str, Any] | list[Any]) -> None:
        """Raise CodeError at the first coding (or Quantity) whose code is not ours to print."""
        for system, code in _system_codes(resource):
            if not self.allowed(system, code):
                raise CodeError(f"{code!r} is not in the value set of {system}")


def _catalog_codes_from_database(name: str) -> list[str]:
    return list(CATALOG_SYSTEMS[name].objects.values_list("code", flat=True))


def _system_codes(node: Any) -> Iterable[tuple[str, str]]:
    """Every {system, code} pair in a JSON tree (Codings and coded Quantities)."""
    if isinstance(node, Mapping):
        if isinstance(node.get("system"), str) and isinstance(node.get("code"), str):
            yield node["system"], node["code"]
        for value in node.values():
            yield from _system_codes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _system_codes(item)
