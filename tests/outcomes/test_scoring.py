"""Scoring against hand-computed examples: blanks, the limit on blanks, the PSC-35's age rule,
means, subscales, cutoffs and reverse items."""

from __future__ import annotations

from typing import Any

import pytest

from between.outcomes.scoring import problems, score
from between.outcomes.seed import CAREGIVER_EFFECTIVENESS, PSC_35, definition

SCHOOL_ITEMS = ("psc05", "psc06", "psc17", "psc18")


def psc(value: int | None = 1, **changes: int | None) -> dict[str, int | None]:
    answers: dict[str, int | None] = {f"psc{n:02d}": value for n in range(1, 36)}
    answers.update(changes)
    return answers


def test_it_sums_the_psc_35_and_its_psc_17_subscales() -> None:
    result = score(definition(PSC_35), psc(1), age=10)
    # 35 items answered "Sometimes" (1): 35; attention 5 items, internalizing 5, externalizing 7.
    assert result.is_valid
    assert result.total == 35
    assert result.subscales == {"attention": 5, "internalizing": 5, "externalizing": 7}
    # Cutoffs: total 28, attention 7, internalizing 5, externalizing 7 (at or above).
    assert result.positive == {
        "total": True,
        "attention": False,
        "internalizing": True,
        "externalizing": True,
    }
    assert result.total_cutoff == 28


def test_it_scores_blanks_as_zero_up_to_three_of_them() -> None:
    result = score(definition(PSC_35), psc(2, psc01=None, psc04=None, psc11=None), age=10)
    # 32 answered items at 2 = 64; the blank attention and internalizing items score 0.
    assert result.is_valid
    assert result.total == 64
    assert result.subscales["attention"] == 8
    assert result.subscales["internalizing"] == 8
    assert result.missing == ("psc01", "psc04", "psc11")


def test_it_does_not_score_a_form_with_four_blanks() -> None:
    answers = psc(1, psc01=None, psc02=None, psc03=None)
    del answers["psc35"]  # an item left out of the answers is blank too
    result = score(definition(PSC_35), answers, age=10)
    assert not result.is_valid
    assert result.total is None
    assert set(result.subscales.values()) == {None}
    assert result.reason.startswith("4 items are blank")


def test_it_leaves_out_the_school_items_for_children_aged_4_and_5() -> None:
    blank_school = psc(1, **dict.fromkeys(SCHOOL_ITEMS))
    for age in (4, 5):
        result = score(definition(PSC_35), blank_school, age=age)
        # 31 items at 1; the four school items neither score nor count as blank.
        assert result.is_valid and result.total == 31, age
        assert result.missing == ()
        assert result.not_scored == SCHOOL_ITEMS
        assert result.total_cutoff == 24
    # Answered school items are not scored either: 31 items at 2.
    assert score(definition(PSC_35), psc(2), age=5).total == 62
    # Three other blanks are still allowed: 28 items at 1.
    three = dict(blank_school, psc01=None, psc02=None, psc03=None)
    assert score(definition(PSC_35), three, age=5).total == 28
    # A six-year-old's four blank school items are four blanks.
    assert not score(definition(PSC_35), blank_school, age=6).is_valid


def test_it_applies_the_younger_cutoff() -> None:
    # 25 non-school items at 1, the rest 0: 25 is positive at 5 (24), not at 10 (28).
    others = [key for key in psc(0) if key not in SCHOOL_ITEMS]
    answers = {key: (1 if key in others[:25] else 0) for key in psc(0)}
    assert score(definition(PSC_35), answers, age=5).positive["total"] is True
    assert score(definition(PSC_35), answers, age=10).positive["total"] is False


def effectiveness(**answers: int | None) -> dict[str, int | None]:
    base: dict[str, int | None] = {
        "yss01": 4, "yss02": 5, "yss03": 3, "yss04": 4, "yss05": 4, "yss06": 4,
        "practice01": 2, "practice02": 3, "practice03": 4,
    }  # fmt: skip
    base.update(answers)
    return base


def test_it_takes_the_mean_of_the_answered_items() -> None:
    result = score(definition(CAREGIVER_EFFECTIVENESS), effectiveness())
    # (4+5+3+4+4+4 + 2+3+4) / 9 = 33 / 9; outcome 24 / 6 = 4; practice 9 / 3 = 3.
    assert result.total == pytest.approx(33 / 9)
    assert result.subscales == {"outcome": 4.0, "practice": 3.0}
    assert result.positive == {}  # this survey has no cutoffs
    # Two blanks: (24 + 4) / 7 = 4; practice is its one answered item.
    two = score(
        definition(CAREGIVER_EFFECTIVENESS), effectiveness(practice01=None, practice02=None)
    )
    assert two.is_valid and two.total == pytest.approx(4.0)
    assert two.subscales["practice"] == 4.0
    # Three blanks: not scored.
    three = effectiveness(practice01=None, practice02=None, yss01=None)
    assert not score(definition(CAREGIVER_EFFECTIVENESS), three).is_valid


def test_it_reverses_reverse_items() -> None:
    made_up: dict[str, Any] = {
        "options": [{"value": v} for v in range(4)],
        "items": [
            {"key": "a", "reverse": True, "subscale": "s"},
            {"key": "b", "reverse": False, "subscale": "s"},
        ],
        "scoring": {
            "method": "sum",
            "max_missing": 0,
            "total": {"cutoff": 4},
            "subscales": {"s": {"items": ["a", "b"], "cutoff": None}},
        },
    }
    result = score(made_up, {"a": 0, "b": 1})
    # a: 0 reversed on 0..3 is 3; plus b = 1.
    assert result.total == 4 and result.positive == {"total": True}
    assert score(made_up, {"a": 3, "b": 1}).total == 1


def test_it_names_unknown_items_and_answers() -> None:
    found = problems(definition(PSC_35), {"psc99": 1, "psc01": 3, "psc02": True, "psc03": None})
    assert found == [
        "'psc99' is not an item of this instrument",
        "psc01: 3 is not one of the answers [0, 1, 2]",
        "psc02: True is not one of the answers [0, 1, 2]",
    ]
    with pytest.raises(ValueError, match="psc01"):
        score(definition(PSC_35), {"psc01": 7})
