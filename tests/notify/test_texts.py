"""Message texts: in the family's language, through a complete and compiled catalog."""

from __future__ import annotations

from between.homework.models import Assignment
from between.notify import texts


def test_it_writes_english_to_everyone_but_spanish_speakers(homework: Assignment) -> None:
    assert texts.family_language("other") == "en"
    subject, body = texts.reminder(homework, "en")
    assert subject == "Practice reminder"
    assert body.startswith("Between Sessions: time for Breathing.") and len(body) <= 160
    assert "ALTO" in texts.help_text("es") and "STOP" in texts.help_text("en")
