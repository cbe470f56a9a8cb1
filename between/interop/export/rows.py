"""The rows of each record-level file of the research export, as tuples of text.

Each function reads only the columns its file exports (`values_list`, never whole model
objects), so a name, note or contact detail is never even loaded. Ids become pseudonyms and
dates become periods through the context; the homework flags of a session come from the
indicator registry, the one definition of every indicator.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from between.clinic.models import Client, ClientCaregiver, Program, Session
from between.homework.models import (
    QUALITY_ELEMENTS,
    Assignment,
    NoHomework,
    PracticeLog,
    Review,
)
from between.indicators import registry
from between.interop.export.pseudonyms import Pseudonymizer
from between.outcomes.models import Administration
from between.training.models import Attendance

Row = tuple[str, ...]
CHUNK = 2000
OLDEST_AGE = 89  # Safe Harbor: ages over 89 are reported as one category, 90+


@dataclass(frozen=True)
class Context:
    pseudonyms: Pseudonymizer
    # "year" (Safe Harbor) or "month" (a limited data set; see docs/research-export.md).
    precision: str
    today: date
    organization_id: int | None = None

    def period(self, day: date | None) -> str:
        if day is None:
            return ""
        return f"{day:%Y-%m}" if self.precision == "month" else f"{day:%Y}"

    def scope(self, path: str) -> Q:
        """Rows of the chosen organization (all when none was chosen)."""
        if self.organization_id is None:
            return Q()
        return Q(**{path: self.organization_id})

    def id(self, entity: str, pk: int | None) -> str:
        return self.pseudonyms.of(entity, pk)


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def age_text(age: int | None) -> str:
    if age is None:
        return ""
    return "90+" if age > OLDEST_AGE else str(age)


def _each(queryset: QuerySet[Any], *fields: str) -> Iterator[tuple[Any, ...]]:
    return queryset.order_by().values_list(*fields).iterator(chunk_size=CHUNK)


def programs(ctx: Context) -> Iterator[Row]:
    rows = Program.objects.filter(ctx.scope("organization_id"))
    for pk, kind, is_active in _each(rows, "pk", "kind", "is_active"):
        yield (ctx.id("program", pk), kind, text(is_active))


def _birth_year(birth: date, today: date) -> str:
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return "90+" if age > OLDEST_AGE else str(birth.year)


def clients(ctx: Context) -> Iterator[Row]:
    links = ClientCaregiver.objects.filter(ctx.scope("client__organization_id"))
    counts: Counter[int] = Counter(
        dict(_each(links.values("client_id").annotate(n=Count("pk")), "client_id", "n"))
    )
    primary_language: dict[int, str] = {}
    for client_id, language in _each(
        links.filter(is_primary=True).order_by("pk"), "client_id", "caregiver__language"
    ):
        primary_language.setdefault(client_id, language)
    rows = Client.objects.filter(ctx.scope("organization_id"))
    fields = (
        "pk", "program_id", "program__kind", "primary_clinician_id", "birth_date",
        "diagnosis_group", "preferred_language",
    )  # fmt: skip
    for pk, program_id, kind, clinician_id, birth, diagnosis, language in _each(rows, *fields):
        yield (
            ctx.id("client", pk),
            ctx.id("program", program_id),
            kind,
            ctx.id("clinician", clinician_id),
            _birth_year(birth, ctx.today),
            diagnosis,
            language,
            primary_language.get(pk, ""),
            str(counts.get(pk, 0)),
        )


def _registry_sessions(ctx: Context, key: str) -> tuple[set[int], set[int]]:
    """The session ids in an indicator's denominator and in its numerator."""
    indicator = registry.get(key)
    base = indicator.base().filter(ctx.scope(indicator.path("client__organization_id")))
    denominator = set(base.order_by().values_list("pk", flat=True))
    numerator = set(base.filter(indicator.numerator(None)).order_by().values_list("pk", flat=True))
    return denominator, numerator


def sessions(ctx: Context) -> Iterator[Row]:
    eligible, assigned = _registry_sessions(ctx, "homework_assigned")
    had_open, reviewed = _registry_sessions(ctx, "prior_reviewed")
    reasons = dict(
        _each(
            NoHomework.objects.filter(ctx.scope("session__client__organization_id")),
            "session_id",
            "reason",
        )
    )
    rows = Session.objects.filter(ctx.scope("client__organization_id"))
    fields = (
        "pk", "client_id", "clinician_id", "program_id", "program__kind", "occurred_on",
        "session_type", "status", "is_intake", "youth_attended", "caregiver_attended",
        "duration_minutes",
    )  # fmt: skip
    for pk, client, clinician, program, kind, day, *rest in _each(rows, *fields):
        session_type, status, intake, youth, caregiver, minutes = rest
        yield (
            ctx.id("session", pk),
            ctx.id("client", client),
            ctx.id("clinician", clinician),
            ctx.id("program", program),
            kind,
            ctx.period(day),
            session_type,
            status,
            text(intake),
            text(youth),
            text(caregiver),
            text(minutes),
            text(pk in eligible),
            text(pk in assigned),
            text(pk in had_open),
            text(pk in reviewed),
            reasons.get(pk, ""),
        )


