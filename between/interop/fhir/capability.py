"""The CapabilityStatement: generated from the table of kinds, so it lists exactly what we serve."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from between.interop.fhir import codes
from between.interop.fhir.kinds import KINDS
from between.interop.fhir.search import DEFAULT_COUNT, MAX_COUNT

# The models are fhir.resources' R4B (4.3.0); the path says R4, which R4B keeps compatible.
FHIR_VERSION = "4.3.0"
RELEASED = "2026-11-28"
EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"


def statement(request: HttpRequest) -> dict[str, Any]:
    base = request.build_absolute_uri(reverse("fhir:metadata").removesuffix("metadata"))
    return {
        "resourceType": "CapabilityStatement",
        "id": "between-sessions",
        "url": f"{codes.CANONICAL_BASE}/CapabilityStatement/between-sessions",
        "name": "BetweenSessionsFhir",
        "title": "Between Sessions FHIR facade",
        "status": "active",
        "date": RELEASED,
        "publisher": "Between Sessions",
        "description": (
            "Read and search of therapeutic homework records (clients, caregivers, sessions, "
            "assignments, practice) and of the homework indicators (Measure, MeasureReport)."
        ),
        "kind": "instance",
        "software": {"name": "Between Sessions"},
        "implementation": {"description": "Between Sessions", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "description": (
                        "Authorization: Bearer <API token>, or a signed-in staff session. "
                        "Families use the portal, not this interface (403)."
                    ),
                },
                "resource": [_resource(kind) for kind in KINDS.values()],
                "searchParam": [
                    {
                        "name": "_count",
                        "type": "number",
                        "documentation": (
                            f"Page size (default {DEFAULT_COUNT}, at most {MAX_COUNT})"
                        ),
                    },
                    {
                        "name": "_offset",
                        "type": "number",
                        "documentation": "Position of the page's first result (from the links)",
                    },
                ],
            }
        ],
    }


def _resource(kind: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "type": kind.name,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [
            {"name": name, "type": kind_type, "documentation": doc}
            for name, (kind_type, doc) in kind.params.items()
        ],
    }
    if kind.name == "Patient":
        resource["operation"] = [{"name": "everything", "definition": EVERYTHING}]
    return resource
