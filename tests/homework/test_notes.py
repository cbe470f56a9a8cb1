"""The note sentence for the EHR progress note: always English, built from structured fields."""

from __future__ import annotations

import pytest

from between.homework import actions, notes
from between.homework.models import NoHomework
from tests.conftest import County
from tests.homework.factories import attended, days_ago, give, library_item


def us(ago: int) -> str:
    return f"{days_ago(ago):%m/%d/%Y}"


@pytest.mark.parametrize(
    ("reason", "detail", "sentence"),
    [
        ("crisis", "", "No new homework assigned: session focused on a crisis."),
        ("intake", "", "No new homework assigned: intake or assessment session."),
        ("declined", "", "No new homework assigned: client or family declined."),
        ("not_indicated", "", "No new homework assigned: not clinically indicated."),
        ("other", "moving house", "No new homework assigned: other reason (moving house)."),
    ],
)
def test_it_says_why_no_homework_was_given(
    county: County, reason: str, detail: str, sentence: str
) -> None:
    session = attended(county, 0)
    record = actions.record_no_homework(county.clinician, session, reason=reason, detail=detail)
    assert notes.note_sentence([], [], record) == sentence


def test_it_names_custom_homework_by_its_title(county: County) -> None:
    given = give(
        attended(county, 3), custom_title="Worry time", assignee="caregiver", frequency_per_week=3
    )
    assert notes.assignment_sentence(given) == (
        f'Assigned homework "Worry time" for the caregiver, 3 times per week until {us(-4)}, '
        "in English."
    )


def test_it_writes_english_for_homework_given_in_spanish(county: County) -> None:
    breathing = library_item()
    given = give(attended(county, 7), breathing, language="es", confidence=0)
    review = actions.review_assignment(
        county.clinician, attended(county, 0), given, completion="partial", barrier_codes=["forgot"]
    )
    assert notes.assignment_sentence(given) == (
        f'Assigned homework "Belly breathing" for the youth, 7 times per week until {us(0)}, '
        "in Spanish; family's confidence 0/10."
    )
    assert notes.review_sentence(review) == (
        f'Reviewed homework assigned {us(7)} ("Belly breathing"): completed partly; '
        "barriers: forgot."
    )


def test_it_writes_what_other_barrier_and_plan_were_described(county: County) -> None:
    given = give(attended(county, 7), custom_title="Brave steps")
    review = actions.review_assignment(
        county.clinician,
        attended(county, 0),
        given,
        completion="none",
        barrier_codes=["forgot", "other"],
        barrier_other="grandmother was ill",
        strategy_code="other",
        strategy_other="call midweek",
    )
    # "Other" is replaced by what was described, not printed beside it or instead of it.
    assert notes.review_sentence(review) == (
        f'Reviewed homework assigned {us(7)} ("Brave steps"): not completed; '
        "barriers: forgot and grandmother was ill; plan agreed: call midweek."
    )


def test_it_reports_a_full_review_without_barriers(county: County) -> None:
    given = give(attended(county, 7), custom_title="Brave steps")
    review = actions.review_assignment(
        county.clinician, attended(county, 0), given, completion="full"
    )
    assert notes.review_sentence(review) == (
        f'Reviewed homework assigned {us(7)} ("Brave steps"): completed fully.'
    )


def test_it_leaves_out_the_reason_once_homework_was_given(county: County) -> None:
    session = attended(county, 0)
    record = actions.record_no_homework(county.clinician, session, reason="declined")
    given = give(session, custom_title="Brave steps")
    # The page passes the record only when nothing was assigned; the sentence guards it too.
    sentence = notes.note_sentence([], [given], record)
    assert sentence.startswith('Assigned homework "Brave steps"')
    assert "No new homework" not in sentence
    assert not NoHomework.objects.exists()


def test_it_joins_reviews_before_new_homework(county: County) -> None:
    old = give(attended(county, 7), custom_title="Brave steps")
    today = attended(county, 0)
    review = actions.review_assignment(county.clinician, today, old, completion="full")
    new = give(today, custom_title="Braver steps", designed_together=True, obstacles_discussed=True)
    assert notes.note_sentence([review], [new], None) == (
        f'Reviewed homework assigned {us(7)} ("Brave steps"): completed fully. '
        f'Assigned homework "Braver steps" for the youth, 7 times per week until {us(-7)}, '
        "in English; designed together with the family and obstacles discussed."
    )
