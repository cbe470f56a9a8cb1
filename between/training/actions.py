"""Every change to trainings: events, attendance with pre/post scores, and the CSV import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.clinic.models import Program
from between.training.models import (
    SCORE_MAX,
    Attendance,
    AttendanceSource,
    Course,
    TrainingEvent,
)


def _require_trainer(actor: User, program_id: int) -> None:
    if program_id not in policy.training_program_ids(actor):
        audit.record(actor, AuditAction.DENY, outcome="denied", object_type="training.event")
        raise PermissionDenied(_("You may not run trainings for this program."))


def create_event(
    actor: User,
    *,
    course: Course,
    program: Program,
    held_on: date,
    mode: str,
    location: str = "",
) -> TrainingEvent:
    _require_trainer(actor, program.pk)
    if not course.is_active:
        raise ValidationError(_("This course is no longer offered."))
    event = TrainingEvent(
        course=course,
        program=program,
        held_on=held_on,
        mode=mode,
        location=location.strip(),
        trainer=actor,
    )
    event.full_clean()
    event.save()
    audit.record(actor, AuditAction.CREATE, event, program_id=program.pk)
    return event


def _check_score(value: int | None, what: str) -> None:
    if value is not None and not 0 <= value <= SCORE_MAX:
        raise ValidationError(
            _("The %(what)s score must be between 0 and %(max)s.")
            % {"what": what, "max": SCORE_MAX}
        )


def record_attendance(
    actor: User,
    event: TrainingEvent,
    clinician: User,
    *,
    attended: bool = True,
    pre_score: int | None = None,
    post_score: int | None = None,
    source: str = AttendanceSource.ENTERED,
) -> Attendance:
    """Add or update one person's attendance and scores (one row per person and event)."""
    _require_trainer(actor, event.program_id)
    if not policy.trainable_staff(event.program_id).filter(pk=clinician.pk).exists():
        raise ValidationError(_("Only clinicians and supervisors of the program attend it."))
    _check_score(pre_score, _("pre-test"))
    _check_score(post_score, _("post-test"))
    with transaction.atomic():
        attendance, created = Attendance.objects.select_for_update().get_or_create(
            event=event,
            clinician=clinician,
            defaults={
                "attended": attended,
                "pre_score": pre_score,
                "post_score": post_score,
                "source": source,
            },
        )
        if not created:
            attendance.attended = attended
            attendance.pre_score = pre_score
            attendance.post_score = post_score
            attendance.source = source
            attendance.updated_at = timezone.now()
            attendance.save()
        audit.record(
            actor,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            attendance,
            program_id=event.program_id,
        )
    return attendance


# --- CSV import ----------------------------------------------------------------------------

IMPORT_COLUMNS = ("username", "attended", "pre_score", "post_score")
YES = {"yes", "y", "1", "true", "si", "sí", "x"}
NO = {"no", "n", "0", "false", ""}
MAX_IMPORT_BYTES = 1_000_000


@dataclass
class ImportReport:
    """What an import found: every bad row with its line number; nothing is written if any."""

    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Row:
    line: int
    clinician: User
    attended: bool
    pre_score: int | None
    post_score: int | None


def _score(text: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 0 <= int(text) <= SCORE_MAX:
        raise ValueError(
            _("%(what)s must be a whole number from 0 to %(max)s, not %(value)r")
            % {"what": what, "max": SCORE_MAX, "value": text}
        )
    return int(text)


def import_attendance(actor: User, event: TrainingEvent, content: bytes) -> ImportReport:
    """Attendance from a CSV file (columns: username, attended, pre_score, post_score).

    Every row is checked first; with any bad row nothing is written and the report lists each
    one with its line number. Otherwise all rows are written in one transaction. Importing
    the same file again changes nothing."""
    _require_trainer(actor, event.program_id)
    report = ImportReport()
    if len(content) > MAX_IMPORT_BYTES:
        report.errors.append((0, _("The file is larger than 1 MB.")))
        return report
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((0, _("The file is not UTF-8 text (save it as CSV UTF-8).")))
        return report
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("username", "attended") if c not in header]
    if missing:
        report.errors.append((1, _("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)}))
        return report
    staff = {u.username.lower(): u for u in policy.trainable_staff(event.program_id)}
    seen: dict[str, int] = {}
    rows: list[_Row] = []
    for record in reader:
        line = reader.line_num
        report.rows += 1
        values = {str(k).strip().lower(): (v or "").strip() for k, v in record.items() if k}
        username = values.get("username", "").lower()
        try:
            if not username:
                raise ValueError(_("the username is missing"))
            if username in seen:
                raise ValueError(
                    _("%(user)s appears twice (also on line %(line)s)")
                    % {"user": username, "line": seen[username]}
                )
            seen[username] = line
            clinician = staff.get(username)
            if clinician is None:
                raise ValueError(
                    _("unknown clinician %(user)s (not a clinician or supervisor of %(program)s)")
                    % {"user": username, "program": event.program.name}
                )
            flag = values.get("attended", "").lower()
            if flag not in YES | NO:
                raise ValueError(_("attended must be yes or no, not %(value)r") % {"value": flag})
            rows.append(
                _Row(
                    line,
                    clinician,
                    flag in YES,
                    _score(values.get("pre_score", ""), _("pre_score")),
                    _score(values.get("post_score", ""), _("post_score")),
                )
            )
        except ValueError as error:
            report.errors.append((line, str(error)))
    if report.errors or not rows:
        if not rows and not report.errors:
            report.errors.append((1, _("The file has no rows.")))
        return report
    with transaction.atomic():
        existing = {
            a.clinician_id: a for a in Attendance.objects.select_for_update().filter(event=event)
        }
        for row in rows:
            before = existing.get(row.clinician.pk)
            wanted = (row.attended, row.pre_score, row.post_score)
            if before and (before.attended, before.pre_score, before.post_score) == wanted:
                report.unchanged += 1
                continue
            record_attendance(
                actor,
                event,
                row.clinician,
                attended=row.attended,
                pre_score=row.pre_score,
                post_score=row.post_score,
                source=AttendanceSource.IMPORTED,
            )
            if before:
                report.updated += 1
            else:
                report.created += 1
    return report
