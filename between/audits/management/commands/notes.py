"""`between notes`: run the progress-note homework detector over JSON Lines files.

between notes classify --input notes.jsonl --output found.jsonl
between notes evaluate --input labelled.jsonl --format json
between notes evaluate --split test          # the synthetic development notes, held-out part

The detector lives in `between.audits.detector` (no Django there); this command reads, checks
and writes. Input is one JSON object per line; a bad line stops the run with its line number,
because a silently skipped note would bias an audit sample.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich import box
from rich.console import Console
from rich.table import Table

from between.audits.detector import LABELS, detect
from between.audits.evaluation import DEV_NOTES, evaluate

LANGUAGES = ("en", "es")


class Command(BaseCommand):
    help = (
        "Find therapeutic homework assigned and prior homework reviewed in progress notes "
        "(classify), store its answers for every note (scan), and measure the detector "
        "against labelled notes (evaluate)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")

        classify = commands.add_parser(
            "classify",
            help="Classify notes from a JSON Lines file of {id, text[, language]}.",
            description="Each output line: {id, homework_assigned, homework_reviewed, "
            "evidence: [{label, start, end, text, rule, kind}]}. start/end are character "
            "offsets into the note's text; kind is positive, negated, future, school, "
            "other_person, prior or in_session, and only positive evidence sets the answers.",
        )
        classify.add_argument("--input", required=True, help="JSON Lines file of notes.")
        classify.add_argument(
            "--output", help="Write the results here (JSON Lines) instead of standard output."
        )

        evaluate_parser = commands.add_parser(
            "evaluate",
            help="Precision, recall and F1 per question against labelled notes.",
            description="Input lines: {id, text[, language], homework_assigned: bool, "
            "homework_reviewed: bool[, split]}. Without --input, the synthetic development "
            "notes shipped with the app.",
        )
        evaluate_parser.add_argument(
            "--input", help=f"JSON Lines file of labelled notes (default {DEV_NOTES.name})."
        )
        evaluate_parser.add_argument(
            "--split", help="Only lines whose split is this (e.g. train or test)."
        )
        evaluate_parser.add_argument(
            "--format",
            choices=("table", "json"),
            default="table",
            help="table (readable, default) or json.",
        )

        commands.add_parser(
            "scan",
            help="Store the detector's answers for every progress note not yet scanned by "
            "this version (idempotent; run after imports).",
        )

        commands.add_parser(
            "train",
            help="Train the suggestion model on every reviewed note and store it (it never "
            "changes a reviewer's answer).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "classify":
            self._classify(options["input"], options["output"])
        elif options["subcommand"] == "scan":
            from between.audits.actions import scan_notes

            self.stdout.write(f"{scan_notes()} notes scanned")
        elif options["subcommand"] == "train":
            from between.audits.actions import train_note_model

            stored, reasons = train_note_model()
            for label, reason in reasons.items():
                self.stdout.write(f"{label}: {reason}")
            if stored is None:
                raise CommandError("not enough reviewed notes to train a model yet")
            self.stdout.write(f"stored model {stored}")
        else:
            self._evaluate(options["input"], options["split"], options["format"])

    def _classify(self, source: str, target: str | None) -> None:
        lines = [
            json.dumps(
                {"id": note["id"], **_without_language(detect(note["text"], note.get("language")))},
                ensure_ascii=False,
            )
            for note in read_notes(source, labelled=False)
        ]
        text = "\n".join(lines) + ("\n" if lines else "")
        if target:
            Path(target).write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(lines)} notes classified into {target}")
        else:
            self.stdout.write(text, ending="")

    def _evaluate(self, source: str | None, split: str | None, output_format: str) -> None:
        notes = list(read_notes(source or str(DEV_NOTES), labelled=True))
        if split:
            notes = [note for note in notes if note.get("split", "train") == split]
        if not notes:
            raise CommandError("no notes to evaluate" + (f" in split {split!r}" if split else ""))
        result = evaluate(notes)
        if output_format == "json":
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(render_metrics(result, len(notes)).rstrip("\n"))


def _without_language(found: Any) -> dict[str, Any]:
    data: dict[str, Any] = found.as_dict()
    data.pop("language", None)
    return data


def read_notes(path: str, *, labelled: bool) -> Iterator[dict[str, Any]]:
    """Parsed and checked notes; CommandError naming the first bad line."""
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                note = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CommandError(f"{path}, line {number}: not valid JSON ({exc.msg})") from exc
            problem = _problem(note, labelled=labelled)
            if problem:
                raise CommandError(f"{path}, line {number}: {problem}")
            yield note


def _problem(note: Any, *, labelled: bool) -> str | None:
    if not isinstance(note, dict):
        return "expected a JSON object"
    if "id" not in note or not isinstance(note["id"], str | int) or note["id"] == "":
        return "missing 'id' (a string or number)"
    if not isinstance(note.get("text"), str):
        return "missing 'text' (a string)"
    language = note.get("language")
    if language is not None and language not in LANGUAGES:
        return f"'language' must be one of {', '.join(LANGUAGES)} or absent, not {language!r}"
    if labelled:
        for label in LABELS:
            if not isinstance(note.get(label), bool):
                return f"missing {label!r} (true or false)"
    return None


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render_metrics(result: dict[str, dict[str, Any]], notes: int) -> str:
    table = Table(box=box.SIMPLE_HEAD, title=f"Note detector on {notes} notes")
    for heading in ("question", "precision", "recall", "F1", "TP", "FP", "FN", "TN"):
        table.add_column(heading, justify="left" if heading == "question" else "right")
    for label, m in result.items():
        table.add_row(
            label,
            _number(m["precision"]),
            _number(m["recall"]),
            _number(m["f1"]),
            *(str(m[key]) for key in ("tp", "fp", "fn", "tn")),
        )
    buffer = io.StringIO()
    Console(file=buffer, width=100, color_system=None, highlight=False, markup=False).print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
