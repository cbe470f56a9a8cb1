"""The indicator registry: every indicator is defined here once.

Pages, charts, CSV downloads, the summary refresh, reports and the API all read these
definitions; none restates a numerator or a denominator. Session-level facts ("eligible",
"homework assigned", "open prior homework", "reviewed") come from `homework/queries.py`, which
the clinician-facing pages also use, so a number on a dashboard and a tick on a session page
cannot disagree.

An indicator counts rows of one *unit* (sessions or assignments). Each has:
- `base()`: the denominator rows as a queryset (exclusions already applied);
- `numerator`: a filter on the annotated base rows;
- `date_path`, `program_path`, `clinician_path`, ...: where the summary finds the period, the
  program, the clinician and the breakdown dimensions of a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from between.clinic.models import ClientCaregiver, DiagnosisGroup, Language, Session, SessionType
from between.homework import queries
from between.homework.models import Assignment, PracticeLog, Review

# Dates (first, last) the caller keeps rows of, given to subqueries as a plan hint (or None).
Within = tuple[date, date] | None


class Unit(StrEnum):
    SESSION = "session"
    ASSIGNMENT = "assignment"
    RECORD = "reviewed record"


class MeasureKind(StrEnum):
    """How a number was observed. Garland's 13% (chart review of recorded sessions) and
    Kazantzis & Deane's 57% (clinicians' self-report) are different kinds of measure; every
    indicator and every reference line says which it is."""

    STRUCTURED = "structured record"
    CHART = "chart documentation"
    SELF_REPORT = "self-report"
    # For reference lines only: coders watched or listened to recorded sessions.
    OBSERVED = "observation of recorded sessions"


@dataclass(frozen=True)
class ReferenceLine:
    value: float
    label: str | Promise
    source: str
    measure_kind: MeasureKind


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str | Promise
    short_title: str | Promise
    definition: str | Promise
    numerator_text: str | Promise
    denominator_text: str | Promise
    exclusions_text: str | Promise
    unit: Unit
    measure_kind: MeasureKind
    # The rows this indicator's rows are picked from (with `member`: `base`); `within` as
    # for `member`.
    universe: Callable[[Within], QuerySet[Any]]
    # The numerator's rows among the base rows (`within` as for `member`).
    numerator: Callable[[Within], Q]
    annotations: Callable[[], dict[str, Any]] = dict
    reference_lines: tuple[ReferenceLine, ...] = ()
    # Assignment quality also reports the mean number of elements: the summary stores their sum.
    elements: Callable[[], Any] | None = None
    higher_is_better: bool = True
    # Where the summary finds a row's date, program, clinician and client.
    prefix: str = ""
    # Which rows of the universe are this indicator's (None: all of them). `within`: only
    # rows dated (first, last) will be kept, bounds it may pass on to its subqueries so the
    # database reads only those days (a plan hint, never another answer).
    member: Callable[[Within], Q] | None = None

    def path(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def base(self, within: Within = None) -> QuerySet[Any]:
        """The denominator's rows (before any date filter the caller adds)."""
        rows = self.universe(within)
        return rows if self.member is None else rows.filter(self.member(within))


# --- Breakdown dimensions ----------------------------------------------------------------------

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-5", 0, 5),
    ("6-11", 6, 11),
    ("12-17", 12, 17),
    ("18+", 18, None),
)


DATE_PARTS = (("year", 10000), ("month", 100), ("day", 1))


