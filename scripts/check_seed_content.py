"""Validates the seed content: the training courses and the outcome instruments.

Standalone (no Django): `python scripts/check_seed_content.py`. Prints one summary line per
file and exits 1, listing every problem, when a file does not match its schema:

- between/training/data/courses.json: bilingual courses with objectives, an outline and a
  10-question knowledge check;
- between/outcomes/data/instruments.json: bilingual caregiver instruments with their answer
  options, items and scoring rules (PSC-35 and the caregiver effectiveness survey).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COURSES = ROOT / "between" / "training" / "data" / "courses.json"
INSTRUMENTS = ROOT / "between" / "outcomes" / "data" / "instruments.json"

EXPECTED_COURSES = {"homework-effective", "homework-noncompliance"}
EXPECTED_INSTRUMENTS = {"psc-35", "caregiver-effectiveness"}
QUESTIONS_PER_COURSE = 10
OPTIONS_PER_QUESTION = 4
# Optional bilingual pairs an instrument may carry (both languages, or neither).
OPTIONAL_PAIRS = ("notes", "instructions")


class Checker:
    """Collects problems, each prefixed with where it was found."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.problems.append(f"{self.filename}: {where}: {message}")

    def keys(self, obj: Any, where: str, required: tuple[str, ...]) -> bool:
        """True when obj is an object with every required key."""
        if not isinstance(obj, dict):
            self.error(where, f"expected an object, got {type(obj).__name__}")
            return False
        missing = [k for k in required if k not in obj]
        if missing:
            self.error(where, f"missing keys: {', '.join(missing)}")
        return not missing

    def text(self, value: Any, where: str) -> None:
        if not isinstance(value, str) or not value.strip():
            self.error(where, "must be a non-empty string")
        elif value != value.strip():
            self.error(where, "has leading or trailing whitespace")

    def bilingual(self, obj: dict[str, Any], where: str, en: str, es: str) -> None:
        """Both languages non-empty, and the Spanish is not a copy of the English."""
        self.text(obj.get(en), f"{where}.{en}")
        self.text(obj.get(es), f"{where}.{es}")
        english, spanish = obj.get(en), obj.get(es)
        if isinstance(english, str) and english.strip() and english == spanish:
            self.error(where, f"{es} is identical to {en} (untranslated?)")

    def pair(self, obj: dict[str, Any], where: str, stem: str) -> None:
        self.bilingual(obj, where, f"{stem}_en", f"{stem}_es")

    def integer(
        self, value: Any, where: str, low: int | None = None, high: int | None = None
    ) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, f"must be an integer, got {value!r}")
            return False
        if (low is not None and value < low) or (high is not None and value > high):
            self.error(where, f"{value} is outside {low}..{high}")
            return False
        return True

    def unique(self, keys: list[Any], where: str) -> None:
        for key, count in Counter(keys).items():
            if count > 1:
                self.error(where, f"key {key!r} is used {count} times")


