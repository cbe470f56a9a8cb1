"""Every change of homework data: validated, atomic, audited.

Access is checked first, outside the transaction, so that the audit event of a refusal is kept.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, Role, User
from between.clinic.actions import today
from between.clinic.models import Session
from between.homework.models import (
    QUALITY_ELEMENTS,
    Assignment,
    Barrier,
    Difficulty,
    Favorite,
    HomeworkTemplate,
    NoHomework,
    PracticeLog,
    Review,
    ReviewCompletion,
    Strategy,
    TemplateVersion,
)

LIBRARY_FILE = Path(__file__).with_name("library.json")
# Content fields of a version; a revision that changes none of them is not a new version.
VERSION_FIELDS = (
    "skill_area",
    "ebp_tags",
    "target",
    "age_min",
    "age_max",
    "practice_format",
    "frequency_per_week",
    "minutes",
    "title_en",
    "title_es",
    "short_name_en",
    "short_name_es",
    "rationale_en",
    "rationale_es",
    "steps_en",
    "steps_es",
    "help_en",
    "help_es",
    "spanish_needs_review",
)
# Unambiguous letters and digits for handout codes read aloud or typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class ConflictError(Exception):
    """Someone else changed the record since this person opened it."""


# --- Library ---------------------------------------------------------------------------------


def _require_admin(actor: User | None) -> None:
    if actor is not None and Role.ADMIN not in policy.roles_of(actor):
        raise PermissionDenied(_("Only administrators can change the library."))


def version_fields_from_item(item: dict[str, Any]) -> dict[str, Any]:
    """Map one library.json item to TemplateVersion fields."""
    fields: dict[str, Any] = {
        "skill_area": item["skill_area"],
        "ebp_tags": list(item.get("ebp_tags", [])),
        "target": item["target"],
        "age_min": item["age_min"],
        "age_max": item["age_max"],
        "practice_format": item["practice_format"],
        "frequency_per_week": item["frequency_per_week"],
        "minutes": item["minutes"],
        "spanish_needs_review": item.get("spanish_needs_review", True),
    }
    for lang in ("en", "es"):
        text = item[lang]
        fields[f"title_{lang}"] = text["title"]
        fields[f"short_name_{lang}"] = text["short_name"]
        fields[f"rationale_{lang}"] = text["rationale"]
        fields[f"steps_{lang}"] = list(text["steps"])
        fields[f"help_{lang}"] = text.get("help", "")
    return fields


@transaction.atomic
def create_template(actor: User | None, *, key: str, fields: dict[str, Any]) -> HomeworkTemplate:
    _require_admin(actor)
    template = HomeworkTemplate(key=key)
    template.full_clean(exclude=["current"])
    template.save()
    _new_version(actor, template, fields)
    audit.record(actor, AuditAction.CREATE, template)
    return template


@transaction.atomic
def revise_template(
    actor: User | None, template: HomeworkTemplate, fields: dict[str, Any]
) -> TemplateVersion:
    """Save an edit as a new version (assignments keep the version they were given).
    An edit that changes nothing returns the current version."""
    _require_admin(actor)
    template = HomeworkTemplate.objects.select_for_update().get(pk=template.pk)
    current = template.current
    if current is not None and all(
        getattr(current, name) == fields.get(name, getattr(current, name))
        for name in VERSION_FIELDS
    ):
        return current
    base = {name: getattr(current, name) for name in VERSION_FIELDS} if current else {}
    version = _new_version(actor, template, {**base, **fields})
    audit.record(actor, AuditAction.UPDATE, template, detail=f"version:{version.number}")
    return version


def _new_version(
    actor: User | None, template: HomeworkTemplate, fields: dict[str, Any]
) -> TemplateVersion:
    number = (
        template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = TemplateVersion(template=template, number=number, created_by=actor, **fields)
    version.full_clean()
    if not (1 <= len(version.steps_en) <= 12 and len(version.steps_es) == len(version.steps_en)):
        raise ValidationError(_("Give 1 to 12 steps, the same number in English and Spanish."))
    version.save()
    HomeworkTemplate.objects.filter(pk=template.pk).update(current=version)
    template.current = version
    return version


@transaction.atomic
def set_template_retired(actor: User | None, template: HomeworkTemplate, retired: bool) -> None:
    """Retire (hide from the library) or restore a template; assignments keep working."""
    _require_admin(actor)
    HomeworkTemplate.objects.filter(pk=template.pk).update(is_retired=retired)
    template.is_retired = retired
    audit.record(actor, AuditAction.UPDATE, template, detail="retire" if retired else "restore")


@dataclass
class LibraryLoad:
    created: int = 0
    revised: int = 0
    unchanged: int = 0


def load_library(actor: User | None = None, path: Path = LIBRARY_FILE) -> LibraryLoad:
    """Create or revise templates from a library file. Idempotent: loading twice changes
    nothing; a changed item becomes a new version."""
    items = json.loads(path.read_text(encoding="utf-8"))
    result = LibraryLoad()
    with transaction.atomic():
        existing = {t.key: t for t in HomeworkTemplate.objects.select_related("current")}
        for item in items:
            fields = version_fields_from_item(item)
            template = existing.get(item["key"])
            if template is None:
                create_template(actor, key=item["key"], fields=fields)
                result.created += 1
                continue
            before = template.current_id
            version = revise_template(actor, template, fields)
            if version.pk == before:
                result.unchanged += 1
            else:
                result.revised += 1
    return result


@transaction.atomic
def toggle_favorite(actor: User, template: HomeworkTemplate) -> bool:
    """Star or unstar a template for this clinician; returns whether it is now a favorite."""
    deleted, _ = Favorite.objects.filter(user=actor, template=template).delete()
    if deleted:
        return False
    Favorite.objects.get_or_create(user=actor, template=template)
    return True


# --- In session ------------------------------------------------------------------------------


def _require_session_writer(actor: User, session: Session) -> None:
    if not policy.writable_clients(actor).filter(pk=session.client_id).exists():
        audit.record(actor, AuditAction.DENY, session, outcome="denied", detail="write")
        raise PermissionDenied(_("You may not change this client's record."))
    if session.status != "attended":
        raise ValidationError(_("Homework is assigned and reviewed in attended sessions only."))


def default_due_on(session: Session) -> date:
    """Until the client's next scheduled session, or a week after this one."""
    upcoming = (
        Session.objects.filter(
            client_id=session.client_id, status="scheduled", occurred_on__gt=session.occurred_on
        )
        .order_by("occurred_on")
        .values_list("occurred_on", flat=True)
        .first()
    )
    return upcoming or session.occurred_on + timedelta(days=7)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def assign_homework(
    actor: User,
    session: Session,
    *,
    template_version: TemplateVersion | None = None,
    custom_title: str = "",
    custom_instructions: str = "",
    assignee: str,
    frequency_per_week: int,
    language: str,
    due_on: date | None = None,
    confidence: int | None = None,
    submission_key: uuid.UUID | None = None,
    **quality: bool,
) -> Assignment:
    """Give homework in a session. A repeated submission (same key) returns the first one."""
    _require_session_writer(actor, session)
    unknown = set(quality) - set(QUALITY_ELEMENTS)
    if unknown:
        raise TypeError(f"unknown quality elements: {sorted(unknown)}")
    with transaction.atomic():
        if submission_key is not None:
            existing = Assignment.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                if existing.session_id != session.pk:
                    raise ValidationError(_("This form was already used in another session."))
                return existing
        if template_version is None and not custom_title.strip():
            raise ValidationError(_("Choose a library item or give the homework a title."))
        if template_version is not None and template_version.template.is_retired:
            raise ValidationError(_("This library item has been retired."))
        due = due_on or default_due_on(session)
        if due < session.occurred_on:
            raise ValidationError({"due_on": _("The end date cannot be before the session.")})
        assignment = Assignment(
            session=session,
            client_id=session.client_id,
            template_version=template_version,
            custom_title=custom_title.strip(),
            custom_instructions=custom_instructions.strip(),
            assignee=assignee,
            frequency_per_week=frequency_per_week,
            due_on=due,
            language=language,
            confidence=confidence,
            assigned_by=actor,
            submission_key=submission_key,
            code=new_code(),
            **{name: bool(quality.get(name, False)) for name in QUALITY_ELEMENTS},
        )
        assignment.full_clean(exclude=["submission_key", "code"])
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    assignment.save()
                break
            except IntegrityError:
                if submission_key is not None:
                    # The same form raced in twice (a double click): the first one won.
                    raced = Assignment.objects.filter(submission_key=submission_key).first()
                    if raced is not None:
                        return raced
                if Assignment.objects.filter(code=assignment.code).exists():
                    assignment.code = new_code()  # a code collision: draw again
                    continue
                raise
        NoHomework.objects.filter(session=session).delete()
        audit.record(actor, AuditAction.CREATE, assignment)
        return assignment


