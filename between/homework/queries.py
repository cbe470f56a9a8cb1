"""Session-level homework facts as SQL expressions, defined once.

The supervisor view, "my week" and (later) the indicator registry all annotate sessions with
these, so "homework assigned", "open homework" and "reviewed" mean the same thing everywhere.

- eligible: attended, not an intake, and no recorded exclusion (crisis, intake or not
  clinically indicated; "declined" and "other" stay in the denominator: they are what the
  county wants to change);
- homework assigned: at least one assignment given in the session;
- open prior homework: an assignment given to the client in an earlier session within
  OPEN_DAYS days that no earlier session closed with a review;
- prior homework reviewed: a review with a completion (not "not reviewed today") in the session.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Avg, Count, Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast

from between.clinic.models import Session
from between.homework.models import QUALITY_ELEMENTS, Assignment, NoHomework, Review

EXCLUDING_REASONS = ("crisis", "intake", "not_indicated")
# Homework older than this at a session no longer counts as open (abandoned, not "unreviewed").
OPEN_DAYS = 35


def eligible_q(within: tuple[date, date] | None = None) -> Q:
    excluded = NoHomework.objects.filter(session=OuterRef("pk"), reason__in=EXCLUDING_REASONS)
    return Q(status="attended", is_intake=False) & ~Q(
        Exists(dated(excluded, "session__occurred_on", within))
    )


def dated(rows: QuerySet[Any], path: str, within: tuple[date, date] | None) -> QuerySet[Any]:
    """`rows` whose date at `path` falls in `within` (None: all of them).

    For subqueries correlated with one session's or assignment's own rows, whose outer rows
    the caller keeps only inside `within`: saying so bounds the hashed subplan PostgreSQL
    builds for an EXISTS in a select list, which otherwise reads every row of its table in the
    county's history (a plan hint, never another answer; bench/, issue 10)."""
    if within is None:
        return rows
    first, last = within
    return rows.filter(**{f"{path}__gte": first, f"{path}__lte": last})


def has_assignment(within: tuple[date, date] | None = None) -> Exists:
    given = Assignment.objects.filter(session=OuterRef("pk"))
    return Exists(dated(given, "session__occurred_on", within))


def had_open_homework(within: tuple[date, date] | None = None) -> Exists:
    """`within`: the sessions asked about all fall in (first, last). Their open homework was
    then given in (first - OPEN_DAYS, last), and saying so lets the database read only those
    days' assignments instead of every assignment of the county (a plan hint, never another
    answer: a county's month 1.3 -> 0.56 s on PostgreSQL; bench/, issue 10)."""
    closed_before = Review.objects.filter(
        assignment=OuterRef("pk"),
        session__occurred_on__lt=OuterRef(OuterRef("occurred_on")),
    ).exclude(completion="not_reviewed")
    given = Assignment.objects.filter(
        client=OuterRef("client"),
        session__occurred_on__lt=OuterRef("occurred_on"),
        session__occurred_on__gte=OuterRef("occurred_on") - timedelta(days=OPEN_DAYS),
    )
    if within is not None:
        first, last = within
        given = given.filter(
            session__occurred_on__gte=first - timedelta(days=OPEN_DAYS),
            session__occurred_on__lt=last,
        )
    return Exists(given.exclude(Exists(closed_before)))


def was_reviewed(within: tuple[date, date] | None = None) -> Exists:
    reviews = Review.objects.filter(session=OuterRef("pk")).exclude(completion="not_reviewed")
    return Exists(dated(reviews, "session__occurred_on", within))


def annotate_sessions(sessions: QuerySet[Session]) -> QuerySet[Any]:
    return sessions.annotate(
        has_assignment=has_assignment(),
        had_open_homework=had_open_homework(),
        was_reviewed=was_reviewed(),
    )


def quality_sum() -> CombinedExpression | Cast:
    """Number of quality elements of an assignment (0–5), as an SQL expression."""
    terms = [Cast(name, output_field=IntegerField()) for name in QUALITY_ELEMENTS]
    total: CombinedExpression | Cast = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def clinician_summary(
    sessions: QuerySet[Session], start: date, end: date
) -> QuerySet[Any, dict[str, Any]]:
    """Per clinician: eligible sessions, with homework assigned, with open prior homework,
    with it reviewed; counts only (the page shows every share with its counts)."""
    scoped = (
        sessions.filter(occurred_on__gte=start, occurred_on__lte=end)
        .filter(eligible_q())
        .annotate(
            has_assignment=has_assignment(),
            had_open_homework=had_open_homework(),
            was_reviewed=was_reviewed(),
        )
    )
    return (
        scoped.values("clinician_id")
        .annotate(
            eligible=Count("pk"),
            assigned=Count("pk", filter=Q(has_assignment=True)),
            with_open=Count("pk", filter=Q(had_open_homework=True)),
            reviewed=Count("pk", filter=Q(had_open_homework=True, was_reviewed=True)),
        )
        .order_by("clinician_id")
    )


def assignment_quality(assignments: QuerySet[Assignment]) -> dict[str, float | int | None]:
    """Count, mean number of quality elements, and how many have at least 4 of the 5."""
    return assignments.annotate(elements=quality_sum()).aggregate(
        n=Count("pk"),
        mean=Avg("elements"),
        four_plus=Count("pk", filter=Q(elements__gte=4)),
    )