def load(path: Path, checker: Checker) -> list[Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        checker.error("file", "not found")
        return None
    except json.JSONDecodeError as exc:
        checker.error("file", f"invalid JSON: {exc}")
        return None
    if not isinstance(data, list) or not data:
        checker.error("file", "must be a non-empty JSON list")
        return None
    return data


# Courses ------------------------------------------------------------------------------------


def check_text_list(c: Checker, section: dict[str, Any], where: str) -> None:
    lengths = {}
    for lang in ("en", "es"):
        points = section.get(f"points_{lang}")
        if not isinstance(points, list) or not points:
            c.error(f"{where}.points_{lang}", "must be a non-empty list")
            continue
        lengths[lang] = len(points)
        for i, point in enumerate(points):
            c.text(point, f"{where}.points_{lang}[{i}]")
    if len(lengths) == 2 and lengths["en"] != lengths["es"]:
        c.error(where, f"points_en has {lengths['en']} points but points_es has {lengths['es']}")


def check_question(c: Checker, question: Any, where: str) -> int | None:
    """Returns the correct index when valid."""
    required: tuple[str, ...] = ("key", "text_en", "text_es", "options", "correct")
    required += ("explanation_en", "explanation_es")
    if not c.keys(question, where, required):
        return None
    c.pair(question, where, "text")
    c.pair(question, where, "explanation")
    options = question["options"]
    if not isinstance(options, list) or len(options) != OPTIONS_PER_QUESTION:
        c.error(f"{where}.options", f"must be a list of exactly {OPTIONS_PER_QUESTION} options")
        options = options if isinstance(options, list) else []
    for i, option in enumerate(options):
        if c.keys(option, f"{where}.options[{i}]", ("en", "es")):
            c.bilingual(option, f"{where}.options[{i}]", "en", "es")
    for lang in ("en", "es"):
        texts = [o.get(lang) for o in options if isinstance(o, dict)]
        if len(set(texts)) != len(texts):
            c.error(f"{where}.options", f"two options have the same {lang} text")
    if c.integer(question["correct"], f"{where}.correct", 0, OPTIONS_PER_QUESTION - 1):
        return int(question["correct"])
    return None


def check_course(c: Checker, course: Any, index: int) -> str:
    where = f"course[{index}]"
    required: tuple[str, ...] = (
        "key",
        "title_en",
        "title_es",
        "summary_en",
        "summary_es",
        "duration_minutes",
    )
    required += ("objectives", "outline", "questions", "pass_score")
    if not c.keys(course, where, required):
        return where
    key = course["key"]
    c.text(key, f"{where}.key")
    where = f"course {key!r}"
    c.pair(course, where, "title")
    c.pair(course, where, "summary")
    duration_ok = c.integer(course["duration_minutes"], f"{where}.duration_minutes", 1)

    objectives = course["objectives"]
    if not isinstance(objectives, list) or not 4 <= len(objectives) <= 6:
        c.error(f"{where}.objectives", "must be a list of 4 to 6 objectives")
        objectives = objectives if isinstance(objectives, list) else []
    for i, objective in enumerate(objectives):
        if c.keys(objective, f"{where}.objectives[{i}]", ("en", "es")):
            c.bilingual(objective, f"{where}.objectives[{i}]", "en", "es")

    outline = course["outline"]
    if not isinstance(outline, list) or not 5 <= len(outline) <= 7:
        c.error(f"{where}.outline", "must be a list of 5 to 7 sections")
        outline = outline if isinstance(outline, list) else []
    minutes = 0
    for i, section in enumerate(outline):
        spot = f"{where}.outline[{i}]"
        if not c.keys(section, spot, ("title_en", "title_es", "minutes", "points_en", "points_es")):
            continue
        c.pair(section, spot, "title")
        if c.integer(section["minutes"], f"{spot}.minutes", 1):
            minutes += section["minutes"]
        check_text_list(c, section, spot)
    if duration_ok and outline and minutes != course["duration_minutes"]:
        c.error(
            where,
            f"outline sections add up to {minutes} minutes, "
            f"duration_minutes says {course['duration_minutes']}",
        )

    questions = course["questions"]
    if not isinstance(questions, list) or len(questions) != QUESTIONS_PER_COURSE:
        c.error(f"{where}.questions", f"must be a list of exactly {QUESTIONS_PER_COURSE} questions")
        questions = questions if isinstance(questions, list) else []
    keys = [q.get("key") for q in questions if isinstance(q, dict)]
    c.unique(keys, f"{where}.questions")
    expected_keys = [f"q{n:02d}" for n in range(1, len(questions) + 1)]
    if keys == [k for k in keys if isinstance(k, str)] and keys != expected_keys:
        c.error(f"{where}.questions", f"keys must be {expected_keys[0]}.. in order, got {keys}")
    correct = [
        answer
        for i, q in enumerate(questions)
        if (answer := check_question(c, q, f"{where}.questions[{i}]")) is not None
    ]
    most, count = Counter(correct).most_common(1)[0] if correct else (None, 0)
    if count > len(questions) // 2:
        c.error(f"{where}.questions", f"option {most} is correct in {count} questions; vary it")

    pass_score = course["pass_score"]
    if c.integer(pass_score, f"{where}.pass_score", 1, len(questions) or None) and pass_score != 8:
        c.error(f"{where}.pass_score", "must be 8")
    return where


def check_courses(path: Path) -> tuple[list[str], str]:
    c = Checker(path.relative_to(ROOT).as_posix())
    courses = load(path, c)
    if courses is None:
        return c.problems, ""
    for index, course in enumerate(courses):
        check_course(c, course, index)
    keys = [course.get("key") for course in courses if isinstance(course, dict)]
    c.unique(keys, "courses")
    missing = EXPECTED_COURSES - set(keys)
    if missing:
        c.error("courses", f"missing courses: {', '.join(sorted(missing))}")
    parts = [
        f"{course.get('key')} ({len(course.get('outline', []))} sections, "
        f"{len(course.get('questions', []))} questions, {course.get('duration_minutes')} min)"
        for course in courses
        if isinstance(course, dict)
    ]
    return c.problems, f"{len(courses)} courses: " + "; ".join(parts)


# Instruments --------------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_cutoff(c: Checker, value: Any, where: str, highest: float | None) -> None:
    if value is None:
        return
    if not is_number(value):
        c.error(where, f"must be a number or null, got {value!r}")
    elif highest is not None and not 0 <= value <= highest:
        c.error(where, f"{value} is outside the possible range 0..{highest}")


def check_scoring(c: Checker, instrument: dict[str, Any], where: str, values: list[int]) -> None:
    scoring = instrument["scoring"]
    spot = f"{where}.scoring"
    if not c.keys(scoring, spot, ("method", "max_missing", "total", "subscales")):
        return
    items = instrument["items"] if isinstance(instrument["items"], list) else []
    item_keys = [it.get("key") for it in items if isinstance(it, dict)]
    method = scoring["method"]
    if method not in ("sum", "mean"):
        c.error(f"{spot}.method", f"must be 'sum' or 'mean', got {method!r}")
    c.integer(scoring["max_missing"], f"{spot}.max_missing", 0, max(len(item_keys) - 1, 0))
    top = max(values) if values else None

    def highest(n_items: int) -> float | None:
        if top is None:
            return None
        return top * n_items if method == "sum" else top

    total = scoring["total"]
    required: tuple[str, ...] = (
        "label_en",
        "label_es",
        "cutoff",
        "cutoff_rule_en",
        "cutoff_rule_es",
    )
    if c.keys(total, f"{spot}.total", required):
        c.pair(total, f"{spot}.total", "label")
        c.pair(total, f"{spot}.total", "cutoff_rule")
        check_cutoff(c, total["cutoff"], f"{spot}.total.cutoff", highest(len(item_keys)))

    subscales = scoring["subscales"]
    if not isinstance(subscales, dict):
        c.error(f"{spot}.subscales", "must be an object (name -> subscale)")
        subscales = {}
    for name, subscale in subscales.items():
        sub = f"{spot}.subscales.{name}"
        if not c.keys(subscale, sub, ("label_en", "label_es", "items", "cutoff")):
            continue
        c.pair(subscale, sub, "label")
        members = subscale["items"]
        if not isinstance(members, list) or not members:
            c.error(f"{sub}.items", "must be a non-empty list of item keys")
            continue
        c.unique(members, f"{sub}.items")
        for member in members:
            if member not in item_keys:
                c.error(f"{sub}.items", f"{member!r} is not an item of this instrument")
        declared = [it.get("key") for it in items if it.get("subscale") == name]
        if sorted(map(str, declared)) != sorted(map(str, members)):
            c.error(sub, f"items {members} differ from the items that name it: {declared}")
        check_cutoff(c, subscale["cutoff"], f"{sub}.cutoff", highest(len(members)))
    for item in items:
        if isinstance(item, dict) and item.get("subscale") not in (None, *subscales):
            c.error(
                f"{where}.items.{item.get('key')}",
                f"subscale {item.get('subscale')!r} is not defined in scoring.subscales",
            )


def check_instrument(c: Checker, instrument: Any, index: int) -> None:
    where = f"instrument[{index}]"
    required: tuple[str, ...] = ("key", "name_en", "name_es", "respondent", "version", "source")
    required += ("license_note_en", "license_note_es", "higher_is_better", "options", "items")
    required += ("scoring", "intervals_days")
    if not c.keys(instrument, where, required):
        return
    c.text(instrument["key"], f"{where}.key")
    where = f"instrument {instrument['key']!r}"
    c.pair(instrument, where, "name")
    c.pair(instrument, where, "license_note")
    for stem in OPTIONAL_PAIRS:
        if f"{stem}_en" in instrument or f"{stem}_es" in instrument:
            c.pair(instrument, where, stem)
    c.text(instrument["version"], f"{where}.version")
    c.text(instrument["source"], f"{where}.source")
    if instrument["respondent"] != "caregiver":
        c.error(f"{where}.respondent", f"must be 'caregiver', got {instrument['respondent']!r}")
    if not isinstance(instrument["higher_is_better"], bool):
        c.error(f"{where}.higher_is_better", "must be true or false")

    options = instrument["options"]
    if not isinstance(options, list) or len(options) < 2:
        c.error(f"{where}.options", "must be a list of at least 2 options")
        options = options if isinstance(options, list) else []
    values: list[int] = []
    for i, option in enumerate(options):
        spot = f"{where}.options[{i}]"
        if c.keys(option, spot, ("value", "en", "es")):
            c.bilingual(option, spot, "en", "es")
            if c.integer(option["value"], f"{spot}.value"):
                values.append(option["value"])
    c.unique(values, f"{where}.options (values)")
    if values != sorted(values):
        c.error(f"{where}.options", f"values must be in ascending order, got {values}")

    items = instrument["items"]
    if not isinstance(items, list) or not items:
        c.error(f"{where}.items", "must be a non-empty list")
        items = []
    for i, item in enumerate(items):
        spot = f"{where}.items[{i}]"
        if not c.keys(item, spot, ("key", "text_en", "text_es", "subscale", "reverse")):
            continue
        c.text(item["key"], f"{spot}.key")
        c.pair(item, spot, "text")
        if item["subscale"] is not None and not isinstance(item["subscale"], str):
            c.error(f"{spot}.subscale", "must be a string or null")
        if item["reverse"] is not False:
            c.error(f"{spot}.reverse", "must be false")
    c.unique([it.get("key") for it in items if isinstance(it, dict)], f"{where}.items")

    check_scoring(c, instrument, where, values)

    intervals = instrument["intervals_days"]
    if (
        not isinstance(intervals, list)
        or not intervals
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in intervals)
        or intervals != sorted(set(intervals))
    ):
        c.error(f"{where}.intervals_days", "must be a non-empty increasing list of positive days")

    specific = {"psc-35": check_psc35, "caregiver-effectiveness": check_effectiveness}
    if instrument["key"] in specific:
        specific[instrument["key"]](c, instrument, where, values)