def reassign(
    actor: User, session: Session, previous: Assignment, *, submission_key: uuid.UUID | None = None
) -> Assignment:
    """ "Same as last time": the same homework again, due at the next session. Quality
    elements are not copied: they describe how it was assigned today, which is not yet known
    beyond a written copy of the same handout."""
    if previous.client_id != session.client_id:
        raise ValidationError(_("That homework belongs to another client."))
    if previous.session_id == session.pk:
        raise ValidationError(_("That homework was given in this session already."))
    version = previous.template_version
    if version is not None:
        # Read the library item afresh: it may have been revised or retired since loading.
        template = HomeworkTemplate.objects.select_related("current").get(pk=version.template_id)
        if not template.is_retired and template.current is not None:
            version = template.current
    return assign_homework(
        actor,
        session,
        template_version=version,
        custom_title=previous.custom_title,
        custom_instructions=previous.custom_instructions,
        assignee=previous.assignee,
        frequency_per_week=previous.frequency_per_week,
        language=previous.language,
        confidence=None,
        submission_key=submission_key,
        written_copy_given=previous.written_copy_given,
    )


def record_no_homework(
    actor: User, session: Session, *, reason: str, detail: str = ""
) -> NoHomework:
    """Record why no homework was assigned in this session (replaces an earlier reason)."""
    _require_session_writer(actor, session)
    with transaction.atomic():
        if Assignment.objects.filter(session=session).exists():
            raise ValidationError(_("Homework was assigned in this session."))
        record = NoHomework(session=session, reason=reason, detail=detail, recorded_by=actor)
        record.full_clean(exclude=["session"])
        NoHomework.objects.filter(session=session).delete()
        record.save()
        audit.record(actor, AuditAction.CREATE, record, client_id=session.client_id)
        return record


