"""The ready sentence a clinician pastes into the EHR progress note.

Always in English (the EHR's language), built only from structured fields, so that what the
note says matches what the indicators count.
"""

from __future__ import annotations

from collections.abc import Iterable

from between.homework.models import Assignment, NoHomework, Review

COMPLETION_WORDS = {
    "full": "completed fully",
    "partial": "completed partly",
    "none": "not completed",
    "not_reviewed": "not reviewed today",
}
ASSIGNEE_WORDS = {"youth": "the youth", "caregiver": "the caregiver", "both": "youth and caregiver"}
QUALITY_WORDS = {
    "rationale_explained": "rationale explained",
    "designed_together": "designed together with the family",
    "practiced_in_session": "practiced in session",
    "written_copy_given": "written copy given",
    "obstacles_discussed": "obstacles discussed",
}
NO_HOMEWORK_WORDS = {
    "crisis": "session focused on a crisis",
    "intake": "intake or assessment session",
    "declined": "client or family declined",
    "not_indicated": "not clinically indicated",
    "other": "other reason",
}


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _title(assignment: Assignment) -> str:
    return assignment.title_in("en")


def review_sentence(review: Review) -> str:
    assignment = review.assignment
    given = assignment.session.occurred_on
    parts = [
        f'Reviewed homework assigned {given:%m/%d/%Y} ("{_title(assignment)}"): '
        f"{COMPLETION_WORDS[review.completion]}"
    ]
    # The catalogs' "other" entry stands for the text described with it: write that instead.
    barriers = [
        b.label_en.lower()
        for b in review.barriers.all()
        if not (b.code == "other" and review.barrier_other)
    ]
    if review.barrier_other:
        barriers.append(review.barrier_other)
    if barriers:
        parts.append(f"barriers: {_join(barriers)}")
    strategy = review.strategy_other
    if review.strategy and not (review.strategy.code == "other" and review.strategy_other):
        strategy = review.strategy.label_en.lower()
    if strategy:
        parts.append(f"plan agreed: {strategy}")
    return "; ".join(parts) + "."


def assignment_sentence(assignment: Assignment) -> str:
    language = "Spanish" if assignment.language == "es" else "English"
    text = (
        f'Assigned homework "{_title(assignment)}" for {ASSIGNEE_WORDS[assignment.assignee]}, '
        f"{assignment.frequency_per_week} times per week until {assignment.due_on:%m/%d/%Y}, "
        f"in {language}"
    )
    elements = [words for name, words in QUALITY_WORDS.items() if getattr(assignment, name)]
    if elements:
        text += f"; {_join(elements)}"
    if assignment.confidence is not None:
        text += f"; family's confidence {assignment.confidence}/10"
    return text + "."


def note_sentence(
    reviews: Iterable[Review], assignments: Iterable[Assignment], no_homework: NoHomework | None
) -> str:
    """Everything the session recorded about homework, as sentences for the progress note."""
    assigned = [assignment_sentence(a) for a in assignments]
    sentences = [review_sentence(r) for r in reviews] + assigned
    if no_homework is not None and not assigned:
        reason = NO_HOMEWORK_WORDS[no_homework.reason]
        detail = f" ({no_homework.detail})" if no_homework.detail else ""
        sentences.append(f"No new homework assigned: {reason}{detail}.")
    return " ".join(sentences)
