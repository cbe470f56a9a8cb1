"""The reviewer sees the detector's evidence marked in the note, and nothing unescaped."""

from __future__ import annotations

from between.audits.highlight import highlight


def test_it_marks_the_evidence_and_escapes_the_rest() -> None:
    text = "Pt to practice deep breathing nightly. <script>alert(1)</script>\nCG agreed."
    shown = highlight(text, "en")
    assert shown.detection.homework_assigned
    assert '<mark class="evidence"' in shown.html
    assert "&lt;script&gt;" in shown.html
    assert "<script>" not in shown.html
    assert "<br>" in shown.html


def test_it_shows_set_aside_words_without_counting_them() -> None:
    shown = highlight("No homework assigned today; his math homework is stressful.", "en")
    assert not shown.detection.homework_assigned
    assert "evidence-ignored" in shown.html or "<mark" not in shown.html
