"""Every change to the Medical Records Review: cycles, the sample, reviewers' answers.

The sample is drawn once per cycle from its seed: the same seed over the same sessions draws the
same sample, so anyone can check that the sample was not picked by hand.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit
from between.accounts.models import AuditAction, Role, User
from between.audits.models import (
    AnswerChoice,
    CorrectiveAction,
    CycleStatus,
    ItemAnswer,
    RecordReview,
    ReviewCycle,
    ReviewItem,
    SampledSession,
    SamplingRule,
    ToolVersion,
)
from between.clinic.models import Organization, Program, ProgressNote, Session


def _require_analyst(actor: User, programs: Iterable[Program]) -> None:
    """Cycles are run by QI analysts (or administrators) of every program they cover."""
    allowed = set(
        actor.memberships.filter(role__in=(Role.ANALYST, Role.ADMIN)).values_list(
            "program_id", flat=True
        )
    )
    if not {p.pk for p in programs} <= allowed:
        audit.record(actor, AuditAction.DENY, outcome="denied", object_type="audits.reviewcycle")
        raise PermissionDenied(_("You may not run a review of these programs."))


def create_cycle(
    actor: User,
    *,
    name: str,
    organization: Organization,
    tool_version: ToolVersion,
    period_start: date,
    period_end: date,
    programs: Sequence[Program],
    reviewers: Sequence[User],
    sampling_rule: str,
    seed: int,
    sample_size: int | None = None,
    sample_share: float | None = None,
    double_share: float = 0.2,
) -> ReviewCycle:
    _require_analyst(actor, programs)
    if not programs:
        raise ValidationError(_("Choose at least one program."))
    if not reviewers:
        raise ValidationError(_("Choose at least one reviewer."))
    if sampling_rule == SamplingRule.SHARE:
        if sample_share is None or not 0 < sample_share <= 1:
            raise ValidationError(_("The share of sessions must be above 0 and at most 1."))
    elif not sample_size:
        raise ValidationError(_("Give how many sessions to draw per stratum."))
    if double_share > 0 and len(reviewers) < 2:
        raise ValidationError(_("Reviewing twice needs at least two reviewers."))
    with transaction.atomic():
        cycle = ReviewCycle(
            name=name,
            organization=organization,
            tool_version=tool_version,
            period_start=period_start,
            period_end=period_end,
            sampling_rule=sampling_rule,
            sample_size=sample_size,
            sample_share=sample_share,
            seed=seed,
            double_share=double_share,
            created_by=actor,
        )
        cycle.full_clean()
        cycle.save()
        cycle.programs.set(programs)
        cycle.reviewers.set(reviewers)
        audit.record(actor, AuditAction.CREATE, cycle)
    return cycle


def eligible_sessions(cycle: ReviewCycle) -> list[Session]:
    """Attended sessions of the cycle's programs and period that have a progress note."""
    has_note = Exists(ProgressNote.objects.filter(session=OuterRef("pk")))
    return list(
        Session.objects.filter(
            program__in=cycle.programs.all(),
            occurred_on__gte=cycle.period_start,
            occurred_on__lte=cycle.period_end,
            status="attended",
        )
        .filter(has_note)
        .order_by("pk")
        .only("pk", "program_id", "clinician_id")
    )


def _strata(cycle: ReviewCycle, sessions: list[Session]) -> dict[str, list[Session]]:
    strata: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        if cycle.sampling_rule == SamplingRule.PER_CLINICIAN:
            key = f"clinician:{session.clinician_id}"
        elif cycle.sampling_rule == SamplingRule.PER_PROGRAM:
            key = f"program:{session.program_id}"
        else:
            key = "all"
        strata[key].append(session)
    return strata


def draw(cycle: ReviewCycle, sessions: list[Session]) -> list[tuple[str, Session, bool]]:
    """The sample as (stratum, session, reviewed twice), from the cycle's seed alone.

    Strata and sessions are taken in id order and drawn with one seeded generator, so the
    draw depends only on the seed, the rule and the set of eligible sessions."""
    rng = random.Random(cycle.seed)
    picked: list[tuple[str, Session]] = []
    ordered = sorted(sessions, key=lambda s: s.pk)
    for key, members in sorted(_strata(cycle, ordered).items()):
        if cycle.sampling_rule == SamplingRule.SHARE:
            size = round(len(members) * (cycle.sample_share or 0))
        else:
            size = cycle.sample_size or 0
        chosen = rng.sample(members, min(size, len(members)))
        picked.extend((key, s) for s in sorted(chosen, key=lambda s: s.pk))
    doubles = set(rng.sample(range(len(picked)), round(len(picked) * cycle.double_share)))
    return [(key, session, i in doubles) for i, (key, session) in enumerate(picked)]


