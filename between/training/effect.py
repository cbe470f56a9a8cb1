"""Did a course change practice? Trained clinicians' homework indicator before and after their
training, against clinicians not yet trained over the same months (difference-in-differences).

Each event is one comparison: its attendees trained there for the first time ("trained"),
and the clinicians of the same programs with no training in the course until the end of the
window ("not yet trained"), each counted in the `window_days` before the event and after it.
The comparisons are stacked (a clinician may be a comparison for several events) and analysed
together, sessions clustered by clinician (between.stats.did). Observational: see `caveat`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Min

from between.improvement.measure import Counts, live_counts
from between.indicators import registry
from between.indicators.registry import Indicator
from between.stats.did import DidResult, difference_in_differences
from between.training.models import Attendance, Course, TrainingEvent

WINDOW_DAYS = 90


@dataclass(frozen=True)
class TrainingEffect:
    course: Course
    indicator: Indicator
    window_days: int
    events: int  # events with a whole window after them, used
    trained: int  # clinicians in the trained group
    result: DidResult | None
    reason: str  # why there is no result, in plain words


def _rows(
    counts: Counts, clinicians: Collection[int], treated: int, after: int
) -> list[tuple[int, int, int, int]]:
    rows: list[tuple[int, int, int, int]] = []
    for clinician in clinicians:
        numerator, denominator = counts.by_clinician.get(clinician, (0, 0))
        rows.extend([(clinician, treated, after, 1)] * numerator)
        rows.extend([(clinician, treated, after, 0)] * (denominator - numerator))
    return rows


def course_effect(
    course: Course,
    program_ids: Collection[int],
    *,
    today: date,
    window_days: int = WINDOW_DAYS,
    indicator_key: str = registry.DEFAULT_INDICATOR,
) -> TrainingEffect:
    indicator = registry.get(indicator_key)
    window = timedelta(days=window_days)
    first_trained = dict(
        Attendance.objects.filter(event__course=course, attended=True)
        .values_list("clinician_id")
        .annotate(first=Min("event__held_on"))
    )
    events = list(
        TrainingEvent.objects.filter(
            course=course, program_id__in=program_ids, held_on__lte=today - window
        ).order_by("held_on")
    )
    rows: list[tuple[int, int, int, int]] = []
    trained_total: set[int] = set()
    used = 0
    for event in events:
        day = event.held_on
        trained = {
            a.clinician_id
            for a in event.attendance.filter(attended=True)
            if first_trained.get(a.clinician_id) == day
        }
        if not trained:
            continue
        before = live_counts(indicator, day - window, day - timedelta(days=1), program_ids)
        after = live_counts(indicator, day + timedelta(days=1), day + window, program_ids)
        active = set(before.by_clinician) | set(after.by_clinician)
        controls = {
            c
            for c in active - trained
            if first_trained.get(c) is None or first_trained[c] > day + window
        }
        if not controls:
            continue
        used += 1
        trained_total |= trained
        # Clustered by clinician across the stacked comparisons: a comparison clinician of
        # several events brings the same sessions to each, and they stay one cluster.
        for group, flag in ((trained, 1), (controls, 0)):
            for counts, later in ((before, 0), (after, 1)):
                rows.extend(_rows(counts, group, flag, later))
    if not rows:
        return TrainingEffect(
            course,
            indicator,
            window_days,
            used,
            0,
            None,
            _no_result_reason(events),
        )
    try:
        result = difference_in_differences(rows)
    except ValueError as error:
        return TrainingEffect(
            course, indicator, window_days, used, len(trained_total), None, str(error)
        )
    return TrainingEffect(course, indicator, window_days, used, len(trained_total), result, "")


def _no_result_reason(events: list[TrainingEvent]) -> str:
    from django.utils.translation import gettext as _

    if not events:
        return _(
            "No event of this course has a whole window after it yet: the comparison needs "
            "the months after the training."
        )
    return _(
        "No event had both first-time attendees and clinicians not yet trained with sessions "
        "in the same months."
    )
