"""Search parameters: parsing, paging and the searchset Bundle.

Strict: an unknown parameter or a malformed value is a 400 OperationOutcome, so a partner never
mistakes an ignored filter for an empty result.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse

from between.interop.fhir.codes import required
from between.interop.fhir.http import FhirError

DEFAULT_COUNT = 20
MAX_COUNT = 100
# Parameters every search accepts (besides each type's own).
RESULT_PARAMS = {"_count", "_offset", "_format"}
DATE = re.compile(r"^(eq|ne|ge|le|gt|lt)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass
class Search:
    params: dict[str, list[str]]
    count: int = DEFAULT_COUNT
    offset: int = 0
    used: list[tuple[str, str]] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        """Every value of a parameter (repeated parameters AND, commas OR: we flatten ORs
        where the caller asks for them with `tokens`)."""
        return self.params.get(name, [])

    def tokens(self, name: str) -> list[str] | None:
        """Comma-separated alternatives of a token parameter, or None when it is absent."""
        values = self.values(name)
        if not values:
            return None
        if len(values) > 1:
            raise FhirError(400, "invalid", f"Give {name} once (separate alternatives by commas).")
        return [v.strip() for v in values[0].split(",") if v.strip()]


def parse(request: HttpRequest, allowed: set[str]) -> Search:
    params: dict[str, list[str]] = {}
    used: list[tuple[str, str]] = []
    for name in request.GET:
        if name not in allowed | RESULT_PARAMS:
            raise FhirError(400, "not-supported", f"Unknown search parameter: {name}.")
        if name in RESULT_PARAMS:
            continue
        params[name] = request.GET.getlist(name)
        used += [(name, value) for value in params[name]]
    count = _integer(request, "_count", DEFAULT_COUNT, low=0, high=MAX_COUNT)
    offset = _integer(request, "_offset", 0, low=0, high=10**9)
    return Search(params=params, count=count, offset=offset, used=used)


def _integer(request: HttpRequest, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise FhirError(400, "invalid", f"{name} must be a whole number.") from None
    if not low <= value <= high:
        raise FhirError(400, "invalid", f"{name} must be between {low} and {high}.")
    return value


def ids(search: Search, name: str = "_id") -> list[int] | None:
    """Integer ids of an _id-like parameter (ids that cannot be ours match nothing)."""
    values = search.tokens(name)
    if values is None:
        return None
    return [int(v) for v in values if v.isdigit()]


def reference_ids(search: Search, name: str, resource_type: str) -> list[int] | None:
    """Ids of a reference parameter: `Patient/12`, `12` (or an absolute URL ending so)."""
    values = search.tokens(name)
    if values is None:
        return None
    found = []
    for value in values:
        parts = value.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] != resource_type:
            raise FhirError(400, "invalid", f"{name} must refer to a {resource_type}.")
        if parts[-1].isdigit():
            found.append(int(parts[-1]))
    return found


def date_bounds(value: str, name: str) -> tuple[str, date, date]:
    """A date parameter as (prefix, first day, last day) of the precision given."""
    match = DATE.match(value)
    if not match:
        raise FhirError(400, "invalid", f"{name} must be a date such as ge2026-01-31.")
    prefix, year, month, day = match[1] or "eq", int(match[2]), match[3], match[4]
    try:
        if day:
            first = last = date(year, int(month), int(day))
        elif month:
            first = date(year, int(month), 1)
            last = date(year, int(month), calendar.monthrange(year, int(month))[1])
        else:
            first, last = date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise FhirError(400, "invalid", f"{name}: no such date.") from None
    return prefix, first, last


def date_q(search: Search, name: str, field_name: str) -> Q:
    """Repeated date parameters AND together: date=ge2026-01-01&date=le2026-03-31."""
    q = Q()
    for value in search.values(name):
        prefix, first, last = date_bounds(value, name)
        q &= {
            "eq": Q(**{f"{field_name}__range": (first, last)}),
            "ne": ~Q(**{f"{field_name}__range": (first, last)}),
            "ge": Q(**{f"{field_name}__gte": first}),
            "gt": Q(**{f"{field_name}__gt": last}),
            "le": Q(**{f"{field_name}__lte": last}),
            "lt": Q(**{f"{field_name}__lt": first}),
        }[prefix]
    return q


def page_links(request: HttpRequest, search: Search, total: int) -> list[dict[str, str]]:
    """self, first, previous and next, each repeating the filters with its own offset."""
    base = request.build_absolute_uri(request.path)

    def url(offset: int) -> str:
        query = [*search.used, ("_count", str(search.count)), ("_offset", str(offset))]
        return f"{base}?{urlencode(query)}"

    links = [{"relation": "self", "url": url(search.offset)}, {"relation": "first", "url": url(0)}]
    if search.offset > 0:
        links.append({"relation": "previous", "url": url(max(0, search.offset - search.count))})
    if search.count and search.offset + search.count < total:
        links.append({"relation": "next", "url": url(search.offset + search.count)})
    return links


def searchset(
    request: HttpRequest,
    search: Search,
    total: int,
    resources: list[dict[str, Any]],
    outcomes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": full_url(request, r),
            "resource": r,
            "search": {"mode": required("search-entry-mode", "match")},
        }
        for r in resources
    ]
    outcome_mode = required("search-entry-mode", "outcome")
    entries += [{"resource": o, "search": {"mode": outcome_mode}} for o in outcomes or []]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": required("bundle-type", "searchset"),
        "total": total,
        "link": page_links(request, search, total),
    }
    if entries:
        bundle["entry"] = entries
    return bundle


def full_url(request: HttpRequest, resource: dict[str, Any]) -> str:
    root = reverse("fhir:metadata").removesuffix("metadata")
    return request.build_absolute_uri(f"{root}{resource['resourceType']}/{resource['id']}")