def review_assignment(
    actor: User,
    session: Session,
    assignment: Assignment,
    *,
    completion: str,
    barrier_codes: list[str] | tuple[str, ...] = (),
    barrier_other: str = "",
    strategy_code: str = "",
    strategy_other: str = "",
    expected_version: int | None = None,
) -> Review:
    """Record what happened to an assignment at this session.

    Editing an existing review must name the version it started from: if another person saved
    in between, ConflictError tells the second one instead of silently overwriting.
    """
    _require_session_writer(actor, session)
    if assignment.client_id != session.client_id:
        raise ValidationError(_("That homework belongs to another client."))
    if assignment.session_id == session.pk:
        raise ValidationError(
            _("Homework is reviewed at a later session than the one it was given in.")
        )
    if session.occurred_on < assignment.session.occurred_on:
        raise ValidationError(_("The review session is before the homework was given."))
    if completion not in ReviewCompletion.values:
        raise ValidationError({"completion": _("Choose how much was done.")})
    missed = completion in (ReviewCompletion.PARTIAL, ReviewCompletion.NONE)
    barriers = (
        list(Barrier.objects.filter(code__in=barrier_codes, is_active=True)) if missed else []
    )
    if missed and len(barriers) != len(set(barrier_codes)):
        raise ValidationError({"barriers": _("Unknown barrier.")})
    strategy = None
    if missed and strategy_code:
        strategy = Strategy.objects.filter(code=strategy_code, is_active=True).first()
        if strategy is None:
            raise ValidationError({"strategy": _("Unknown strategy.")})
    values = {
        "completion": completion,
        "barrier_other": barrier_other.strip() if missed else "",
        "strategy": strategy,
        "strategy_other": strategy_other.strip() if missed else "",
        "reviewed_by": actor,
    }
    with transaction.atomic():
        # Lock the homework before reading its review: a second reviewer racing the first
        # waits here, then sees the first one's review and gets a ConflictError. (Reading
        # the review first, PostgreSQL found none, then the homework closed by the winner,
        # and the loser was told "reviewed at another session".)
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        review = (
            Review.objects.select_for_update()
            .filter(assignment=assignment, session=session)
            .first()
        )
        if review is None and locked.closed_at is not None:
            raise ValidationError(_("This homework was already reviewed at another session."))
        if review is None:
            review = Review(assignment=assignment, session=session, **values)
            try:
                with transaction.atomic():
                    review.save()
            except IntegrityError:
                raise ConflictError(
                    _("Someone else reviewed this homework at the same time. Reload to see it.")
                ) from None
            action = AuditAction.CREATE
        else:
            if expected_version is None or expected_version != review.version:
                raise ConflictError(
                    _("Someone else changed this review since you opened it. Reload to see it.")
                )
            for name, value in values.items():
                setattr(review, name, value)
            review.version += 1
            review.updated_at = timezone.now()
            review.save()
            action = AuditAction.UPDATE
        review.barriers.set(barriers)
        closes = completion != ReviewCompletion.NOT_REVIEWED
        Assignment.objects.filter(pk=assignment.pk).update(
            closed_at=timezone.now() if closes else None
        )
        audit.record(actor, action, review, client_id=session.client_id)
        return review


