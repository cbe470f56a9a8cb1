"""Measure (one per indicator of the registry) and MeasureReport (one indicator, one program, one
calendar month), read from the indicator summary.

Suppression follows the dashboards: a viewer without record access to a program sees its
counts only where the county dashboard's breakdown by program would show them (the same
`suppress_breakdown` over the same programs, and nothing when that table must hide its total),
so that no combination of dashboard pages and MeasureReports pins a small cell. Only months are
offered: weeks are too small to show outside the program, and quarters would be sums of months.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Sum

from between.indicators import periods
from between.indicators.models import Grain, ProgramCount, SummaryPeriod
from between.indicators.registry import INDICATORS, REGISTRY, Indicator
from between.interop.fhir import codes
from between.interop.fhir.codes import coding, concept, external, required
from between.interop.fhir.resources import ref
from between.stats import disclosure

POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
MEASURE_TYPE = "http://terminology.hl7.org/CodeSystem/measure-type"
REPORT_ID = re.compile(
    r"^(?P<measure>[a-z-]+)\.(?P<program>\d+)\.(?P<year>\d{4})-(?P<month>\d{2})$"
)


def measure_id(indicator: Indicator) -> str:
    # FHIR ids allow no underscore.
    return indicator.key.replace("_", "-")


MEASURES: dict[str, Indicator] = {measure_id(i): i for i in INDICATORS}


def measure_url(indicator: Indicator) -> str:
    return f"{codes.CANONICAL_BASE}/Measure/{measure_id(indicator)}"


def indicator_for(reference: str) -> Indicator | None:
    """The indicator of a Measure id, canonical URL (optionally |version) or registry key."""
    reference = reference.split("|", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return MEASURES.get(reference) or REGISTRY.get(reference)


def _criteria(indicator: Indicator, population: str, text: str) -> dict[str, Any]:
    return {
        "code": concept(external(POPULATION, population)),
        "description": text,
        "criteria": {
            "description": text,
            "language": "text/plain",
            "expression": f"{indicator.key}.{population}",
            "reference": f"{codes.CANONICAL_BASE}/docs/indicators#{indicator.key}",
        },
    }


def measure(indicator: Indicator) -> dict[str, Any]:
    """The registry's definition, word for word: definition, numerator, denominator, exclusions."""
    unit = str(indicator.unit)
    references = "; ".join(
        f"{line.label} ({line.source}, {line.measure_kind})" for line in indicator.reference_lines
    )
    guidance = f"Measured from: {indicator.measure_kind}. Counted over {unit}s."
    if references:
        guidance += f" Reference lines: {references}."
    guidance += (
        " MeasureReport denominators are counted after the exclusions; the summary does not "
        "store the excluded rows, so reports give no initial-population or exclusion counts."
    )
    return {
        "resourceType": "Measure",
        "id": measure_id(indicator),
        "url": measure_url(indicator),
        "version": "1",
        "name": "".join(part.capitalize() for part in indicator.key.split("_")),
        "title": str(indicator.title),
        "status": required("publication-status", "active"),
        "publisher": "Between Sessions",
        "description": str(indicator.definition),
        "scoring": concept(
            external("http://terminology.hl7.org/CodeSystem/measure-scoring", "proportion")
        ),
        "type": [concept(external(MEASURE_TYPE, "process"))],
        "improvementNotation": concept(
            external(
                "http://terminology.hl7.org/CodeSystem/measure-improvement-notation",
                "increase" if indicator.higher_is_better else "decrease",
            )
        ),
        "guidance": guidance,
        "group": [
            {
                "description": str(indicator.short_title),
                "population": [
                    _criteria(
                        indicator,
                        "initial-population",
                        f"{unit.capitalize()}s dated in the reporting period, in the program.",
                    ),
                    _criteria(indicator, "denominator", str(indicator.denominator_text)),
                    _criteria(indicator, "denominator-exclusion", str(indicator.exclusions_text)),
                    _criteria(indicator, "numerator", str(indicator.numerator_text)),
                ],
            }
        ],
    }


# --- Reports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportKey:
    indicator: Indicator
    program_id: int
    month: date  # first day

    @property
    def id(self) -> str:
        return f"{measure_id(self.indicator)}.{self.program_id}.{self.month:%Y-%m}"