def check_psc35(c: Checker, instrument: dict[str, Any], where: str, values: list[int]) -> None:
    items = instrument["items"] if isinstance(instrument["items"], list) else []
    if len(items) != 35:
        c.error(f"{where}.items", f"the PSC-35 has 35 items, found {len(items)}")
    if values != [0, 1, 2]:
        c.error(f"{where}.options", f"values must be 0, 1, 2 (Never, Sometimes, Often): {values}")
    if instrument["higher_is_better"] is not False:
        c.error(f"{where}.higher_is_better", "must be false (higher PSC scores mean more problems)")
    scoring = instrument["scoring"]
    if not isinstance(scoring, dict):
        return
    expected = {"method": "sum", "max_missing": 3}
    for name, value in expected.items():
        if scoring.get(name) != value:
            c.error(f"{where}.scoring.{name}", f"must be {value!r}, got {scoring.get(name)!r}")
    total = scoring.get("total")
    if isinstance(total, dict) and total.get("cutoff") != 28:
        c.error(f"{where}.scoring.total.cutoff", f"must be 28, got {total.get('cutoff')!r}")
    subscales = scoring.get("subscales")
    psc17 = {"attention": (5, 7), "internalizing": (5, 5), "externalizing": (7, 7)}
    if not isinstance(subscales, dict) or set(subscales) != set(psc17):
        c.error(f"{where}.scoring.subscales", f"must be exactly {', '.join(psc17)}")
        return
    for name, (size, cutoff) in psc17.items():
        subscale = subscales[name]
        if not isinstance(subscale, dict):
            continue
        if len(subscale.get("items") or []) != size:
            c.error(f"{where}.scoring.subscales.{name}", f"must have {size} items")
        if subscale.get("cutoff") != cutoff:
            c.error(f"{where}.scoring.subscales.{name}.cutoff", f"must be {cutoff}")


