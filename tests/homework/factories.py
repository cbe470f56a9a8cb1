"""A small library item for tests that do not need the whole shipped library."""

from __future__ import annotations

from typing import Any

TEMPLATE_FIELDS: dict[str, Any] = {
    "skill_area": "relaxation",
    "ebp_tags": ["CBT"],
    "target": "youth",
    "age_min": 5,
    "age_max": 17,
    "practice_format": "check",
    "frequency_per_week": 7,
    "minutes": 5,
    "title_en": "Belly breathing",
    "title_es": "Respiración con la barriga",
    "short_name_en": "Breathing",
    "short_name_es": "Respiración",
    "rationale_en": "Slow breaths calm the body.",
    "rationale_es": "Respirar despacio calma el cuerpo.",
    "steps_en": ["Sit comfortably.", "Breathe in for four.", "Breathe out for six."],
    "steps_es": ["Siéntate cómodo.", "Inhala contando cuatro.", "Exhala contando seis."],
    "help_en": "For calming down.",
    "help_es": "Para calmarse.",
}