def draw_sample(actor: User, cycle: ReviewCycle) -> list[SampledSession]:
    """Draw the cycle's sample once and give each record to its reviewer(s), in turn."""
    _require_analyst(actor, cycle.programs.all())
    with transaction.atomic():
        cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.DRAFT:
            raise ValidationError(_("The sample of this cycle has been drawn already."))
        reviewers = list(cycle.reviewers.order_by("pk"))
        rows = draw(cycle, eligible_sessions(cycle))
        sample = SampledSession.objects.bulk_create(
            SampledSession(cycle=cycle, session=session, stratum=key, position=i, is_double=double)
            for i, (key, session, double) in enumerate(rows)
        )
        reviews = []
        for i, sampled in enumerate(sample):
            first = reviewers[i % len(reviewers)]
            reviews.append(RecordReview(sampled=sampled, reviewer=first))
            if sampled.is_double:
                second = reviewers[(i + 1) % len(reviewers)]
                reviews.append(RecordReview(sampled=sampled, reviewer=second))
        RecordReview.objects.bulk_create(reviews)
        cycle.status = CycleStatus.SAMPLED
        cycle.sampled_at = timezone.now()
        cycle.save(update_fields=["status", "sampled_at"])
        audit.record(actor, AuditAction.UPDATE, cycle, detail=f"sampled:{len(sample)}")
    return sample


def save_answers(
    actor: User,
    review: RecordReview,
    answers: dict[str, str],
    *,
    seconds: int = 0,
    submit: bool = False,
) -> RecordReview:
    """Save a reviewer's answers (item key → yes/no/na); resume later, or submit when every
    item has an answer. Only the assigned reviewer may answer, and not after submitting."""
    if review.reviewer_id != actor.pk:
        audit.record(actor, AuditAction.DENY, review, outcome="denied", detail="write")
        raise PermissionDenied(_("This record is assigned to another reviewer."))
    items = {item.key: item for item in review.sampled.cycle.tool_version.items.all()}
    unknown = set(answers) - set(items)
    if unknown:
        raise ValidationError(_("Unknown questions: %(keys)s") % {"keys": ", ".join(unknown)})
    bad = [key for key, value in answers.items() if value not in AnswerChoice.values]
    if bad:
        raise ValidationError(_("Answer yes, no or not applicable."))
    with transaction.atomic():
        review = RecordReview.objects.select_for_update().get(pk=review.pk)
        if review.submitted_at is not None:
            raise ValidationError(_("This review was submitted already."))
        for key, value in answers.items():
            ItemAnswer.objects.update_or_create(
                review=review, item=items[key], defaults={"answer": value}
            )
        review.started_at = review.started_at or timezone.now()
        review.seconds_spent += max(0, min(seconds, 3600))
        if submit:
            answered = set(review.answers.values_list("item__key", flat=True))
            if answered != set(items):
                raise ValidationError(_("Answer every question before submitting."))
            review.submitted_at = timezone.now()
        review.save()
        audit.record(
            actor,
            AuditAction.UPDATE,
            review,
            client_id=review.sampled.session.client_id,
            detail="submitted" if submit else "saved",
        )
    return review


def answers_by_record(cycle: ReviewCycle, item_key: str) -> dict[int, list[str]]:
    """Submitted answers to one item, per sampled session, in reviewer order."""
    rows: dict[int, list[str]] = defaultdict(list)
    for sampled_id, answer in (
        ItemAnswer.objects.filter(
            review__sampled__cycle=cycle,
            review__submitted_at__isnull=False,
            item__key=item_key,
        )
        .order_by("review__sampled_id", "review_id")
        .values_list("review__sampled_id", "answer")
    ):
        rows[sampled_id].append(answer)
    return rows


def agreement_pairs(cycle: ReviewCycle, item_key: str) -> list[tuple[str, str]]:
    """(first reviewer, second reviewer) answers for records both have submitted."""
    return [
        (answers[0], answers[1])
        for answers in answers_by_record(cycle, item_key).values()
        if len(answers) == 2
    ]


def copy_tool_version(actor: User, version: ToolVersion) -> ToolVersion:
    """A new version of the tool holding copies of `version`'s items, to edit and add to.

    A version a cycle has used is never edited, so changing the questions starts here.
    """
    if not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator changes review tools."))
    with transaction.atomic():
        tool = type(version.tool).objects.select_for_update().get(pk=version.tool_id)
        latest = tool.versions.order_by("-number").values_list("number", flat=True).first() or 0
        copy = ToolVersion.objects.create(tool=tool, number=latest + 1)
        ReviewItem.objects.bulk_create(
            ReviewItem(
                version=copy,
                key=item.key,
                position=item.position,
                question_en=item.question_en,
                question_es=item.question_es,
                guidance_en=item.guidance_en,
                guidance_es=item.guidance_es,
            )
            for item in version.items.all()
        )
        audit.record(actor, AuditAction.CREATE, copy)
    return copy