def check_effectiveness(
    c: Checker, instrument: dict[str, Any], where: str, values: list[int]
) -> None:
    if values != [1, 2, 3, 4, 5]:
        c.error(f"{where}.options", f"values must be 1..5 (no 'Not applicable'): {values}")
    if instrument["higher_is_better"] is not True:
        c.error(f"{where}.higher_is_better", "must be true")
    scoring = instrument["scoring"]
    if not isinstance(scoring, dict):
        return
    expected = {"method": "mean", "max_missing": 2}
    for name, value in expected.items():
        if scoring.get(name) != value:
            c.error(f"{where}.scoring.{name}", f"must be {value!r}, got {scoring.get(name)!r}")
    subscales = scoring.get("subscales")
    if not isinstance(subscales, dict) or set(subscales) != {"outcome", "practice"}:
        c.error(f"{where}.scoring.subscales", "must be exactly outcome, practice")
        return
    outcome = subscales["outcome"]
    if isinstance(outcome, dict) and len(outcome.get("items") or []) != 6:
        c.error(f"{where}.scoring.subscales.outcome", "must have the 6 YSS-F outcome items")
    cutoffs = [scoring.get("total", {}).get("cutoff")]
    cutoffs += [s.get("cutoff") for s in subscales.values() if isinstance(s, dict)]
    if any(cutoff is not None for cutoff in cutoffs):
        c.error(f"{where}.scoring", "this survey has no cutoffs: every cutoff must be null")


