"""What each file of the research export holds: the columns, in order, and their dictionary.

The writer prints a file's header from here and `data_dictionary.csv` from the same tuples, so
a column cannot be exported without being described (a test checks every file against it).
Only columns listed here leave the deployment: free text (notes, custom titles and
instructions, "other" barriers and strategies, locations, reasons typed by people) has none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from between.clinic.models import (
    DiagnosisGroup,
    Language,
    ProgramKind,
    SessionStatus,
    SessionType,
)
from between.homework.models import (
    Assignee,
    Completion,
    Difficulty,
    LogSource,
    NoHomeworkReason,
    ReviewCompletion,
    SkillArea,
    Target,
)
from between.outcomes.models import Occasion
from between.outcomes.models import Source as OutcomeSource
from between.training.models import EventMode


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    allowed: str = ""
    deidentification: str = "none needed (a code or count)"


@dataclass(frozen=True)
class Table:
    file: str
    description: str
    columns: tuple[Column, ...]

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def codes(choices: type[models.Choices]) -> str:
    return "; ".join(str(value) for value in choices.values)


FLAG = "1 or 0"
PSEUDONYM = "keyed hash (HMAC-SHA256 with the deployment's key), not reversible without the key"
PERIOD = "date reduced to the export's precision (see README.txt)"


def pseudonym(name: str, entity: str, prefix: str, meaning: str) -> Column:
    return Column(
        name,
        "pseudonym",
        meaning,
        f"{prefix}- followed by 20 hex digits, the same {entity} has the same value in every file",
        PSEUDONYM,
    )


def period(name: str, meaning: str) -> Column:
    return Column(name, "period", meaning, "YYYY or YYYY-MM (see README.txt)", PERIOD)


def flag(name: str, meaning: str) -> Column:
    return Column(name, "flag", meaning, FLAG)


CLIENT_ID = pseudonym("client_id", "child", "CL", "The child or youth in care.")
CLINICIAN_ID = pseudonym("clinician_id", "clinician", "ST", "The clinician (staff member).")
PROGRAM_ID = pseudonym("program_id", "program", "PG", "The program (clinic or provider).")
SESSION_ID = pseudonym("session_id", "session", "SE", "The treatment session.")
ASSIGNMENT_ID = pseudonym("assignment_id", "assignment", "AS", "The homework assignment.")
ADMINISTRATION_ID = pseudonym(
    "administration_id", "administration", "OA", "One completed outcome form."
)
PROGRAM_KIND = Column("program_kind", "code", "Kind of program.", codes(ProgramKind))

PROGRAMS = Table(
    "programs.csv",
    "One row per program. Names, codes and organizations are not exported.",
    (
        PROGRAM_ID,
        PROGRAM_KIND,
        flag("is_active", "The program is active."),
    ),
)

CLIENTS = Table(
    "clients.csv",
    "One row per child or youth. No names, EHR ids, contact details or caregivers' identities.",
    (
        CLIENT_ID,
        PROGRAM_ID,
        PROGRAM_KIND,
        pseudonym("primary_clinician_id", "clinician", "ST", "The child's primary clinician."),
        Column(
            "birth_year",
            "year",
            "Year of birth.",
            "YYYY, or 90+ for anyone aged 90 or over on the export day",
            "birth date reduced to the year; ages over 89 aggregated as 90+ (Safe Harbor)",
        ),
        Column("diagnosis_group", "code", "Diagnosis group.", codes(DiagnosisGroup)),
        Column("preferred_language", "code", "The child's preferred language.", codes(Language)),
        Column(
            "caregiver_language",
            "code",
            "The primary caregiver's language (blank: no caregiver recorded).",
            codes(Language),
        ),
        Column("caregiver_count", "integer", "Number of caregivers linked to the child.", "0+"),
    ),
)

SESSIONS = Table(
    "sessions.csv",
    "One row per session (attended, missed, cancelled or scheduled). The homework flags are "
    "those of the indicator registry (docs/indicators.md).",
    (
        SESSION_ID,
        CLIENT_ID,
        CLINICIAN_ID,
        PROGRAM_ID,
        PROGRAM_KIND,
        period("period", "When the session took place."),
        Column("session_type", "code", "Type of session.", codes(SessionType)),
        Column("status", "code", "Whether the session took place.", codes(SessionStatus)),
        flag("is_intake", "An intake or assessment session."),
        flag("youth_attended", "The child attended."),
        flag("caregiver_attended", "A caregiver attended."),
        Column("duration_minutes", "integer", "Length in minutes (blank: not recorded).", "1+"),
        flag(
            "counts_for_homework_assigned",
            'In the denominator of the indicator "homework assigned in session".',
        ),
        flag("homework_assigned", "In its numerator: at least one assignment was given."),
        flag(
            "had_open_homework",
            'In the denominator of "prior homework reviewed": open homework from earlier.',
        ),
        flag("prior_homework_reviewed", "In its numerator: the open homework was reviewed."),
        Column(
            "no_homework_reason",
            "code",
            "Why no homework was assigned, if recorded (the typed detail is not exported).",
            codes(NoHomeworkReason),
        ),
    ),
)

ASSIGNMENTS = Table(
    "assignments.csv",
    "One row per homework assignment. Titles and instructions typed by clinicians (custom "
    "assignments) are not exported; library assignments name their library item.",
    (
        ASSIGNMENT_ID,
        SESSION_ID,
        CLIENT_ID,
        period("period", "When it was assigned (the session's date)."),
        Column(
            "template_key",
            "code",
            "The homework library item (blank: a custom assignment).",
            "keys of the homework library (between/homework/library.json)",
        ),
        Column("skill_area", "code", "Skill area of the library item.", codes(SkillArea)),
        Column("template_target", "code", "Who the library item is for.", codes(Target)),
        flag("is_custom", "A custom assignment (its typed title is not exported)."),
        Column("assignee", "code", "Who was to practice.", codes(Assignee)),
        Column("frequency_per_week", "integer", "Times per week to practice.", "1-14"),
        Column("language", "code", "Language of the handout.", "en; es"),
        flag("rationale_explained", "Quality element: the rationale was explained."),
        flag("designed_together", "Quality element: designed together with the family."),
        flag("practiced_in_session", "Quality element: practiced in the session."),
        flag("written_copy_given", "Quality element: a written copy was given."),
        flag("obstacles_discussed", "Quality element: obstacles were discussed."),
        Column("quality_count", "integer", "Number of the five quality elements.", "0-5"),
        Column("confidence", "integer", "The family's confidence (blank: not asked).", "0-10"),
    ),
)

PRACTICE_LOGS = Table(
    "practice_logs.csv",
    "One row per report of practice. The family's notes are not exported.",
    (
        ASSIGNMENT_ID,
        period("period", "When the practice took place."),
        Column("completion", "code", "Practiced?", codes(Completion)),
        Column("count", "integer", "How many times (blank: not asked).", "0+"),
        Column("rating", "integer", "How helpful it felt (blank: not asked).", "0-10"),
        Column("difficulty", "code", "How hard it was (blank: not asked).", codes(Difficulty)),
        Column("source", "code", "Where the report came from.", codes(LogSource)),
    ),
)

REVIEWS = Table(
    "reviews.csv",
    "One row per review of an assignment at a later session. Barriers and strategies typed as "
    '"other" are exported only as a flag, never as text.',
    (
        ASSIGNMENT_ID,
        SESSION_ID,
        period("period", "When it was reviewed (the reviewing session's date)."),
        Column("completion", "code", "What happened to the homework.", codes(ReviewCompletion)),
        Column(
            "barrier_codes",
            "code list",
            "Barriers chosen, separated by ';' (blank: none).",
            "codes of the barrier catalog",
        ),
        flag("has_other_barrier", 'An "other" barrier was typed (the text is not exported).'),
        Column(
            "strategy_code",
            "code",
            "The problem-solving strategy chosen (blank: none).",
            "codes of the strategy catalog",
        ),
        flag("has_other_strategy", 'An "other" strategy was typed (the text is not exported).'),
    ),
)

OUTCOMES = Table(
    "outcomes.csv",
    "One row per completed outcome form. Item answers are not exported, only scores.",
    (
        ADMINISTRATION_ID,
        CLIENT_ID,
        Column("instrument_key", "code", "The instrument.", "keys of the instrument list"),
        Column("occasion", "code", "Intake or follow-up.", codes(Occasion)),
        period("period", "When the form was answered."),
        Column("source", "code", "How the form was entered.", codes(OutcomeSource)),
        Column("language", "code", "Language of the form.", "en; es"),
        Column(
            "age_years",
            "integer",
            "The child's age on the day.",
            "0-89, or 90+",
            "ages over 89 aggregated as 90+ (Safe Harbor)",
        ),
        Column("total", "number", "Total score (blank: could not be scored).", "per instrument"),
        flag("is_valid", "The form could be scored."),
        Column("missing_count", "integer", "Items left blank.", "0+"),
    ),
)

OUTCOME_SUBSCALES = Table(
    "outcome_subscales.csv",
    "One row per subscale score of a completed form.",
    (
        ADMINISTRATION_ID,
        Column("subscale", "code", "The subscale.", "subscale keys of the instrument"),
        Column("score", "number", "Its score (blank: could not be scored).", "per instrument"),
    ),
)

TRAININGS = Table(
    "trainings.csv",
    "One row per clinician and training event. Locations and trainers are not exported.",
    (
        CLINICIAN_ID,
        PROGRAM_ID,
        Column("course_key", "code", "The course.", "keys of the course list"),
        period("period", "When the event was held."),
        Column("mode", "code", "How it was held.", codes(EventMode)),
        flag("attended", "The clinician attended."),
        Column("pre_score", "integer", "Knowledge check before (blank: none).", "0-10"),
        Column("post_score", "integer", "Knowledge check after (blank: none).", "0-10"),
    ),
)

INDICATORS_BY_MONTH = Table(
    "indicators_by_month.csv",
    "Every indicator of the registry per calendar month and program kind, with small cells "
    "suppressed (between/stats/disclosure.py, suppress_breakdown). Each month's program kinds "
    'and its "all" row form one table for suppression.',
    (
        Column("indicator_key", "code", "The indicator (docs/indicators.md).", "registry keys"),
        Column(
            "month",
            "month",
            "Calendar month of the indicator's date.",
            "YYYY-MM",
            "aggregate: no row is about one person",
        ),
        Column(
            "program_kind",
            "code",
            "Kind of program, or all for the month's total.",
            f"{codes(ProgramKind)}; all",
        ),
        Column(
            "numerator",
            "integer",
            "Numerator (blank: suppressed).",
            "0, or above the small-cell limit in README.txt (smaller counts are hidden)",
            "small-cell suppression",
        ),
        Column(
            "denominator",
            "integer",
            "Denominator (blank: suppressed).",
            "0, or above the small-cell limit in README.txt (smaller counts are hidden)",
            "small-cell suppression",
        ),
        Column("rate", "number", "numerator / denominator (blank: suppressed or 0 of 0).", "0-1"),
        Column(
            "hidden_because",
            "code",
            "Why the cell is hidden (blank: shown).",
            "small; complementary",
            "small-cell suppression",
        ),
    ),
)

TABLES: tuple[Table, ...] = (
    PROGRAMS,
    CLIENTS,
    SESSIONS,
    ASSIGNMENTS,
    PRACTICE_LOGS,
    REVIEWS,
    OUTCOMES,
    OUTCOME_SUBSCALES,
    TRAININGS,
    INDICATORS_BY_MONTH,
)

DICTIONARY_FILE = "data_dictionary.csv"
DICTIONARY_HEADER = ("file", "column", "type", "meaning", "allowed_values", "deidentification")
