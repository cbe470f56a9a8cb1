"""How the synthetic clinicians give homework: their habits, how the county's Performance
Improvement Project moves them, and which library items suit a session.

Clinicians differ widely: a few give homework in most sessions, many now and then, many almost
never (the county's baseline is low: Garland et al. 2010 coded homework in 13% of sessions).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

from between.homework.models import HomeworkTemplate, TemplateVersion
from between.synth.notes import Task

# Skills-based treatments for anxiety and parent training for disruptive behavior carry the
# most homework; "other" the least.
DIAGNOSIS_FACTOR = {
    "anxiety": 1.5,
    "disruptive": 1.35,
    "adhd": 1.05,
    "depression": 1.0,
    "trauma": 0.9,
    "other": 0.45,
}
# Which skill areas a clinician draws homework from, by diagnosis group.
SKILL_WEIGHTS: dict[str, dict[str, float]] = {
    "anxiety": {
        "relaxation": 3,
        "exposure": 3,
        "cognitive": 2.5,
        "feelings": 0.7,
        "self_monitoring": 0.7,
        "problem_solving": 0.4,
    },
    "disruptive": {
        "caregiver": 6,
        "problem_solving": 1,
        "self_monitoring": 1,
        "feelings": 0.7,
        "school": 0.6,
        "social": 0.4,
    },
    "adhd": {"caregiver": 3.5, "school": 3.5, "self_monitoring": 1, "problem_solving": 0.8},
    "depression": {
        "activation": 3.5,
        "cognitive": 2.5,
        "self_monitoring": 2,
        "problem_solving": 1,
        "social": 0.7,
        "safety": 0.5,
    },
    "trauma": {"trauma": 3.5, "relaxation": 2, "safety": 1.5, "feelings": 1.2},
    "other": {
        "feelings": 2,
        "social": 2,
        "problem_solving": 2,
        "relaxation": 1,
        "self_monitoring": 1,
    },
}


def _logit(p: float) -> float:
    p = min(max(p, 0.001), 0.999)
    return math.log(p / (1 - p))


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@dataclass(frozen=True)
class Habits:
    """A clinician's homework habits before the PIP, and how far the PIP moves them."""

    assign: float  # share of eligible sessions with homework
    pip_response: float  # log-odds added to assigning by the end of the window
    review: float  # share of sessions with open homework where it is reviewed
    quality: float  # mean number of quality elements (0-5)
    asks_confidence: float
    records_reasons: float  # share of sessions without homework that record why
    documents: float  # share of homework given or reviewed that the note mentions
    is_demo: bool = False

    def assign_share(self, ramp: float) -> float:
        return _logistic(_logit(self.assign) + self.pip_response * ramp)

    def review_share(self, ramp: float) -> float:
        return _logistic(_logit(self.review) + 0.5 * self.pip_response * ramp)

    def quality_mean(self, ramp: float) -> float:
        return min(4.8, self.quality + 0.5 * self.pip_response * ramp)

    def reason_share(self, ramp: float) -> float:
        return min(0.9, self.records_reasons + 0.15 * self.pip_response * ramp)


def draw_habits(rng: random.Random) -> Habits:
    """A few clinicians give homework most of the time, many now and then, many almost never;
    about one in five does not change with the PIP."""
    habit = rng.random()
    if habit < 0.15:
        assign = rng.uniform(0.35, 0.65)
    elif habit < 0.6:
        assign = rng.uniform(0.06, 0.18)
    else:
        assign = rng.uniform(0.005, 0.05)
    return Habits(
        assign=assign,
        pip_response=0.0 if rng.random() < 0.2 else rng.uniform(0.6, 2.4),
        review=rng.uniform(0.4, 0.8),
        quality=min(4.5, max(0.5, rng.gauss(2.3, 0.9))),
        asks_confidence=rng.uniform(0.2, 0.9),
        records_reasons=rng.uniform(0.05, 0.4),
        documents=rng.uniform(0.8, 0.99),
    )


def demo_habits() -> Habits:
    """The demo clinician: middling habits that the PIP improves."""
    return Habits(
        assign=0.3,
        pip_response=1.2,
        review=0.65,
        quality=2.8,
        asks_confidence=0.6,
        records_reasons=0.3,
        documents=0.9,
        is_demo=True,
    )


@dataclass(frozen=True)
class LibraryItem:
    version: TemplateVersion
    skill_area: str
    target: str
    age_min: int
    age_max: int
    practice_format: str
    frequency: int

    def suits(self, age: int, *, youth: bool, caregiver: bool) -> bool:
        """For this age, and someone who practices it was in the session."""
        if not self.age_min <= age <= self.age_max:
            return False
        return (self.target != "youth" or youth) and (self.target != "caregiver" or caregiver)


class Library:
    """The current versions of the library's templates, and which suit a session."""

    def __init__(self) -> None:
        self.items: list[LibraryItem] = []
        templates = HomeworkTemplate.objects.filter(is_retired=False, current__isnull=False)
        for template in templates.select_related("current").order_by("key"):
            version = template.current
            if version is None:
                continue
            self.items.append(
                LibraryItem(
                    version=version,
                    skill_area=version.skill_area,
                    target=version.target,
                    age_min=version.age_min,
                    age_max=version.age_max,
                    practice_format=version.practice_format,
                    frequency=version.frequency_per_week,
                )
            )
        self._choices: dict[tuple[str, int, bool, bool], tuple[list[LibraryItem], list[float]]]
        self._choices = {}

    def choices(
        self, diagnosis: str, age: int, *, youth: bool, caregiver: bool
    ) -> tuple[list[LibraryItem], list[float]]:
        """Items that suit the session, weighted so each skill area gets its diagnosis weight
        however many items it has."""
        key = (diagnosis, age, youth, caregiver)
        if key not in self._choices:
            suited = [i for i in self.items if i.suits(age, youth=youth, caregiver=caregiver)]
            areas = SKILL_WEIGHTS.get(diagnosis, SKILL_WEIGHTS["other"])
            per_area = Counter(i.skill_area for i in suited if i.skill_area in areas)
            items = [i for i in suited if i.skill_area in areas]
            weights = [areas[i.skill_area] / per_area[i.skill_area] for i in items]
            # A family item fits less well when one of the family is missing.
            weights = [
                w * (0.4 if i.target == "family" and not (youth and caregiver) else 1.0)
                for w, i in zip(weights, items, strict=True)
            ]
            self._choices[key] = (items, weights)
        return self._choices[key]


def template_task(rng: random.Random, version: TemplateVersion) -> Task:
    """How a note names a library item: by its handout title or its short name."""
    caregiver = version.target == "caregiver"
    if rng.random() < 0.6:
        en, es = version.title_en, version.title_es
    else:
        en, es = version.short_name_en, version.short_name_es
    return Task(f'"{en}"', "practice", f"practicar «{es}»", caregiver)
