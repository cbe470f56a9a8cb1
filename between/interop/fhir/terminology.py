"""CodeSystem: our code systems served at their own URLs, so a partner can look up every code
we print (the catalogs of barriers and strategies as the county keeps them today)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from between.interop.fhir import codes
from between.interop.fhir.base import Context, Page
from between.interop.fhir.codes import required
from between.interop.fhir.search import Search

NAMES = sorted([*codes.OWN_SYSTEMS, *codes.CATALOG_SYSTEMS])
STATUS_PROPERTY = {
    "code": "status",
    "uri": "http://hl7.org/fhir/concept-properties#status",
    "type": "code",
}


def code_system(name: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": name,
        "url": codes.system_url(name),
        "version": "1",
        "name": "".join(part.capitalize() for part in name.split("-")),
        "title": name.replace("-", " ").capitalize(),
        "status": required("publication-status", "active"),
        "publisher": "Between Sessions",
        "caseSensitive": True,
        "content": "complete",
    }
    concepts: list[dict[str, Any]]
    if name in codes.OWN_SYSTEMS:
        concepts = [{"code": c, "display": d} for c, d in codes.OWN_SYSTEMS[name].items()]
    else:
        # An editable catalog: retired entries stay, as old reviews still name them.
        resource["property"] = [STATUS_PROPERTY]
        rows = codes.CATALOG_SYSTEMS[name].objects.order_by("position", "code")
        concepts = [
            {
                "code": row.code,
                "display": row.label_en,
                "designation": [{"language": "es", "value": row.label_es}],
                "property": [
                    {"code": "status", "valueCode": "active" if row.is_active else "retired"}
                ],
            }
            for row in rows
        ]
    resource["count"] = len(concepts)
    resource["concept"] = concepts
    return resource


def read_code_system(ctx: Context, resource_id: str) -> dict[str, Any]:
    if resource_id not in NAMES:
        raise Http404("Not found.")
    return code_system(resource_id)


def search_code_systems(ctx: Context, search: Search) -> Page:
    chosen = NAMES
    wanted_ids = search.tokens("_id")
    if wanted_ids is not None:
        chosen = [n for n in chosen if n in wanted_ids]
    urls = search.tokens("url")
    if urls is not None:
        chosen = [n for n in chosen if codes.system_url(n) in urls]
    page = chosen[search.offset : search.offset + search.count]
    return Page(len(chosen), [code_system(name) for name in page])