def assignments(ctx: Context) -> Iterator[Row]:
    rows = Assignment.objects.filter(ctx.scope("client__organization_id"))
    fields = (
        "pk", "session_id", "client_id", "session__occurred_on", "template_version__template__key",
        "template_version__skill_area", "template_version__target", "assignee",
        "frequency_per_week", "language", *QUALITY_ELEMENTS, "confidence",
    )  # fmt: skip
    for pk, session, client, day, key, skill, target, *rest in _each(rows, *fields):
        assignee, frequency, language, *elements, confidence = rest
        yield (
            ctx.id("assignment", pk),
            ctx.id("session", session),
            ctx.id("client", client),
            ctx.period(day),
            key or "",
            skill or "",
            target or "",
            text(key is None),
            assignee,
            text(frequency),
            language,
            *(text(bool(value)) for value in elements),
            str(sum(bool(value) for value in elements)),
            text(confidence),
        )


def practice_logs(ctx: Context) -> Iterator[Row]:
    rows = PracticeLog.objects.filter(ctx.scope("assignment__client__organization_id"))
    fields = (
        "assignment_id", "practiced_on", "completion", "count", "rating", "difficulty", "source",
    )  # fmt: skip
    for assignment, day, completion, count, rating, difficulty, source in _each(rows, *fields):
        yield (
            ctx.id("assignment", assignment),
            ctx.period(day),
            completion,
            text(count),
            text(rating),
            difficulty,
            source,
        )


def reviews(ctx: Context) -> Iterator[Row]:
    scope = ctx.scope("assignment__client__organization_id")
    through = Review.barriers.through.objects.filter(
        ctx.scope("review__assignment__client__organization_id")
    )
    barriers: defaultdict[int, list[str]] = defaultdict(list)
    for review_id, code in _each(through, "review_id", "barrier__code"):
        barriers[review_id].append(code)
    fields = (
        "pk", "assignment_id", "session_id", "session__occurred_on", "completion",
        "barrier_other", "strategy__code", "strategy_other",
    )  # fmt: skip
    for pk, assignment, session, day, completion, *rest in _each(
        Review.objects.filter(scope), *fields
    ):
        barrier_other, strategy, strategy_other = rest
        yield (
            ctx.id("assignment", assignment),
            ctx.id("session", session),
            ctx.period(day),
            completion,
            ";".join(sorted(barriers.get(pk, []))),
            text(bool(barrier_other.strip())),  # a flag only: the typed text never leaves
            strategy or "",
            text(bool(strategy_other.strip())),
        )


def _administrations(ctx: Context) -> QuerySet[Administration]:
    return Administration.objects.filter(ctx.scope("client__organization_id"))


def outcomes(ctx: Context) -> Iterator[Row]:
    fields = (
        "pk", "client_id", "instrument__key", "occasion", "administered_on", "source",
        "language", "age_years", "total", "is_valid", "missing_count",
    )  # fmt: skip
    for pk, client, key, occasion, day, source, language, age, *rest in _each(
        _administrations(ctx), *fields
    ):
        total, is_valid, missing = rest
        yield (
            ctx.id("administration", pk),
            ctx.id("client", client),
            key,
            occasion,
            ctx.period(day),
            source,
            language,
            age_text(age),
            text(total),
            text(is_valid),
            text(missing),
        )


def outcome_subscales(ctx: Context) -> Iterator[Row]:
    for pk, subscales in _each(_administrations(ctx), "pk", "subscales"):
        for name, score in sorted((subscales or {}).items()):
            yield (ctx.id("administration", pk), str(name), text(score))


def trainings(ctx: Context) -> Iterator[Row]:
    rows = Attendance.objects.filter(ctx.scope("event__program__organization_id"))
    fields = (
        "clinician_id", "event__program_id", "event__course__key", "event__held_on",
        "event__mode", "attended", "pre_score", "post_score",
    )  # fmt: skip
    for clinician, program, course, day, mode, attended, pre, post in _each(rows, *fields):
        yield (
            ctx.id("clinician", clinician),
            ctx.id("program", program),
            course,
            ctx.period(day),
            mode,
            text(attended),
            text(pre),
            text(post),
        )


RowSource = Callable[[Context], Iterator[Row]]
