"""What a review cycle found: rates with Wilson intervals, agreement, and the documentation gap.

Reads submitted answers only. A record reviewed twice counts once in the rates (the first
reviewer's answer, i.e. the review created first); both answers count in the agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from between.audits.actions import agreement_pairs, answers_by_record
from between.audits.models import ReviewCycle, SampledSession
from between.audits.tools import ASSIGNED_ITEM
from between.homework.models import Assignment
from between.stats.agreement import cohens_kappa
from between.stats.proportions import ProportionInterval, wilson_interval


@dataclass(frozen=True)
class ItemResult:
    key: str
    yes: int
    no: int
    not_applicable: int
    rate: ProportionInterval | None  # yes / (yes + no)
    pairs: int
    percent_agreement: float | None
    kappa: float | None


@dataclass(frozen=True)
class DocumentationGap:
    """Structured record against chart: the sessions where they disagree."""

    records: int  # sampled sessions with a submitted answer to the assigned item
    recorded_not_documented: list[int]  # sampled session ids: assignment recorded, note says no
    documented_not_recorded: list[int]  # note says yes, no assignment recorded


def item_results(cycle: ReviewCycle) -> list[ItemResult]:
    results = []
    for item in cycle.tool_version.items.all():
        first = [answers[0] for answers in answers_by_record(cycle, item.key).values()]
        yes, no = first.count("yes"), first.count("no")
        pairs = agreement_pairs(cycle, item.key)
        kappa = cohens_kappa([a for a, _ in pairs], [b for _, b in pairs]) if pairs else None
        results.append(
            ItemResult(
                key=item.key,
                yes=yes,
                no=no,
                not_applicable=first.count("na"),
                rate=wilson_interval(yes, yes + no) if yes + no else None,
                pairs=len(pairs),
                percent_agreement=kappa.observed_agreement if kappa else None,
                kappa=kappa.kappa if kappa else None,
            )
        )
    return results


def documentation_gap(cycle: ReviewCycle) -> DocumentationGap:
    answers = answers_by_record(cycle, ASSIGNED_ITEM)
    recorded = dict(
        SampledSession.objects.filter(cycle=cycle, pk__in=list(answers))
        .annotate(recorded=Exists(Assignment.objects.filter(session=OuterRef("session"))))
        .values_list("pk", "recorded")
    )
    gap: dict[str, list[int]] = {"recorded": [], "documented": []}
    for sampled_id, given in answers.items():
        documented = given[0] == "yes"
        if recorded.get(sampled_id) and given[0] == "no":
            gap["recorded"].append(sampled_id)
        elif documented and not recorded.get(sampled_id):
            gap["documented"].append(sampled_id)
    return DocumentationGap(
        records=len(answers),
        recorded_not_documented=sorted(gap["recorded"]),
        documented_not_recorded=sorted(gap["documented"]),
    )


@dataclass(frozen=True)
class GroupRate:
    group_id: int
    yes: int
    no: int
    rate: ProportionInterval | None


def rates_by(cycle: ReviewCycle, item_key: str, by: str) -> list[GroupRate]:
    """One item's rate per program or per clinician of the sampled sessions (first answers)."""
    field = {"program": "session__program_id", "clinician": "session__clinician_id"}[by]
    groups = dict(SampledSession.objects.filter(cycle=cycle).values_list("pk", field))
    counts: dict[int, list[int]] = {}
    for sampled_id, given in answers_by_record(cycle, item_key).items():
        tally = counts.setdefault(groups[sampled_id], [0, 0])
        if given[0] == "yes":
            tally[0] += 1
        elif given[0] == "no":
            tally[1] += 1
    return [
        GroupRate(group, yes, no, wilson_interval(yes, yes + no) if yes + no else None)
        for group, (yes, no) in sorted(counts.items())
    ]


def summary(cycle: ReviewCycle) -> dict[str, Any]:
    return {"items": item_results(cycle), "gap": documentation_gap(cycle)}
