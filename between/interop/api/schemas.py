"""What the API returns and accepts. Only fields a page would show the same user; never notes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema

# PostgreSQL text cannot hold NUL characters: refuse them as invalid input (422), not a 500.
NO_NUL = r"^[^\x00]*$"
Code = Annotated[str, Field(max_length=32, pattern=NO_NUL)]


class ProgramOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    organization_id: int


class ClientOut(Schema):
    """Minimal: enough to match a record with the EHR, nothing clinical."""

    id: int
    ehr_id: str
    given_name: str
    family_name: str
    program_id: int
    primary_clinician_id: int | None
    preferred_language: str


class SessionOut(Schema):
    id: int
    client_id: int
    program_id: int
    clinician_id: int
    ehr_id: str
    occurred_on: date
    session_type: str
    is_intake: bool
    status: str
    youth_attended: bool
    caregiver_attended: bool
    duration_minutes: int | None


class AssignmentOut(Schema):
    id: int
    session_id: int
    client_id: int
    template_key: str | None
    template_version: int | None
    title: str
    assignee: str
    frequency_per_week: int
    due_on: date
    language: str
    rationale_explained: bool
    designed_together: bool
    practiced_in_session: bool
    written_copy_given: bool
    obstacles_discussed: bool
    confidence: int | None
    is_open: bool
    closed_at: datetime | None
    created_at: datetime


class PracticeLogOut(Schema):
    id: int
    assignment_id: int
    practiced_on: date
    completion: str
    count: int | None
    rating: int | None
    difficulty: str
    note: str
    source: str
    idempotency_key: str
    logged_by_id: int | None
    created_at: datetime


class PracticeLogIn(Schema):
    assignment_id: int = Field(..., ge=1, le=2**62)
    practiced_on: date
    completion: Literal["done", "partly", "not"]
    # Staff report what a family told them ("clinician") or a paper tracker ("paper").
    source: Literal["clinician", "paper"] = "clinician"
    idempotency_key: str = Field(..., min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    count: int | None = Field(None, ge=0, le=1000)
    rating: int | None = Field(None, ge=0, le=10)
    note: str = Field("", max_length=500, pattern=NO_NUL)


class ReviewOut(Schema):
    id: int
    assignment_id: int
    session_id: int
    completion: str
    barriers: list[str]
    barrier_other: str
    strategy: str | None
    strategy_other: str
    reviewed_by_id: int
    version: int
    created_at: datetime
    updated_at: datetime


class ReviewIn(Schema):
    session_id: int = Field(..., ge=1, le=2**62)
    assignment_id: int = Field(..., ge=1, le=2**62)
    completion: Literal["full", "partial", "none", "not_reviewed"]
    barriers: list[Code] = Field(default_factory=list, max_length=20)
    barrier_other: str = Field("", max_length=200, pattern=NO_NUL)
    strategy: str = Field("", max_length=32, pattern=NO_NUL)
    strategy_other: str = Field("", max_length=200, pattern=NO_NUL)
    # Editing an existing review: the version it started from (409 if someone saved since).
    expected_version: int | None = Field(None, ge=1, le=2**31)


class TemplateOut(Schema):
    id: int
    key: str
    is_retired: bool
    version: int
    skill_area: str
    ebp_tags: list[str]
    target: str
    age_min: int
    age_max: int
    practice_format: str
    frequency_per_week: int
    minutes: int
    title_en: str
    title_es: str
    rationale_en: str
    rationale_es: str
    steps_en: list[str]
    steps_es: list[str]


class IndicatorValueOut(Schema):
    """One indicator's counts for one program and month. Without record-level access to the
    program, small cells are hidden (numbers null, `hidden_because` says why) as on the
    dashboards."""

    indicator: str
    program_id: int
    clinician_id: int | None
    month: date
    numerator: int | None
    denominator: int | None
    rate: float | None
    exact: bool
    hidden_because: str | None


class ProgramPage(Schema):
    items: list[ProgramOut]
    next_cursor: str | None


class ClientPage(Schema):
    items: list[ClientOut]
    next_cursor: str | None


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class AssignmentPage(Schema):
    items: list[AssignmentOut]
    next_cursor: str | None


class PracticeLogPage(Schema):
    items: list[PracticeLogOut]
    next_cursor: str | None


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


class TemplatePage(Schema):
    items: list[TemplateOut]
    next_cursor: str | None


class IndicatorValuePage(Schema):
    items: list[IndicatorValueOut]
    next_cursor: str | None
    data_as_of: datetime | None
