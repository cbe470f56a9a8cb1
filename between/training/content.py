"""The seeded courses: our own outlines, objectives and 10-question knowledge checks, in
English and Spanish (data/courses.json, checked by scripts/check_seed_content.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

COURSES_FILE = Path(__file__).parent / "data" / "courses.json"
COURSE_FIELDS = (
    "title_en",
    "title_es",
    "summary_en",
    "summary_es",
    "duration_minutes",
    "objectives",
    "outline",
    "questions",
    "pass_score",
)


@cache
def seed_courses_data() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(COURSES_FILE.read_text(encoding="utf-8")))


def seed_courses(course_model: Any) -> None:
    """Create the seeded courses that are missing (idempotent; an edited course is kept).
    Takes the model so the migration can pass its historical one."""
    for data in seed_courses_data():
        course_model.objects.get_or_create(
            key=data["key"], defaults={name: data[name] for name in COURSE_FIELDS}
        )


def ensure_courses() -> None:
    """Seed again if a flushed database (e.g. a test's) lacks the courses."""
    from between.training.models import Course

    seed_courses(Course)