class DayNumber(Func):
    """A date as the integer YYYYMMDD.

    Django's Extract functions return numeric on PostgreSQL and call a Python function per row
    on SQLite: the age band cost about 15 % of each monthly aggregate that way (bench/,
    issue 10). Both databases have a native integer form; others take the portable one."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        (date,) = self.get_source_expressions()
        portable = (
            ExtractYear(date) * 10000 + ExtractMonth(date) * 100 + ExtractDay(date)
        ).resolve_expression(compiler.query)
        return compiler.compile(portable)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # date_part (double precision, exact for these integers): 0.3 us a row against 0.8
        # for EXTRACT's numeric and 0.5 for to_char (a county's half year of sessions).
        sql, params = compiler.compile(self.get_source_expressions()[0])
        parts = [f"date_part('{part}', {sql}) * {scale}" for part, scale in DATE_PARTS]
        return f"CAST(({' + '.join(parts)}) AS integer)", [*params, *params, *params]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"CAST(strftime('%%Y%%m%%d', {sql}) AS integer)", params


def age_difference(session_prefix: str) -> Any:
    """The client's age band on the day of the session, in portable SQL.

    Age in whole years is (YYYYMMDD of the day − YYYYMMDD of birth) // 10000, exact on every
    database; comparing the difference with 60000, 120000, ... avoids integer division, which
    the databases round differently."""
    return DayNumber(f"{session_prefix}occurred_on") - DayNumber(
        f"{session_prefix}client__birth_date"
    )


def age_band_expression() -> Case:
    """The age band from the `age_diff` annotation (see `age_difference`)."""
    whens = [
        When(Q(age_diff__gte=low * 10000), then=Value(code))
        for code, low, _high in reversed(AGE_BANDS)
        if low > 0
    ]
    return Case(*whens, default=Value(AGE_BANDS[0][0]), output_field=CharField())


def _client_field(client_path: str, name: str) -> str:
    """A client's field from a row at `client_path` ("" when the rows are clients)."""
    return f"{client_path}__{name}" if client_path else name


def caregiver_language_expression(client_path: str) -> Coalesce:
    """The primary caregiver's language, else the family's preferred language on the client."""
    primary = ClientCaregiver.objects.filter(client=OuterRef(client_path or "pk"), is_primary=True)
    return Coalesce(
        Subquery(primary.order_by("pk").values("caregiver__language")[:1]),
        F(_client_field(client_path, "preferred_language")),
        output_field=CharField(),
    )


# The dimensions that belong to the client, not to the session: each as an expression on a
# row whose client is at the given path ("" for clients themselves).
CLIENT_DIMENSIONS: dict[str, Callable[[str], Any]] = {
    "diagnosis_group": lambda client_path: F(_client_field(client_path, "diagnosis_group")),
    "language": caregiver_language_expression,
}


def client_dimension_values(clients: QuerySet[Any]) -> dict[int, tuple[tuple[str, str], ...]]:
    """client id -> its (dimension, value) pairs of CLIENT_DIMENSIONS, for these clients.

    The summary counts by client and reads these once per client, instead of computing the
    caregiver's language (a subquery) for every row of every indicator: about a fifth of a
    county month's aggregates (bench/, issue 10)."""
    keys = list(CLIENT_DIMENSIONS)
    rows = (
        clients.annotate(**{f"dim_{key}": make("") for key, make in CLIENT_DIMENSIONS.items()})
        .order_by()
        .values_list("pk", *(f"dim_{key}" for key in keys))
    )
    return {
        pk: tuple((key, str(value or "")) for key, value in zip(keys, values, strict=True))
        for pk, *values in rows
    }


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str | Promise
    choices: Callable[[], list[tuple[str, str]]]


def _age_choices() -> list[tuple[str, str]]:
    return [(code, code) for code, _low, _high in AGE_BANDS]


def _choices(enum: Any) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [(str(value), str(label)) for value, label in enum.choices]


# Program and clinician are columns of the summary; these four are stored as (dimension, value).
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("diagnosis_group", _("Diagnosis group"), _choices(DiagnosisGroup)),
    Dimension("age_band", _("Age band"), _age_choices),
    Dimension("language", _("Caregiver language"), _choices(Language)),
    Dimension("session_type", _("Session type"), _choices(SessionType)),
)
DIMENSION_KEYS = tuple(d.key for d in DIMENSIONS)
BREAKDOWNS = ("program", "clinician", *DIMENSION_KEYS)


def dimension_annotations(indicator: Indicator) -> dict[str, Any]:
    """Annotations naming each breakdown dimension of a base row (`dim_<key>`)."""
    session = indicator.prefix  # "" for sessions, "session__" for assignments
    return {
        **session_dimension_annotations(indicator),
        **{f"dim_{key}": make(f"{session}client") for key, make in CLIENT_DIMENSIONS.items()},
    }


def session_dimension_annotations(indicator: Indicator) -> dict[str, Any]:
    """The dimensions a row takes from its session (`dim_<key>`): age band and type."""
    return {
        "dim_age_band": age_band_expression(),
        "dim_session_type": F(f"{indicator.prefix}session_type"),
    }


