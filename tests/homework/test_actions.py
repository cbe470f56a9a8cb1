"""Homework actions: assigning (from the library or custom, again, or saying why not),
reviewing at a later session, and logging practice. Each refusal writes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from between.accounts.models import AuditAction, AuditEvent
from between.clinic.models import Session
from between.homework import actions
from between.homework.models import (
    Assignment,
    Barrier,
    HomeworkTemplate,
    NoHomework,
    PracticeLog,
    Review,
)
from tests.conftest import County
from tests.homework.factories import attended, days_ago, give, library_item


@pytest.fixture
def breathing(county: County) -> HomeworkTemplate:
    return library_item()


def events(action: str, obj: object) -> list[AuditEvent]:
    pk = str(getattr(obj, "pk", obj))
    label = obj._meta.label_lower  # type: ignore[attr-defined]
    return list(AuditEvent.objects.filter(action=action, object_type=label, object_id=pk))


# --- assign_homework ----------------------------------------------------------------------------


def test_it_assigns_library_homework_with_how_it_was_assigned(
    county: County, breathing: HomeworkTemplate
) -> None:
    session = attended(county, 0)
    given = give(
        session,
        breathing,
        assignee="both",
        frequency_per_week=5,
        language="es",
        confidence=8,
        rationale_explained=True,
        practiced_in_session=True,
    )
    assert given.template_version == breathing.current
    assert (given.client, given.assigned_by, given.is_open) == (
        county.client,
        county.clinician,
        True,
    )
    assert (given.assignee, given.frequency_per_week, given.language) == ("both", 5, "es")
    assert (given.quality_count, given.confidence) == (2, 8)
    # The page shows the title in its own language; the handout in the family's.
    assert (given.title, given.title_in("es")) == ("Belly breathing", "Respiración con la barriga")
    assert len(given.code) == 6 and set(given.code) <= set(actions.CODE_ALPHABET)
    [created] = events(AuditAction.CREATE, given)
    assert (created.actor, created.client_id) == (county.clinician, county.client.pk)


def test_it_assigns_custom_homework(county: County) -> None:
    given = give(
        attended(county, 0),
        custom_title="  Draw the worry monster ",
        custom_instructions="Draw it, then give it a silly hat.\n",
    )
    assert given.template_version is None
    assert (given.title, given.title_in("es")) == ("Draw the worry monster",) * 2
    assert given.custom_instructions == "Draw it, then give it a silly hat."


def test_it_refuses_homework_with_neither_item_nor_title(county: County) -> None:
    with pytest.raises(ValidationError):
        give(attended(county, 0), custom_title="   ")
    assert not Assignment.objects.exists()


def test_it_refuses_an_unknown_quality_element(county: County) -> None:
    with pytest.raises(TypeError):
        give(attended(county, 0), praised_warmly=True)
    assert not Assignment.objects.exists()


def test_it_sets_the_end_date_to_the_next_scheduled_session(county: County) -> None:
    session = attended(county, 0)
    for ahead in (12, 9):
        attended(county, -ahead, status="scheduled")
    # Another child's appointment is not Kai's next session.
    attended(county, -2, status="scheduled", client=county.other_client, clinician=county.outsider)
    assert give(session).due_on == days_ago(-9)


def test_it_sets_the_end_date_a_week_ahead_without_a_next_session(county: County) -> None:
    session = attended(county, 3)
    # A session scheduled before this one is not "next".
    attended(county, 10, status="scheduled")
    assert give(session).due_on == days_ago(3) + timedelta(days=7)


def test_it_refuses_an_end_date_before_the_session(county: County) -> None:
    session = attended(county, 2)
    with pytest.raises(ValidationError) as refused:
        give(session, due_on=days_ago(3))
    assert "due_on" in refused.value.message_dict
    assert not Assignment.objects.exists()
    assert give(session, due_on=days_ago(2)).due_on == session.occurred_on


@pytest.mark.parametrize("status", ["no_show", "cancelled", "scheduled"])
def test_it_assigns_only_in_attended_sessions(county: County, status: str) -> None:
    ago = -3 if status == "scheduled" else 3
    session = attended(county, ago, status=status)
    with pytest.raises(ValidationError, match="attended sessions only"):
        give(session)
    assert not Assignment.objects.exists()


def test_it_refuses_a_clinician_of_another_program_and_keeps_the_audit(county: County) -> None:
    session = attended(county, 0)
    with pytest.raises(PermissionDenied):
        give(session, actor=county.outsider)
    assert not Assignment.objects.exists()
    [denied] = AuditEvent.objects.filter(actor=county.outsider, action=AuditAction.DENY)
    assert (denied.outcome, denied.object_type, denied.object_id) == (
        "denied",
        "clinic.session",
        str(session.pk),
    )
    for persona in ("analyst", "reviewer", "family"):
        with pytest.raises(PermissionDenied):
            give(session, actor=county.persona(persona))
    assert not Assignment.objects.exists()


def test_it_lets_the_supervisor_assign_in_her_clinicians_session(county: County) -> None:
    given = give(attended(county, 0), actor=county.supervisor)
    assert given.assigned_by == county.supervisor


def test_it_makes_one_assignment_from_a_repeated_submission(
    county: County, breathing: HomeworkTemplate
) -> None:
    session = attended(county, 0)
    key = uuid.uuid4()
    first = give(session, breathing, submission_key=key)
    again = give(session, breathing, submission_key=key)
    assert again.pk == first.pk
    assert Assignment.objects.count() == 1
    assert len(events(AuditAction.CREATE, first)) == 1
    # The same form key cannot be replayed into another session.
    with pytest.raises(ValidationError):
        give(attended(county, 1), breathing, submission_key=key)
    assert Assignment.objects.count() == 1


def test_it_returns_the_first_assignment_when_a_double_click_races(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = attended(county, 0)
    key = uuid.uuid4()
    first = give(session, submission_key=key)
    # The second request looked for its key just before the first one committed.
    look_up = Assignment.objects.filter
    missed: list[object] = []

    def too_early(*args: object, **kwargs: object) -> object:
        if "submission_key" in kwargs and not missed:
            missed.append(kwargs)
            return Assignment.objects.none()
        return look_up(*args, **kwargs)

    monkeypatch.setattr(Assignment.objects, "filter", too_early)
    again = give(session, submission_key=key)
    assert missed and again.pk == first.pk
    assert Assignment.objects.count() == 1
    assert len(events(AuditAction.CREATE, first)) == 1


def test_it_draws_another_handout_code_when_one_is_taken(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = iter(["ABCDEF", "ABCDEF", "GHJKMN"])
    monkeypatch.setattr(actions, "new_code", lambda: next(draws))
    session = attended(county, 0)
    first, second = give(session), give(session, custom_title="Second")
    assert (first.code, second.code) == ("ABCDEF", "GHJKMN")


# --- reassign ("same as last time") -------------------------------------------------------------


def test_it_gives_the_same_homework_again(county: County, breathing: HomeworkTemplate) -> None:
    previous = give(
        attended(county, 7),
        breathing,
        assignee="caregiver",
        frequency_per_week=3,
        language="es",
        confidence=9,
        designed_together=True,
        written_copy_given=True,
        obstacles_discussed=True,
    )
    today = attended(county, 0)
    again = actions.reassign(county.clinician, today, previous)
    assert (again.session, again.template_version) == (today, breathing.current)
    assert (again.assignee, again.frequency_per_week, again.language) == ("caregiver", 3, "es")
    assert again.due_on == days_ago(-7)
    # How it was assigned today is not known: only the written copy carries over.
    assert again.confidence is None
    assert [again.designed_together, again.obstacles_discussed] == [False, False]
    assert again.written_copy_given
    assert again.code != previous.code
    assert previous.pk != again.pk


def test_it_does_not_claim_the_rationale_was_explained_again(county: County) -> None:
    previous = give(attended(county, 7), written_copy_given=False)
    again = actions.reassign(county.clinician, attended(county, 0), previous)
    assert again.quality_count == 0


def test_it_gives_the_current_version_again_after_an_edit(
    county: County, breathing: HomeworkTemplate
) -> None:
    previous = give(attended(county, 7), breathing)
    newer = actions.revise_template(county.admin, breathing, {"title_en": "Balloon breathing"})
    previous = Assignment.objects.get(pk=previous.pk)  # as the page loads it
    again = actions.reassign(county.clinician, attended(county, 0), previous)
    assert again.template_version == newer
    previous.refresh_from_db()
    assert previous.title == "Belly breathing"


def test_it_gives_custom_homework_again(county: County) -> None:
    previous = give(attended(county, 7), custom_instructions="Every evening.")
    again = actions.reassign(county.clinician, attended(county, 0), previous)
    assert (again.title, again.custom_instructions) == ("Draw your feelings", "Every evening.")


def test_it_refuses_to_give_again_in_the_wrong_session(county: County) -> None:
    previous = give(attended(county, 7))
    with pytest.raises(ValidationError, match="this session already"):
        actions.reassign(county.clinician, previous.session, previous)
    nico = attended(county, 0, client=county.other_client, clinician=county.outsider)
    with pytest.raises(ValidationError, match="another client"):
        actions.reassign(county.outsider, nico, previous)
    assert Assignment.objects.count() == 1


def test_it_gives_again_once_per_submission_key(county: County) -> None:
    previous = give(attended(county, 7))
    today = attended(county, 0)
    key = uuid.uuid4()
    first = actions.reassign(county.clinician, today, previous, submission_key=key)
    second = actions.reassign(county.clinician, today, previous, submission_key=key)
    assert first.pk == second.pk
    assert Assignment.objects.filter(session=today).count() == 1


# --- record_no_homework -------------------------------------------------------------------------


def test_it_records_why_no_homework_was_given(county: County) -> None:
    session = attended(county, 0)
    record = actions.record_no_homework(county.clinician, session, reason="crisis", detail="ER")
    assert (record.reason, record.detail, record.recorded_by) == ("crisis", "ER", county.clinician)
    [created] = events(AuditAction.CREATE, record)
    assert created.client_id == county.client.pk
    # A second reason replaces the first.
    actions.record_no_homework(county.clinician, session, reason="declined")
    assert list(NoHomework.objects.values_list("reason", flat=True)) == ["declined"]


def test_it_refuses_a_reason_when_homework_was_given(county: County) -> None:
    session = attended(county, 0)
    give(session)
    with pytest.raises(ValidationError, match="Homework was assigned"):
        actions.record_no_homework(county.clinician, session, reason="declined")
    assert not NoHomework.objects.exists()


def test_it_drops_the_reason_when_homework_is_given_later(county: County) -> None:
    session = attended(county, 0)
    actions.record_no_homework(county.clinician, session, reason="not_indicated")
    give(session)
    assert not NoHomework.objects.exists()


def test_it_refuses_an_unknown_reason_and_an_outsider(county: County) -> None:
    session = attended(county, 0)
    with pytest.raises(ValidationError) as refused:
        actions.record_no_homework(county.clinician, session, reason="tired")
    assert "reason" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.record_no_homework(county.outsider, session, reason="crisis")
    assert not NoHomework.objects.exists()


# --- review_assignment --------------------------------------------------------------------------


@pytest.fixture
def given(county: County, breathing: HomeworkTemplate) -> Assignment:
    """Breathing practice given to Kai a week ago."""
    return give(attended(county, 7), breathing)


@pytest.fixture
def today(county: County) -> Session:
    return attended(county, 0)


def test_it_records_a_partial_review_with_barriers_and_a_plan(
    county: County, given: Assignment, today: Session
) -> None:
    review = actions.review_assignment(
        county.clinician,
        today,
        given,
        completion="partial",
        barrier_codes=["forgot", "no-time"],
        barrier_other=" soccer season ",
        strategy_code="reminder",
    )
    assert (review.completion, review.version, review.reviewed_by) == (
        "partial",
        1,
        county.clinician,
    )
    assert sorted(b.code for b in review.barriers.all()) == ["forgot", "no-time"]
    assert (review.barrier_other, review.strategy and review.strategy.code) == (
        "soccer season",
        "reminder",
    )
    given.refresh_from_db()
    assert not given.is_open
    [created] = events(AuditAction.CREATE, review)
    assert created.client_id == county.client.pk


def test_it_keeps_barriers_and_plan_to_homework_not_fully_done(
    county: County, given: Assignment, today: Session
) -> None:
    review = actions.review_assignment(
        county.clinician,
        today,
        given,
        completion="full",
        barrier_codes=["forgot"],
        barrier_other="none really",
        strategy_code="reward",
        strategy_other="stickers",
    )
    assert list(review.barriers.all()) == []
    assert (review.barrier_other, review.strategy, review.strategy_other) == ("", None, "")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"barrier_codes": ["forgot", "aliens"]}, "barriers"),
        ({"barrier_codes": ["forgot"], "strategy_code": "hope"}, "strategy"),
        ({"completion": "mostly"}, "completion"),
    ],
)
def test_it_refuses_an_unknown_catalog_entry(
    county: County, given: Assignment, today: Session, changes: dict[str, object], field: str
) -> None:
    fields: dict[str, object] = {"completion": "none", **changes}
    with pytest.raises(ValidationError) as refused:
        actions.review_assignment(county.clinician, today, given, **fields)  # type: ignore[arg-type]
    assert field in refused.value.message_dict
    assert not Review.objects.exists()
    given.refresh_from_db()
    assert given.is_open


def test_it_refuses_a_barrier_the_administrators_retired(
    county: County, given: Assignment, today: Session
) -> None:
    # Catalogs are edited in the admin site; an inactive entry cannot be picked any more.
    Barrier.objects.filter(code="forgot").update(is_active=False)
    with pytest.raises(ValidationError):
        actions.review_assignment(
            county.clinician, today, given, completion="none", barrier_codes=["forgot"]
        )
    assert not Review.objects.exists()


def test_it_refuses_to_review_another_clients_homework(county: County, today: Session) -> None:
    nico_session = attended(county, 7, client=county.other_client, clinician=county.outsider)
    nicos = give(nico_session, actor=county.outsider)
    with pytest.raises(ValidationError, match="another client"):
        actions.review_assignment(county.clinician, today, nicos, completion="full")
    assert not Review.objects.exists()
    nicos.refresh_from_db()
    assert nicos.is_open


def test_it_refuses_to_review_homework_in_the_session_it_was_given(
    county: County, given: Assignment
) -> None:
    with pytest.raises(ValidationError, match="later session"):
        actions.review_assignment(county.clinician, given.session, given, completion="full")
    earlier = attended(county, 10)
    with pytest.raises(ValidationError, match="before the homework"):
        actions.review_assignment(county.clinician, earlier, given, completion="full")
    assert not Review.objects.exists()


def test_it_refuses_a_review_by_an_outsider_or_in_a_missed_session(
    county: County, given: Assignment
) -> None:
    missed = attended(county, 0, status="no_show")
    with pytest.raises(ValidationError):
        actions.review_assignment(county.clinician, missed, given, completion="full")
    with pytest.raises(PermissionDenied):
        actions.review_assignment(county.outsider, attended(county, 1), given, completion="full")
    assert not Review.objects.exists()


def test_it_leaves_homework_open_when_it_was_not_reviewed_today(
    county: County, given: Assignment, today: Session
) -> None:
    review = actions.review_assignment(county.clinician, today, given, completion="not_reviewed")
    given.refresh_from_db()
    assert given.is_open
    actions.review_assignment(
        county.clinician, today, given, completion="full", expected_version=review.version
    )
    given.refresh_from_db()
    assert not given.is_open


def test_it_updates_a_review_that_names_the_version_it_started_from(
    county: County, given: Assignment, today: Session
) -> None:
    first = actions.review_assignment(
        county.clinician, today, given, completion="none", barrier_codes=["forgot"]
    )
    edited = actions.review_assignment(
        county.supervisor,
        today,
        given,
        completion="partial",
        barrier_codes=["too-hard"],
        strategy_code="smaller-step",
        expected_version=1,
    )
    assert (edited.pk, edited.version, edited.reviewed_by) == (first.pk, 2, county.supervisor)
    assert [b.code for b in edited.barriers.all()] == ["too-hard"]
    assert Review.objects.count() == 1
    [updated] = events(AuditAction.UPDATE, edited)
    assert updated.actor == county.supervisor


@pytest.mark.parametrize("stale", [None, 1])
def test_it_tells_the_second_editor_instead_of_overwriting(
    county: County, given: Assignment, today: Session, stale: int | None
) -> None:
    actions.review_assignment(
        county.clinician, today, given, completion="none", barrier_codes=["forgot"]
    )
    actions.review_assignment(
        county.clinician,
        today,
        given,
        completion="partial",
        barrier_codes=["no-time"],
        expected_version=1,
    )
    with pytest.raises(actions.ConflictError):
        actions.review_assignment(
            county.supervisor, today, given, completion="full", expected_version=stale
        )
    review = Review.objects.get()
    assert (review.completion, review.version, review.reviewed_by) == (
        "partial",
        2,
        county.clinician,
    )
    assert [b.code for b in review.barriers.all()] == ["no-time"]
    assert [e.actor for e in events(AuditAction.UPDATE, review)] == [county.clinician]


# --- log_practice -------------------------------------------------------------------------------


def log(given: Assignment, actor: object = None, **changes: object) -> tuple[PracticeLog, bool]:
    fields: dict[str, object] = {
        "practiced_on": days_ago(5),
        "completion": "done",
        "source": "portal",
        "idempotency_key": "tap-1",
        **changes,
    }
    return actions.log_practice(actor, given, **fields)  # type: ignore[arg-type]


def test_it_logs_practice_on_behalf_of_the_family(county: County, given: Assignment) -> None:
    entry, created = log(given, county.clinician, source="paper", count=3, note=" before bed ")
    assert created
    assert (entry.source, entry.count, entry.note, entry.logged_by) == (
        "paper",
        3,
        "before bed",
        county.clinician,
    )
    [audited] = events(AuditAction.CREATE, entry)
    assert (audited.actor, audited.client_id) == (county.clinician, county.client.pk)


def test_it_makes_one_log_from_a_repeated_tap(county: County, given: Assignment) -> None:
    first, created = log(given)
    again, created_again = log(given, count=99)
    assert (created, created_again, again.pk, again.count) == (True, False, first.pk, None)
    assert PracticeLog.objects.count() == 1
    other = give(attended(county, 6), custom_title="Other homework")
    with pytest.raises(ValidationError):
        log(other)
    assert PracticeLog.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"practiced_on": days_ago(-1)}, "practiced_on"),
        ({"practiced_on": days_ago(8)}, "practiced_on"),
        ({"count": -1}, "count"),
        ({"rating": 11}, "rating"),
        ({"completion": "maybe"}, "completion"),
    ],
)
def test_it_refuses_a_bad_log(given: Assignment, changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        log(given, **changes)
    assert field in refused.value.message_dict
    assert not PracticeLog.objects.exists()


def test_it_accepts_practice_on_the_day_homework_was_given_and_today(given: Assignment) -> None:
    assert log(given, practiced_on=days_ago(7))[1]
    assert log(given, practiced_on=days_ago(0), idempotency_key="tap-2")[1]


def test_it_refuses_a_log_from_an_outsider_clinician(county: County, given: Assignment) -> None:
    with pytest.raises(PermissionDenied):
        log(given, county.outsider, source="clinician")
    assert not PracticeLog.objects.exists()
    [denied] = AuditEvent.objects.filter(actor=county.outsider, action=AuditAction.DENY)
    assert (denied.object_type, denied.object_id, denied.detail) == (
        "homework.assignment",
        str(given.pk),
        "log",
    )


def test_it_lets_a_family_log_for_their_own_child_only(county: County, given: Assignment) -> None:
    entry, created = log(given, county.family, source="portal")
    assert created and entry.logged_by == county.family
    nico = give(attended(county, 3, client=county.other_client, clinician=county.outsider))
    with pytest.raises(PermissionDenied):
        log(nico, county.family, source="portal", idempotency_key="tap-nico")
    assert PracticeLog.objects.count() == 1


def test_it_refuses_to_review_homework_another_session_closed(
    county: County, given: Assignment, today: Session
) -> None:
    actions.review_assignment(county.clinician, today, given, completion="full")
    later = attended(county, 0, session_type="family")
    with pytest.raises(ValidationError):
        actions.review_assignment(county.clinician, later, given, completion="not_reviewed")
    assert Review.objects.count() == 1
    given.refresh_from_db()
    assert given.closed_at is not None


def test_it_gives_again_the_current_version_even_from_a_stale_object(
    county: County, breathing: HomeworkTemplate
) -> None:
    first = give(attended(county, 7), breathing)
    stale = Assignment.objects.select_related("template_version__template").get(pk=first.pk)
    edited = actions.revise_template(None, breathing, {"minutes": 9})
    again = actions.reassign(county.clinician, attended(county, 0), stale)
    assert again.template_version_id == edited.pk


def test_it_lets_the_family_add_how_hard_and_how_helpful_to_their_own_log(
    county: County, given: Assignment
) -> None:
    entry, _ = log(given, county.family, source="portal")
    amended = actions.amend_practice_log(
        county.family, entry, helpful=8, difficulty="hard", note=" at bedtime "
    )
    assert (amended.rating, amended.difficulty, amended.note) == (8, "hard", "at bedtime")
    with pytest.raises(ValidationError):
        actions.amend_practice_log(county.family, entry, difficulty="awful")
    with pytest.raises(PermissionDenied):
        actions.amend_practice_log(county.clinician, entry, helpful=1)
    entry.refresh_from_db()
    assert entry.rating == 8