def add_corrective_action(
    actor: User,
    cycle: ReviewCycle,
    *,
    description: str,
    owner: User,
    due_on: date,
    program: Program | None = None,
) -> CorrectiveAction:
    _require_analyst(actor, cycle.programs.all())
    if program is not None and not cycle.programs.filter(pk=program.pk).exists():
        raise ValidationError(_("Choose one of the cycle's programs."))
    action = CorrectiveAction(
        cycle=cycle,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
        program=program,
        created_by=actor,
    )
    action.full_clean()
    action.save()
    audit.record(actor, AuditAction.CREATE, action)
    return action


def complete_corrective_action(actor: User, action: CorrectiveAction) -> CorrectiveAction:
    """The owner or the cycle's analysts mark it done (once)."""
    if actor.pk != action.owner_id:
        _require_analyst(actor, action.cycle.programs.all())
    if action.done_at is None:
        action.done_at = timezone.now()
        action.save(update_fields=["done_at"])
        audit.record(actor, AuditAction.UPDATE, action, detail="done")
    return action


def scan_notes(*, batch_size: int = 2000, limit: int | None = None) -> int:
    """Run the note detector over notes without a current detection; returns how many.

    Idempotent: a note is scanned again only when the detector's version changes."""
    from between.audits.detector import DETECTOR_VERSION, detect
    from between.audits.models import NoteDetection

    stale = ProgressNote.objects.exclude(detection__detector_version=DETECTOR_VERSION).order_by(
        "pk"
    )
    done = 0
    while limit is None or done < limit:
        size = batch_size if limit is None else min(batch_size, limit - done)
        notes = list(stale.only("pk", "text", "language")[:size])
        if not notes:
            break
        rows = []
        for note in notes:
            found = detect(note.text, note.language)
            rows.append(
                NoteDetection(
                    note_id=note.pk,
                    homework_assigned=found.homework_assigned,
                    homework_reviewed=found.homework_reviewed,
                    detector_version=DETECTOR_VERSION,
                )
            )
        with transaction.atomic():
            NoteDetection.objects.filter(note_id__in=[n.pk for n in notes]).delete()
            NoteDetection.objects.bulk_create(rows)
        done += len(notes)
    if done:
        # A system read of client records: one event per run, with the count (no text).
        audit.record(
            None,
            AuditAction.VIEW,
            object_type="clinic.progressnote",
            detail=f"note detector scan: {done} notes",
        )
    return done


def reviewed_examples() -> list[dict[str, object]]:
    """Every reviewed note with the first submitted answers, as training examples.

    "Not applicable" on the reviewed question counts as not documented; records whose
    assigned question is not applicable are left out."""
    from between.audits.models import ItemAnswer
    from between.audits.tools import ASSIGNED_ITEM, REVIEWED_ITEM

    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for sampled_id, key, answer in (
        ItemAnswer.objects.filter(
            review__submitted_at__isnull=False, item__key__in=(ASSIGNED_ITEM, REVIEWED_ITEM)
        )
        .order_by("-review_id")  # the first review's answer is written last and wins
        .values_list("review__sampled_id", "item__key", "answer")
    ):
        answers[sampled_id][key] = answer
    examples: list[dict[str, object]] = []
    for sampled in SampledSession.objects.filter(pk__in=list(answers)).prefetch_related(
        "session__notes"
    ):
        given = answers[sampled.pk]
        if given.get(ASSIGNED_ITEM) not in ("yes", "no"):
            continue
        notes = list(sampled.session.notes.all())
        if not notes:
            continue
        examples.append(
            {
                "text": "\n".join(n.text for n in notes),
                "language": notes[0].language,
                "homework_assigned": given[ASSIGNED_ITEM] == "yes",
                "homework_reviewed": given.get(REVIEWED_ITEM) == "yes",
            }
        )
    return examples


def train_note_model(*, min_per_class: int = 10) -> tuple[object | None, dict[str, str]]:
    """Train the suggestion model on every reviewed note; store it when there is enough."""
    from between.audits.learning import insufficient, train
    from between.audits.models import LearnedDetector

    examples = reviewed_examples()
    if examples:
        audit.record(
            None,
            AuditAction.VIEW,
            object_type="clinic.progressnote",
            detail=f"suggestion model training: {len(examples)} reviewed notes",
        )
    model = train(examples, min_per_class=min_per_class)
    if model is None:
        return None, insufficient(examples, min_per_class=min_per_class)
    stored = LearnedDetector.objects.create(
        version=model.version,
        trained_on=model.trained_on,
        metrics=json.loads(json.dumps(model.per_label, default=str)),
        model=model.to_bytes(),
    )
    return stored, dict(model.reasons)
