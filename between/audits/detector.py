"""Does a progress note document therapeutic homework assigned, and prior homework reviewed?

A transparent rule-based detector for Medical Records Review: every answer comes with the
evidence (character offsets into the note) and the id of the rule that produced it, so a
reviewer can check it and disagree. No Django imports: the command, the benchmark and any
batch job call `detect()` directly.

How a note is read:
1. the language is taken from the caller or guessed (English or Spanish);
2. every rule in `detector_rules.RULES` proposes candidates anywhere in the note;
3. each candidate is judged in its clause (sentences split at . ! ? ; and new lines, clauses
   also at "but"/"pero"): a negation cue just before it (or an empty checkbox, "[ ] HW
   assigned"), a plan for later, school homework, a task that belongs to someone else
   (teacher, psychiatrist, case manager) or a medication instruction, homework from a
   previous session, or practice that happened in the session rather than at home;
4. the answers are true only when a positive candidate remains. Ignored candidates stay in the
   evidence with their kind so the reviewer sees what was considered and why it did not count.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import reduce
from operator import or_
from typing import Any, Literal

from between.audits import detector_rules as r

Label = Literal["homework_assigned", "homework_reviewed"]
Kind = Literal["positive", "negated", "future", "school", "other_person", "prior", "in_session"]
LABELS: tuple[Label, Label] = ("homework_assigned", "homework_reviewed")
KINDS: tuple[str, ...] = (
    "positive",
    "negated",
    "future",
    "school",
    "other_person",
    "prior",
    "in_session",
)
KIND_DESCRIPTIONS = {
    "positive": "counts: homework documented",
    "negated": "a negation cue (no, not, did not, sin, no se) or an empty checkbox applies to it",
    "future": "a plan for later (will consider, plan to, next session, se asignará)",
    "school": "school homework (math homework, tarea de la escuela), not therapeutic",
    "other_person": "a task for someone else (teacher, psychiatrist, case manager, clinician) "
    "or a medication instruction",
    "prior": "homework from an earlier session, not assigned in this one",
    "in_session": "practice done in the session, not between sessions",
}

# Markers that end a clause. "but"/"pero" start a new one: "no HW assigned, but reviewed the
# log" must not carry the negation across.
_CLAUSE_BREAK = re.compile(
    r"[.!?](?=\s+[\"'(¿¡]?[A-ZÁÉÍÓÚÑ0-9])|[.!?]\s*$|[;\n]|\s[-–—]\s"
    r"|\b(?:but|however|although|though|pero|sin\s+embargo|aunque)\b",
    re.IGNORECASE,
)
# The same breaks, scanned separately (see `_clause_starts`).
_BREAK_PUNCT = re.compile(r"[;\n]|[.!?](?:(?=\s+[\"'(¿¡]?[A-ZÁÉÍÓÚÑ0-9])|\s*$)", re.IGNORECASE)
_BREAK_DASH = re.compile(r"[-–—](?<=\s.)\s")
_BREAK_WORD = re.compile(r"(?:but|however|although|though|pero|sin\s+embargo|aunque)\b")
_WORD_CHAR = re.compile(r"\w")
_SOFT_BREAK = re.compile(r"[,:(]")
# A handful of very common words that tell English and Spanish notes apart.
_EN_WORDS = r.word_set(
    "the and to of with was is for pt reported session will on in he she his her"
)
_ES_WORDS = r.word_set(
    "el la que de se y con para los las del una por sesión sesion madre reportó tarea en"
)
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_WORD = re.compile(r"\w+(?:'\w+)?|n't", re.UNICODE)
# Negation reaches back this many words within the clause ("no new HW was assigned").
NEGATION_WINDOW = 5
FUTURE_WINDOW = 8


# Raise when the rules change: stored detections of an older version are scanned again.
DETECTOR_VERSION = 2


@dataclass(frozen=True)
class Evidence:
    label: str
    start: int
    end: int
    text: str
    rule: str
    kind: str = "positive"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Detection:
    homework_assigned: bool
    homework_reviewed: bool
    language: str
    evidence: list[Evidence] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "homework_assigned": self.homework_assigned,
            "homework_reviewed": self.homework_reviewed,
            "language": self.language,
            "evidence": [e.as_dict() for e in self.evidence],
        }


def rules_table() -> list[dict[str, str]]:
    """Every rule id with its label, language and one-line reason, for the reviewer UI."""
    return [
        {"id": x.id, "label": x.label, "language": x.language, "description": x.description}
        for x in r.RULES
    ]


def guess_language(text: str) -> str:
    """English or Spanish, by counting a handful of very common words."""
    return _guess(_TOKEN.findall(text.lower()))


def _guess(tokens: list[str]) -> str:
    english = sum(map(_EN_WORDS.__contains__, tokens))
    spanish = sum(map(_ES_WORDS.__contains__, tokens))
    return "es" if spanish > english else "en"


def _normalise_language(language: str | None, tokens: list[str]) -> str:
    code = (language or "").strip().lower()[:2]
    return code if code in ("en", "es") else _guess(tokens)


def _clause_starts(text: str, lower: str | None = None) -> list[int]:
    """Where each clause begins: 0, then the end of every `_CLAUSE_BREAK`.

    Three simpler scans give the same positions about twice as fast as the one pattern (a test
    checks they agree), which matters because every note is cut into clauses.
    """
    lower = text.lower() if lower is None else lower
    if len(lower) != len(text):  # a rare character whose lower case is longer: the plain way
        return [0, *(m.end() for m in _CLAUSE_BREAK.finditer(text))]
    # (start, which scanner, end): the one pattern tries punctuation, then dashes, then words.
    found = [(m.start(), 0, m.end()) for m in _BREAK_PUNCT.finditer(text)]
    found.extend((m.start() - 1, 1, m.end()) for m in _BREAK_DASH.finditer(text))
    found.extend(
        (m.start(), 2, m.end())
        for m in _BREAK_WORD.finditer(lower)
        if not m.start() or not _WORD_CHAR.match(lower, m.start() - 1)
    )
    found.sort()
    starts = [0]
    last_end = 0
    for start, _, end in found:
        if start >= last_end:  # a match never overlaps the one before, as in one scan
            starts.append(end)
            last_end = end
    return starts


def _clause_bounds(starts: list[int], text_length: int, position: int) -> tuple[int, int]:
    index = bisect_right(starts, position) - 1
    end = starts[index + 1] if index + 1 < len(starts) else text_length
    return starts[index], end


def _last_words(fragment: str, count: int) -> str:
    words = _WORD.findall(fragment)
    return " ".join(words[-count:])


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    found = deque(matches, maxlen=1)
    return found[0] if found else None


def _after_soft_break(fragment: str) -> str:
    # Negation and plans rarely reach across a comma: "No HW assigned, reviewed prior log".
    # (The last of `_SOFT_BREAK`, found with three string searches rather than a regex scan.)
    last = max(fragment.rfind(","), fragment.rfind(":"), fragment.rfind("("))
    return fragment[last + 1 :] if last >= 0 else fragment


def _field_kind(value: str) -> str | None:
    """The kind a templated field's value implies; None when it is not this rule's business."""
    if not value.strip():
        return None
    if r.FIELD_NEGATIVE.match(value):
        return "negated"
    return "positive"


def _is_school(
    match: re.Match[str], language: str, clause: str, school: list[tuple[int, int]]
) -> bool:
    noun_span = _group_span(match, "noun") or match.span()
    for start, end in school:
        if start < noun_span[1] and noun_span[0] < end:
            return True
    noun = match.group("noun") if "noun" in match.re.groupindex else None
    if noun is None or not r.GENERIC_NOUN.match(noun.strip()):
        return False
    # A bare "homework" with school words around and no sign of therapy is school homework.
    return bool(r.SCHOOL_CONTEXT.search(clause)) and not r.THERAPY_CONTEXT.search(
        clause.replace(noun, " ")
    )


def _group_span(match: re.Match[str], name: str) -> tuple[int, int] | None:
    if name not in match.re.groupindex or match.group(name) is None:
        return None
    return match.span(name)


def _owner_is_other(
    text: str, clause_start: int, verb_start: int, language: str, *, doer: bool
) -> bool:
    """Whether the nearest person named before the verb is someone other than the family."""
    owner = _last(r.OWNER[language].finditer(text, clause_start, verb_start))
    if owner is None:
        return False
    return owner.group("other") is not None or (doer and owner.group("clinician") is not None)


def _unchecked_box(text: str, position: int) -> bool:
    """Whether the nearest checkbox before `position` on its line is empty ("[ ] HW assigned")."""
    line_start = text.rfind("\n", 0, position) + 1
    box = _last(r.CHECKBOX.finditer(text, line_start, position))
    return box is not None and (box.group("empty") is not None or box.group("open") is not None)


def _instructed_by_other(text: str, clause_start: int, start: int, language: str) -> bool:
    """ "Psychiatrist instructed family to give ...": someone else gave the instruction."""
    matched = r.INSTRUCTED_BY.get(language)
    if matched is None or not matched.match(text, start):
        return False
    owner = _last(r.OWNER[language].finditer(text, clause_start, start))
    return owner is not None and owner.group("other") is not None


def _client_named(text: str, clause_start: int, verb_start: int, language: str) -> bool:
    return any(
        m.group("client") for m in r.OWNER[language].finditer(text, clause_start, verb_start)
    )


def _judge(
    rule: r.Rule,
    match: re.Match[str],
    text: str,
    language: str,
    starts: list[int],
    school: list[tuple[int, int]],
    boxes: bool = True,
    meds: bool = True,
) -> str | None:
    """The kind of one candidate, or None when it is not evidence at all."""
    start, end = match.span()
    clause_start, clause_end = _clause_bounds(starts, len(text), start)
    clause_start = min(clause_start, start)
    clause = text[clause_start:clause_end]
    before = _after_soft_break(text[clause_start:start])
    matched = match.group(0)

    if rule.id in r.OWNER_ONLY_RULES:
        return "other_person"
    if rule.id in r.SCHOOL_ONLY_RULES:
        return "school"
    if boxes and _unchecked_box(text, start):
        return "negated"
    if rule.is_field:
        value = match.group("val")
        if rule.label == r.ASSIGNED and (
            r.FIELD_REVIEW_WORDS.match(value)
            or r.REVIEW_FIELD_PREFIX.search(text, max(0, start - 6), start)
        ):
            return None
        kind = _field_kind(value)
        if kind is None:
            return None
        if kind == "positive" and _is_school(match, language, clause, school):
            return "school"
        # "Checked in on last week's exposure practice: ...": a heading being reviewed.
        if (
            kind == "positive"
            and rule.label == r.ASSIGNED
            and (
                r.PRIOR_PREFIX[language].search(before)
                or r.REVIEWED_OBJECT[language].search(before[-40:])
            )
        ):
            return "prior"
        return kind
    if _is_school(match, language, clause, school):
        return "school"
    verb = _group_span(match, "verb")
    if _owner_is_other(text, clause_start, verb[0] if verb else start, language, doer=rule.doer):
        return "other_person"
    if rule.doer and rule.label == r.ASSIGNED:
        if _instructed_by_other(text, clause_start, start, language):
            return "other_person"
        if meds and r.MEDICATION.search(text, start, end):
            return "other_person"
    if rule.needs_person and not _client_named(
        text, clause_start, verb[0] if verb else start, language
    ):
        return None
    if rule.negatable:
        window = _last_words(before, NEGATION_WINDOW)
        inner = matched[: (verb[1] - start)] if verb else matched
        if r.NEGATION[language].search(window) or r.NEGATION[language].search(inner):
            return "negated"
        # "Gave no homework": a negation right before the object.
        noun = _group_span(match, "noun")
        if verb and noun and verb[1] < noun[0]:
            gap = text[verb[1] : noun[0]]
            if r.MAY_NEGATE.search(gap) and r.NEGATION[language].search(_last_words(gap, 2)):
                return "negated"
    # "Ran out of time to review last week's log", "last week's log was not discussed".
    if rule.label == r.REVIEWED and (
        r.NOT_REVIEWED_BEFORE[language].search(before[-60:])
        or (rule.id in r.PRIOR_TASK_RULES and r.NOT_REVIEWED_AFTER[language].match(text, end))
    ):
        return "negated"
    if rule.future:
        window = _last_words(before, FUTURE_WINDOW)
        if (
            r.FUTURE_PREFIX[language].search(window)
            or r.FUTURE_INNER[language].search(matched)
            or r.FUTURE_SUFFIX[language].match(text, end, clause_end)
        ):
            return "future"
    if rule.prior and (
        r.PRIOR_PREFIX[language].search(text[clause_start:start])
        or (rule.id in r.PASSIVE_RULES and r.REVIEWED_OBJECT[language].search(before[-40:]))
        or r.PRIOR_SUFFIX[language].match(text, end, clause_end)
    ):
        return "prior"
    if rule.past_report and r.IN_SESSION.search(clause) and not r.AT_HOME.search(clause):
        return "in_session"
    if rule.needs_between and not r.BETWEEN[language].search(clause):
        return None
    return "positive"


def _dedupe(candidates: list[Evidence]) -> list[Evidence]:
    """One piece of evidence per stretch of text and label; positives win over ignored ones."""
    # A templated field ("HW reviewed: N/A") is the note's own answer: it beats the free-text
    # rule that sees "HW reviewed" in it.
    ordered = sorted(
        candidates,
        key=lambda e: (
            not r.RULES_BY_ID[e.rule].is_field,
            e.kind != "positive",
            e.start,
            -(e.end - e.start),
        ),
    )
    kept: list[Evidence] = []
    for item in ordered:
        if any(k.label == item.label and k.start < item.end and item.start < k.end for k in kept):
            continue
        kept.append(item)
    kept.sort(key=lambda e: (e.start, e.label))
    return kept


SCHOOL_RULE = {"en": r.RULES_BY_ID["S-EN-SCHOOL"], "es": r.RULES_BY_ID["S-ES-SCHOOL"]}
RULES_BY_LANGUAGE = {
    language: tuple((x, r.trigger_groups(x.id)) for x in r.RULES if x.language == language)
    for language in ("en", "es")
}
_DIGIT = re.compile(r"\d+")
# Every word some rule (or a per-note check) looks for: only these need clause masks.
_VOCABULARY = (
    frozenset(
        word
        for groups in RULES_BY_LANGUAGE.values()
        for _, group in groups
        for g in group
        for word in g
    )
    | r.MEDICATION_WORDS
)


class _Clauses:
    """The note cut into clauses, with the words of each, to scope every rule's scan.

    `masks` maps each trigger word to a bit mask of the clauses that hold it (bit i: clause i),
    so a rule's clauses are the OR of its trigger words' masks: a few integer operations per
    rule. Words no rule triggers on (most of a note) get no mask.
    """

    def __init__(self, text: str) -> None:
        lower = text.lower()
        self.starts = _clause_starts(text, lower)
        self.ends = [*self.starts[1:], len(text)]
        if len(lower) != len(text):
            lower = ""
        self.tokens: list[str] = []
        masks: dict[str, int] = {}
        get = masks.get
        wanted = _VOCABULARY.intersection
        for index, (start, end) in enumerate(zip(self.starts, self.ends, strict=True)):
            found = (
                _TOKEN.findall(lower, start, end)
                if lower
                else _TOKEN.findall(text[start:end].lower())
            )
            self.tokens.extend(found)
            bit = 1 << index
            for word in wanted(found):  # most words of a note are no rule's trigger
                masks[word] = get(word, 0) | bit
        digits = 0
        for match in _DIGIT.finditer(text):
            digits |= 1 << (bisect_right(self.starts, match.start()) - 1)
        if digits:
            masks[r.DIGITS] = digits
        self.masks = masks
        self.words = frozenset(masks)

    def ranges(self, groups: tuple[frozenset[str], ...]) -> list[tuple[int, int]]:
        """Stretches of consecutive clauses holding a word of every group; [] when none."""
        found = -1
        words, bits = self.words, self.masks.__getitem__
        for group in groups:
            common = group & words
            if not common:
                return []
            found &= reduce(or_, map(bits, common))
            if not found:
                return []
        spans: list[tuple[int, int]] = []
        while found:
            low = found & -found
            found ^= low
            index = low.bit_length() - 1
            start, end = self.starts[index], self.ends[index]
            if spans and spans[-1][1] == start:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans


def detect(text: str, language: str | None = None) -> Detection:
    """Read one progress note and answer both audit questions, with evidence."""
    return _detect(text, language, scoped=True)


def _detect(text: str, language: str | None, *, scoped: bool) -> Detection:
    # `scoped=False` scans the whole note with every rule: the slow reference that a test
    # compares with the clause-scoped scan.
    clauses = _Clauses(text)
    language = _normalise_language(language, clauses.tokens)
    starts = clauses.starts
    whole = [(0, len(text))]

    def ranges(groups: tuple[frozenset[str], ...]) -> list[tuple[int, int]]:
        return clauses.ranges(groups) if scoped else whole

    school_rule = SCHOOL_RULE[language]
    school_matches = list(school_rule.finditer(text, ranges(r.trigger_groups(school_rule.id))))
    school = [m.span() for m in school_matches]
    candidates: list[Evidence] = []
    # Most notes have no checkbox and no medication to look for.
    boxes = r.BOX_CHARS.search(text) is not None
    meds = not r.MEDICATION_WORDS.isdisjoint(clauses.words)
    words = clauses.words
    for rule, groups in RULES_BY_LANGUAGE[language]:
        if rule is school_rule:
            matches: Iterator[re.Match[str]] | list[re.Match[str]] = school_matches
        else:
            if scoped and groups[0].isdisjoint(words):  # the cheap test first: most rules
                continue
            spans = ranges(groups)
            if not spans:
                continue
            matches = rule.finditer(text, spans)
        for match in matches:
            kind = _judge(rule, match, text, language, starts, school, boxes, meds)
            if kind is None:
                continue
            start, end = match.span()
            # Trailing spaces and punctuation caught by open-ended patterns are not evidence.
            snippet = match.group(0).rstrip(" ,:-")
            end = start + len(snippet)
            candidates.append(Evidence(rule.label, start, end, snippet, rule.id, kind))
    evidence = _dedupe(candidates)
    positive = {e.label for e in evidence if e.kind == "positive"}
    return Detection(
        homework_assigned="homework_assigned" in positive,
        homework_reviewed="homework_reviewed" in positive,
        language=language,
        evidence=evidence,
    )
