"""Precision, recall and F1 of the note detector against reviewer answers. No Django imports.

`items` are dicts with the reviewer's booleans under the label names and the detector's
under `predicted` (or they are classified here from `text` and optional `language`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from between.audits.detector import LABELS, detect

DEV_NOTES = Path(__file__).resolve().parent / "notes_data" / "dev_notes.jsonl"
# Written before the rules were read, by someone else, as a blind test (split "blind").
BLIND_NOTES = Path(__file__).resolve().parent / "notes_data" / "blind_notes.jsonl"


def _ratio(numerator: int, denominator: int) -> float | None:
    # None, not 0: "no positive predictions" is not "every prediction was wrong".
    return numerator / denominator if denominator else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def evaluate(items: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per label: precision, recall, f1, tp, fp, fn, tn and n."""
    counts = {label: {"tp": 0, "fp": 0, "fn": 0, "tn": 0} for label in LABELS}
    for item in items:
        predicted = item.get("predicted")
        if predicted is None:
            predicted = detect(str(item["text"]), item.get("language")).as_dict()
        for label in LABELS:
            truth, guess = bool(item[label]), bool(predicted[label])
            key = ("tp" if truth else "fp") if guess else ("fn" if truth else "tn")
            counts[label][key] += 1
    result: dict[str, dict[str, Any]] = {}
    for label, c in counts.items():
        precision = _ratio(c["tp"], c["tp"] + c["fp"])
        recall = _ratio(c["tp"], c["tp"] + c["fn"])
        result[label] = {
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            **c,
            "n": sum(c.values()),
        }
    return result


def load_dev_notes(split: str | None = None) -> list[dict[str, Any]]:
    """The synthetic development notes, optionally one split ("train" or "test")."""
    with DEV_NOTES.open(encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    if split is None:
        return items
    return [item for item in items if item.get("split", "train") == split]


def load_blind_notes() -> list[dict[str, Any]]:
    """The blind synthetic notes: written without reading the rules, kept apart from the dev set."""
    with BLIND_NOTES.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def errors(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The notes the detector gets wrong, with its evidence, for tuning and error analysis."""
    wrong = []
    for item in items:
        found = detect(str(item["text"]), item.get("language"))
        predicted = found.as_dict()
        misses = [label for label in LABELS if bool(item[label]) != predicted[label]]
        if misses:
            wrong.append({"id": item.get("id"), "labels": misses, "detection": predicted})
    return wrong