def check_instruments(path: Path) -> tuple[list[str], str]:
    c = Checker(path.relative_to(ROOT).as_posix())
    instruments = load(path, c)
    if instruments is None:
        return c.problems, ""
    for index, instrument in enumerate(instruments):
        check_instrument(c, instrument, index)
    keys = [i.get("key") for i in instruments if isinstance(i, dict)]
    c.unique(keys, "instruments")
    missing = EXPECTED_INSTRUMENTS - set(keys)
    if missing:
        c.error("instruments", f"missing instruments: {', '.join(sorted(missing))}")
    parts = []
    for instrument in instruments:
        if not isinstance(instrument, dict):
            continue
        scoring = instrument.get("scoring")
        subscales = scoring.get("subscales", {}) if isinstance(scoring, dict) else {}
        parts.append(
            f"{instrument.get('key')} ({len(instrument.get('items') or [])} items, "
            f"{len(subscales)} subscales)"
        )
    return c.problems, f"{len(instruments)} instruments: " + "; ".join(parts)


def main() -> int:
    failed = False
    for path, check in ((COURSES, check_courses), (INSTRUMENTS, check_instruments)):
        problems, summary = check(path)
        name = path.relative_to(ROOT).as_posix()
        if problems:
            failed = True
            print(f"FAIL {name}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"ok   {name}: {summary}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