def parse_report_id(value: str) -> ReportKey | None:
    match = REPORT_ID.match(value)
    if not match or match["measure"] not in MEASURES:
        return None
    month = int(match["month"])
    if not 1 <= month <= 12:
        return None
    return ReportKey(
        MEASURES[match["measure"]], int(match["program"]), date(int(match["year"]), month, 1)
    )


@dataclass
class Counts:
    numerator: int
    denominator: int
    hidden: str = ""  # "", "small" or "complementary"


def counts(
    keys: Collection[ReportKey],
    *,
    visible_program_ids: Collection[int],
    exact_program_ids: Collection[int],
) -> dict[ReportKey, Counts]:
    """The counts of each report, suppressed where the viewer may not see them exactly.

    One query for all keys: per (indicator, month, program) the program rollup's whole-cell
    rows, the same rows `repository.breakdown(by="program")` sums."""
    if not keys:
        return {}
    indicators = {k.indicator.key for k in keys}
    months = {k.month for k in keys}
    rows = (
        ProgramCount.objects.filter(
            indicator__in=sorted(indicators),
            grain=Grain.MONTH,
            dimension="",
            period_start__in=sorted(months),
            program_id__in=sorted(visible_program_ids),
        )
        .values("indicator", "period_start", "program_id")
        .annotate(num=Sum("numerator"), den=Sum("denominator"))
        .order_by("indicator", "period_start", "program_id")
    )
    tables: dict[tuple[str, date], dict[int, Counts]] = defaultdict(dict)
    for row in rows:
        tables[(row["indicator"], row["period_start"])][row["program_id"]] = Counts(
            int(row["num"] or 0), int(row["den"] or 0)
        )
    everything_exact = set(visible_program_ids) <= set(exact_program_ids)
    if not everything_exact:
        for table in tables.values():
            _suppress(table, exact_program_ids)
    return {
        key: tables.get((key.indicator.key, key.month), {}).get(key.program_id, Counts(0, 0))
        for key in keys
    }


def _suppress(table: dict[int, Counts], exact_program_ids: Collection[int]) -> None:
    """As the county dashboard's breakdown by program (programs with data, by id)."""
    order = sorted(table)
    result = disclosure.suppress_breakdown(
        [(table[p].numerator, table[p].denominator) for p in order],
        max_small=settings.SMALL_CELL_MAX,
    )
    hide_all = result.total.hidden_because is not None
    for program_id, cell in zip(order, result.rows, strict=True):
        if program_id in exact_program_ids:
            continue
        reason = cell.hidden_because or ("complementary" if hide_all else None)
        if reason is not None:
            table[program_id] = Counts(0, 0, str(reason))


def closed_months(months: Iterable[date]) -> set[date]:
    return set(
        SummaryPeriod.objects.filter(
            grain=Grain.MONTH, start__in=sorted(set(months)), closed_at__isnull=False
        ).values_list("start", flat=True)
    )


def measure_report(key: ReportKey, cell: Counts, *, is_closed: bool) -> dict[str, Any]:
    """A summary report. Suppressed counts are left out, and an extension says why."""
    end = periods.period_end("month", key.month)
    group: dict[str, Any] = {}
    if cell.hidden:
        group["extension"] = [
            {
                "url": f"{codes.EXTENSION_BASE}suppressed",
                "valueCoding": coding("suppression-reason", cell.hidden),
            }
        ]
    else:
        group["population"] = [
            {"code": concept(external(POPULATION, "denominator")), "count": cell.denominator},
            {"code": concept(external(POPULATION, "numerator")), "count": cell.numerator},
        ]
        if cell.denominator:
            group["measureScore"] = {"value": round(cell.numerator / cell.denominator, 6)}
    return {
        "resourceType": "MeasureReport",
        "id": key.id,
        # A finished month is final; an open one is still refreshed for late entries.
        "status": required("measure-report-status", "complete" if is_closed else "pending"),
        "type": required("measure-report-type", "summary"),
        "measure": measure_url(key.indicator),
        "reporter": ref("Organization", key.program_id),
        "period": {"start": key.month.isoformat(), "end": end.isoformat()},
        "group": [group],
    }
