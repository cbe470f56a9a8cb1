"""The note detector's evidence, shown to a reviewer as highlights in the note text.

The reviewer's answer is what counts: the highlights only point at where to look, and the page
says what the detector concluded so a reviewer can disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from between.audits.detector import Detection, Evidence, detect


@dataclass(frozen=True)
class Highlighted:
    html: SafeString
    detection: Detection
    # The learned model's suggestion per label ({"probability", "suggestion", ...}), if any.
    suggestion: dict[str, Any] | None = None


def _non_overlapping(evidence: list[Evidence]) -> list[Evidence]:
    """Positive evidence first, then the rest, dropping spans that overlap a kept one."""
    kept: list[Evidence] = []
    ordered = sorted(evidence, key=lambda e: (e.kind != "positive", e.start, -e.end))
    for item in ordered:
        if all(item.end <= k.start or item.start >= k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda e: e.start)


def latest_model() -> Any:
    """The newest stored suggestion model, or None."""
    from between.audits.learning import LearnedModel
    from between.audits.models import LearnedDetector

    stored = LearnedDetector.objects.first()
    return LearnedModel.from_bytes(bytes(stored.model)) if stored else None


def highlight(text: str, language: str | None = None, model: Any = None) -> Highlighted:
    """The note as HTML with each evidence span in <mark>, everything else escaped."""
    detection = detect(text, language)
    parts: list[str] = []
    position = 0
    for item in _non_overlapping(detection.evidence):
        parts.append(escape(text[position : item.start]))
        css = "evidence" if item.kind == "positive" else "evidence evidence-ignored"
        parts.append(
            f'<mark class="{css}" data-label="{escape(item.label)}" '
            f'title="{escape(item.rule)} ({escape(item.kind)})">'
            f"{escape(text[item.start : item.end])}</mark>"
        )
        position = item.end
    parts.append(escape(text[position:]))
    html = "".join(parts).replace("\n", "<br>")
    suggestion = None
    if model is not None:
        from between.audits.learning import combine

        suggestion = combine(detection, model.predict(text, language, rule=detection))
    return Highlighted(mark_safe(html), detection, suggestion)  # noqa: S308 - escaped above