SESSION_DIMENSION_KEYS = tuple(key for key in DIMENSION_KEYS if key not in CLIENT_DIMENSIONS)


# --- Indicators --------------------------------------------------------------------------------


def _eligible_sessions(within: Within) -> QuerySet[Session]:
    return Session.objects.filter(queries.eligible_q(within))


def _with_open_homework(within: Within) -> Q:
    return Q(queries.had_open_homework(within))


def _assignments(within: Within) -> QuerySet[Assignment]:
    return Assignment.objects.all()


def _reviewed(within: Within) -> Q:
    reviewed = Review.objects.filter(assignment=OuterRef("pk")).exclude(completion="not_reviewed")
    return Q(Exists(reviewed))


def _completed(within: Within) -> Q:
    reviews = Review.objects.filter(assignment=OuterRef("pk"), completion__in=FULL_OR_PART)
    return Q(Exists(queries.dated(reviews, "assignment__session__occurred_on", within)))


def _family_logged(within: Within) -> Q:
    logs = PracticeLog.objects.filter(assignment=OuterRef("pk"), source__in=FAMILY_SOURCES)
    return Q(Exists(queries.dated(logs, "assignment__session__occurred_on", within)))


FULL_OR_PART = ("full", "partial")
# Logs the family made itself (portal or text message); paper trackers entered by the clinician
# and clinician entries show practice, not use of the family tools.
FAMILY_SOURCES = ("portal", "sms")
QUALITY_THRESHOLD = 4

GARLAND_2010 = ReferenceLine(
    0.13,
    _("County baseline 13%"),
    "Garland et al. 2010 (observed in recorded sessions)",
    MeasureKind.OBSERVED,
)
KAZANTZIS_1999 = ReferenceLine(
    0.57,
    _("National 57%"),
    "Kazantzis & Deane 1999 (psychologists' self-report)",
    MeasureKind.SELF_REPORT,
)


def _first_answer() -> Subquery:
    """The first submitted answer to the "homework assigned" item of a sampled record (a record
    reviewed twice counts once, by the review made first, as in the cycle's results)."""
    from between.audits.models import ItemAnswer
    from between.audits.tools import ASSIGNED_ITEM

    answers = ItemAnswer.objects.filter(
        review__sampled=OuterRef("pk"),
        review__submitted_at__isnull=False,
        item__key=ASSIGNED_ITEM,
    ).order_by("review_id")
    return Subquery(answers.values("answer")[:1])


def _reviewed_records(within: Within) -> QuerySet[Any]:
    from between.audits.models import SampledSession

    return SampledSession.objects.annotate(first_answer=_first_answer()).filter(
        first_answer__in=("yes", "no")
    )


