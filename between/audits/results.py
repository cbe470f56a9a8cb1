"""What a review cycle found: rates with Wilson intervals, agreement, and the documentation gap.

Reads submitted answers only. A record reviewed twice counts once in the rates (the first
reviewer's answer, i.e. the review created first); both answers count in the agreement.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from between.audits.actions import agreement_pairs, answers_by_record
from between.audits.models import RecordReview, ReviewCycle, SampledSession
from between.audits.tools import ASSIGNED_ITEM
from between.clinic.models import ProgressNote
from between.homework.models import Assignment
from between.stats.agreement import cohens_kappa
from between.stats.prevalence import CorrectedPrevalence, prevalence_from_confusion
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


@dataclass(frozen=True)
class ReviewerTime:
    """Time a reviewer spent in the workspace (measured per visit, summed per record)."""

    reviewer_id: int | None  # None: every reviewer together
    submitted: int
    in_progress: int
    total_seconds: int
    median_seconds: float | None  # per submitted record


def time_spent(cycle: ReviewCycle) -> list[ReviewerTime]:
    """Per reviewer, then all together: records done and the time they took."""
    rows = RecordReview.objects.filter(sampled__cycle=cycle).values_list(
        "reviewer_id", "submitted_at", "seconds_spent"
    )
    by_reviewer: dict[int | None, list[tuple[bool, int]]] = {}
    for reviewer_id, submitted_at, seconds in rows:
        for key in (reviewer_id, None):
            by_reviewer.setdefault(key, []).append((submitted_at is not None, seconds))
    result = []
    for key, entries in by_reviewer.items():
        done = [seconds for submitted, seconds in entries if submitted]
        result.append(
            ReviewerTime(
                reviewer_id=key,
                submitted=len(done),
                in_progress=sum(1 for submitted, s in entries if not submitted and s),
                total_seconds=sum(seconds for _, seconds in entries),
                median_seconds=statistics.median(done) if done else None,
            )
        )
    result.sort(key=lambda row: (row.reviewer_id is None, row.reviewer_id or 0))
    return result


def summary(cycle: ReviewCycle) -> dict[str, Any]:
    return {"items": item_results(cycle), "gap": documentation_gap(cycle)}


@dataclass(frozen=True)
class DetectorCheck:
    """The note detector against the reviewers (first answers, yes/no only), and the
    population estimate it gives for every note of the cycle's programs and period."""

    metrics: dict[str, dict[str, Any]]
    notes_in_scope: int
    flagged: int
    sample_rate: ProportionInterval | None
    corrected: CorrectedPrevalence | None
    problem: str


def detector_check(cycle: ReviewCycle) -> DetectorCheck:
    from between.audits.detector import DETECTOR_VERSION, detect
    from between.audits.evaluation import evaluate
    from between.audits.tools import REVIEWED_ITEM

    assigned = answers_by_record(cycle, ASSIGNED_ITEM)
    reviewed = answers_by_record(cycle, REVIEWED_ITEM)
    sampled = SampledSession.objects.filter(cycle=cycle, pk__in=list(assigned)).prefetch_related(
        "session__notes"
    )
    items = []
    for record in sampled:
        first = assigned[record.pk][0]
        if first not in ("yes", "no"):
            continue
        text = "\n".join(n.text for n in record.session.notes.all())
        found = detect(text)
        items.append(
            {
                "homework_assigned": first == "yes",
                # "Not applicable" (nothing to review) counts as not documented.
                "homework_reviewed": (reviewed.get(record.pk) or ["no"])[0] == "yes",
                "predicted": found.as_dict(),
            }
        )
    metrics = evaluate(items) if items else {}
    notes = ProgressNote.objects.filter(
        session__program__in=cycle.programs.all(),
        session__occurred_on__gte=cycle.period_start,
        session__occurred_on__lte=cycle.period_end,
        session__status="attended",
    )
    scanned = notes.filter(detection__detector_version=DETECTOR_VERSION)
    in_scope, flagged = notes.count(), scanned.filter(detection__homework_assigned=True).count()
    yes = sum(1 for i in items if i["homework_assigned"])
    sample_rate = wilson_interval(yes, len(items)) if items else None
    corrected, problem = None, ""
    counts = metrics.get(ASSIGNED_ITEM)
    if scanned.count() < in_scope:
        problem = "scan"  # some notes have no current detection: run `between notes scan`
    elif counts and in_scope:
        try:
            corrected = prevalence_from_confusion(
                counts["tp"], counts["fp"], counts["fn"], counts["tn"], flagged, in_scope
            )
        except ValueError:
            problem = "uninformative"
    return DetectorCheck(metrics, in_scope, flagged, sample_rate, corrected, problem)