# --- Practice --------------------------------------------------------------------------------


class KeyReusedError(ValidationError):
    """An idempotency key sent again for other homework (the API answers 409 Conflict)."""


def log_practice(
    actor: User | None,
    assignment: Assignment,
    *,
    practiced_on: date,
    completion: str,
    source: str,
    idempotency_key: str,
    count: int | None = None,
    rating: int | None = None,
    note: str = "",
) -> tuple[PracticeLog, bool]:
    """Record one report of practice; returns (log, created). The same key twice is one log."""
    if actor is not None:
        # Staff report what the family told them (they must be able to write the record);
        # a family reports for their own children. Without an actor it is the system
        # (e.g. the SMS gateway, which checks the sender itself).
        staff_report = source in ("clinician", "paper")
        if staff_report:
            allowed = policy.may_write_client(actor, assignment.client_id)
        else:
            allowed = policy.visible_clients(actor).filter(pk=assignment.client_id).exists()
        if not allowed:
            audit.record(actor, AuditAction.DENY, assignment, outcome="denied", detail="log")
            raise PermissionDenied(_("You may not change this client's record."))
    # The key is unique: at most one row, fetched without an ORDER BY to build.
    existing = next(iter(PracticeLog.objects.filter(idempotency_key=idempotency_key)[:1]), None)
    if existing is not None:
        if existing.assignment_id != assignment.pk:
            raise KeyReusedError(_("This key was already used for other homework."))
        return existing, False
    if practiced_on > today():
        raise ValidationError({"practiced_on": _("Practice cannot be logged for a future day.")})
    if practiced_on < assignment.session.occurred_on:
        raise ValidationError({"practiced_on": _("That day is before the homework was given.")})
    if count is not None and count < 0:
        raise ValidationError({"count": _("The count cannot be negative.")})
    log = PracticeLog(
        assignment=assignment,
        practiced_on=practiced_on,
        completion=completion,
        count=count,
        rating=rating,
        note=note.strip(),
        source=source,
        idempotency_key=idempotency_key,
        logged_by=actor,
    )
    # The assignment and the actor are rows in hand: checking that they exist would cost two
    # queries per log (the busiest write there is; bench/, issue 10).
    log.full_clean(exclude=["idempotency_key", "assignment", "logged_by"])
    try:
        with transaction.atomic():
            log.save()
            audit.record(actor, AuditAction.CREATE, log, client_id=assignment.client_id)
    except IntegrityError:
        # The same key raced in from a retried request: the first one won.
        return PracticeLog.objects.get(idempotency_key=idempotency_key), False
    return log, True


def amend_practice_log(
    actor: User,
    log: PracticeLog,
    *,
    count: int | None = None,
    helpful: int | None = None,
    difficulty: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> PracticeLog:
    """The optional details a family adds after the one-tap answer: how many times, how helpful
    (the log's 0–10 rating), how hard, and a short note. Only the person who logged it, on
    homework their family account can see."""
    if (
        log.logged_by_id != actor.pk
        or not policy.family_assignments(actor).filter(pk=log.assignment_id).exists()
    ):
        audit.record(actor, AuditAction.DENY, log, outcome="denied", detail="details")
        raise PermissionDenied(_("You may not change this log."))
    if count is not None and not 0 <= count <= 100:
        raise ValidationError({"count": _("Give a number from 0 to 100.")})
    if helpful is not None and not 0 <= helpful <= 10:
        raise ValidationError({"helpful": _("Choose a number from 0 to 10.")})
    if difficulty and difficulty not in Difficulty.values:
        raise ValidationError({"difficulty": _("Choose easy, OK or hard.")})
    text = note.strip()
    if len(text) > 500:
        raise ValidationError({"note": _("Please keep the note shorter.")})
    with transaction.atomic():
        locked = PracticeLog.objects.select_for_update().get(pk=log.pk)
        changed = []
        fields = (("count", count), ("rating", helpful), ("difficulty", difficulty), ("note", text))
        for name, value in fields:
            if value not in (None, "") and getattr(locked, name) != value:
                setattr(locked, name, value)
                changed.append(name)
        if changed:
            locked.save(update_fields=changed)
            audit.record(
                actor,
                AuditAction.UPDATE,
                locked,
                request=request,
                client_id=log.assignment.client_id,
                detail="details:" + ",".join(changed),
            )
    return locked