CHART_EVIDENCE = Indicator(
    key="chart_documented",
    title=_("Homework documented in the chart"),
    short_title=_("Documented"),
    definition=_(
        "Of the sessions sampled in the Medical Records Review, the share whose progress note "
        "documents that therapeutic homework was assigned, as the reviewer judged it."
    ),
    numerator_text=_("Reviewed records answered yes to the homework-assigned question."),
    denominator_text=_(
        "Reviewed records answered yes or no to it (the first submitted review of a record "
        "reviewed twice)."
    ),
    exclusions_text=_("Records answered not applicable, and records not yet reviewed."),
    unit=Unit.RECORD,
    measure_kind=MeasureKind.CHART,
    universe=_reviewed_records,
    numerator=lambda within: Q(first_answer="yes"),
    reference_lines=(GARLAND_2010, KAZANTZIS_1999),
    prefix="session__",
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        key="homework_assigned",
        title=_("Homework assigned in session"),
        short_title=_("Assigned"),
        definition=_(
            "The share of eligible sessions in which the clinician assigned therapeutic "
            "homework. This is the Performance Improvement Project's primary indicator."
        ),
        numerator_text=_("Eligible sessions with at least one homework assignment recorded."),
        denominator_text=_(
            "Eligible sessions: attended sessions that are not intake or assessment sessions."
        ),
        exclusions_text=_(
            "No-shows, cancelled and scheduled sessions; intake or assessment sessions; sessions "
            "where the clinician recorded that homework was not assigned because of a crisis, "
            "because it was an intake, or because it was not clinically indicated. Sessions "
            "where the family declined, or another reason was given, stay in the denominator."
        ),
        unit=Unit.SESSION,
        measure_kind=MeasureKind.STRUCTURED,
        universe=_eligible_sessions,
        numerator=lambda within: Q(queries.has_assignment(within)),
        reference_lines=(GARLAND_2010, KAZANTZIS_1999),
    ),
    Indicator(
        key="prior_reviewed",
        title=_("Prior homework reviewed"),
        short_title=_("Reviewed"),
        definition=_(
            "Of the eligible sessions that had open homework from an earlier session, the share "
            "in which the clinician reviewed it."
        ),
        numerator_text=_(
            "Those sessions with a review of the homework recorded (done fully, partly or not "
            'done; "not reviewed today" does not count).'
        ),
        denominator_text=_(
            "Eligible sessions with open homework: an assignment given to the client in an "
            "earlier session within the last 35 days that no earlier session reviewed."
        ),
        exclusions_text=_("The same exclusions as homework assigned."),
        unit=Unit.SESSION,
        measure_kind=MeasureKind.STRUCTURED,
        universe=_eligible_sessions,
        member=_with_open_homework,
        numerator=lambda within: Q(queries.was_reviewed(within)),
    ),
    Indicator(
        key="assignment_quality",
        title=_("Assignment quality"),
        short_title=_("Quality"),
        definition=_(
            "The share of assignments given with at least 4 of the 5 quality elements: "
            "rationale explained, designed together, practiced in session, written copy given, "
            "obstacles discussed. The mean number of elements is shown beside it."
        ),
        numerator_text=_("Assignments with at least 4 of the 5 quality elements recorded."),
        denominator_text=_("Assignments given in the period."),
        exclusions_text=_("None."),
        unit=Unit.ASSIGNMENT,
        measure_kind=MeasureKind.STRUCTURED,
        universe=_assignments,
        annotations=lambda: {"elements": queries.quality_sum()},
        numerator=lambda within: Q(elements__gte=QUALITY_THRESHOLD),
        elements=lambda: F("elements"),
        prefix="session__",
    ),
    Indicator(
        key="completion",
        title=_("Homework completed"),
        short_title=_("Completed"),
        definition=_(
            "Of the assignments that were reviewed, the share that the family did fully or "
            "partly. Dated by the session in which the homework was assigned."
        ),
        numerator_text=_("Reviewed assignments done fully or partly."),
        denominator_text=_(
            "Assignments with at least one review (done fully, partly or not done)."
        ),
        exclusions_text=_('Assignments never reviewed, or only marked "not reviewed today".'),
        unit=Unit.ASSIGNMENT,
        measure_kind=MeasureKind.STRUCTURED,
        universe=_assignments,
        member=_reviewed,
        numerator=_completed,
        prefix="session__",
    ),
    Indicator(
        key="family_logging",
        title=_("Family logging"),
        short_title=_("Logged"),
        definition=_(
            "The share of assignments for which the family logged practice at least once "
            "themselves, in the family portal or by text message."
        ),
        numerator_text=_("Assignments with at least one practice log from the portal or SMS."),
        denominator_text=_("Assignments given in the period."),
        exclusions_text=_("None."),
        unit=Unit.ASSIGNMENT,
        measure_kind=MeasureKind.SELF_REPORT,
        universe=_assignments,
        numerator=_family_logged,
        prefix="session__",
    ),
    CHART_EVIDENCE,
)


REGISTRY: dict[str, Indicator] = {indicator.key: indicator for indicator in INDICATORS}
DEFAULT_INDICATOR = "homework_assigned"


def get(key: str) -> Indicator:
    """The indicator with this key; KeyError names the known keys."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown indicator {key!r}; known: {', '.join(REGISTRY)}") from None


def annotated_base(indicator: Indicator, within: Within = None) -> QuerySet[Any]:
    """The denominator rows with `is_numerator`, `elements` (if any) and the dimensions.
    `within`: the caller keeps only the rows dated first..last (it still filters them)."""
    rows = indicator.base(within).annotate(**indicator.annotations())
    rows = rows.annotate(
        is_numerator=Case(
            When(indicator.numerator(within), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    rows = rows.annotate(age_diff=age_difference(indicator.prefix))
    return rows.annotate(**dimension_annotations(indicator))
