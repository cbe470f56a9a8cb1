"""Scoring an instrument's answers, from the instrument's own definition. No Django imports.

A definition is one entry of data/instruments.json (or the same fields stored on an
`Instrument`): `options` (the answer values), `items` (key, subscale, reverse) and `scoring`:

- method: "sum" (a blank item scores 0, as the PSC's authors score it) or "mean" (the mean of
  the answered items, as the YSS-F is scored);
- max_missing: a form with more blank items than this is not scored (total None, is_valid
  False, with the reason);
- total.cutoff and subscales.<name>.cutoff: a score at or above the cutoff is "positive";
- age_rules (optional): for children of min_age..max_age, the `not_scored` items are left out
  (they neither score nor count as blank) and `total_cutoff` replaces the total's cutoff. The
  PSC-35's school items for ages 4–5 are the one such rule today.

Reverse items score (lowest + highest option) − answer. No instrument shipped has one, but
the data format allows them and `score` honors them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Answer = int | None


@dataclass(frozen=True)
class Score:
    """The scores of one completed form.

    - total, subscales: None when the form is not scored (too many blanks)
    - is_valid False with `reason` (plain English, for staff) when not scored
    - missing: the blank items that count as blank; not_scored: items the age rule left out
    - positive: name ("total" or a subscale) -> at or above its cutoff (only names with one)
    - total_cutoff: the cutoff that applied to the total (after the age rule), or None
    """

    total: float | None
    subscales: dict[str, float | None]
    is_valid: bool
    reason: str
    missing: tuple[str, ...]
    not_scored: tuple[str, ...]
    positive: dict[str, bool] = field(default_factory=dict)
    total_cutoff: float | None = None


def option_values(definition: Mapping[str, Any]) -> list[int]:
    return [int(option["value"]) for option in definition["options"]]


def item_keys(definition: Mapping[str, Any]) -> list[str]:
    return [str(item["key"]) for item in definition["items"]]


def age_rule(definition: Mapping[str, Any], age: int | None) -> Mapping[str, Any] | None:
    """The age rule that applies to a child of this age, if any (none when age is unknown)."""
    if age is None:
        return None
    for rule in definition["scoring"].get("age_rules") or ():
        if int(rule["min_age"]) <= age <= int(rule["max_age"]):
            return rule
    return None


def problems(definition: Mapping[str, Any], answers: Mapping[str, object]) -> list[str]:
    """What is wrong with these answers (unknown items, values that are not options)."""
    keys = set(item_keys(definition))
    values = option_values(definition)
    found = [f"{key!r} is not an item of this instrument" for key in answers if key not in keys]
    for key, value in answers.items():
        if key not in keys or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value not in values:
            found.append(f"{key}: {value!r} is not one of the answers {values}")
    return found


def scored_items(definition: Mapping[str, Any], age: int | None) -> list[str]:
    """The item keys that count for a child of this age, in order."""
    rule = age_rule(definition, age)
    left_out = set(rule["not_scored"]) if rule else set()
    return [key for key in item_keys(definition) if key not in left_out]


def _combine(method: str, values: Sequence[int | None]) -> float | None:
    if method == "sum":
        return float(sum(v for v in values if v is not None))
    answered = [v for v in values if v is not None]
    return sum(answered) / len(answered) if answered else None


def score(
    definition: Mapping[str, Any], answers: Mapping[str, Answer], *, age: int | None = None
) -> Score:
    """Score one form. `answers` maps item keys to an option value or None (blank); items not
    in `answers` are blank. Raises ValueError for unknown items or values (see `problems`)."""
    found = problems(definition, answers)
    if found:
        raise ValueError("; ".join(found))
    scoring = definition["scoring"]
    method = scoring["method"]
    if method not in ("sum", "mean"):
        raise ValueError(f"unknown scoring method {method!r}")
    values = option_values(definition)
    low, high = min(values), max(values)
    reverse = {str(i["key"]) for i in definition["items"] if i.get("reverse")}

    rule = age_rule(definition, age)
    counted = scored_items(definition, age)
    not_scored = tuple(key for key in item_keys(definition) if key not in counted)
    scored: dict[str, int | None] = {}
    for key in counted:
        value = answers.get(key)
        if value is not None and key in reverse:
            value = low + high - value
        scored[key] = value
    missing = tuple(key for key, value in scored.items() if value is None)

    total_cutoff = scoring["total"].get("cutoff")
    if rule is not None and rule.get("total_cutoff") is not None:
        total_cutoff = rule["total_cutoff"]
    subscale_names = list(scoring.get("subscales") or {})
    limit = int(scoring["max_missing"])
    if len(missing) > limit:
        return Score(
            total=None,
            subscales=dict.fromkeys(subscale_names),
            is_valid=False,
            reason=(
                f"{len(missing)} items are blank; a form with more than {limit} blank items "
                "is not scored"
            ),
            missing=missing,
            not_scored=not_scored,
            total_cutoff=total_cutoff,
        )

    total = _combine(method, list(scored.values()))
    subscales: dict[str, float | None] = {}
    positive: dict[str, bool] = {}
    if total is not None and total_cutoff is not None:
        positive["total"] = total >= total_cutoff
    for name, subscale in (scoring.get("subscales") or {}).items():
        members = [scored[key] for key in subscale["items"] if key in scored]
        part = _combine(method, members) if members else None
        subscales[name] = part
        if part is not None and subscale.get("cutoff") is not None:
            positive[name] = part >= subscale["cutoff"]
    return Score(
        total=total,
        subscales=subscales,
        is_valid=total is not None,
        reason="" if total is not None else "no item was answered",
        missing=missing,
        not_scored=not_scored,
        positive=positive,
        total_cutoff=total_cutoff,
    )
