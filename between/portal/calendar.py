"""The This week page's numbers: practice days and a gentle streak. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

RANK = {"done": 3, "partly": 2, "not": 1}
WEEKS = 4


def best_by_day(reports: Iterable[tuple[date, str]]) -> dict[date, str]:
    best: dict[date, str] = {}
    for day, completion in reports:
        if RANK.get(completion, 0) > RANK.get(best.get(day, ""), 0):
            best[day] = completion
    return best


def weeks(best: dict[date, str], today: date, count: int = WEEKS) -> list[list[dict[str, Any]]]:
    """The last `count` weeks, Monday first, each day with its best report."""
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=count - 1)
    return [
        [
            {
                "day": day,
                "state": best.get(day, ""),
                "future": day > today,
                "today": day == today,
            }
            for day in (first + timedelta(weeks=w, days=d) for d in range(7))
        ]
        for w in range(count)
    ]


def streak(best: dict[date, str], today: date) -> int:
    """Days in a row with some practice, up to today (or yesterday: today is not over yet)."""
    day = today if best.get(today) in ("done", "partly") else today - timedelta(days=1)
    run = 0
    while best.get(day) in ("done", "partly"):
        run += 1
        day -= timedelta(days=1)
    return run


def days_this_week(best: dict[date, str], today: date) -> int:
    monday = today - timedelta(days=today.weekday())
    return sum(
        1 for day, state in best.items() if monday <= day <= today and state in ("done", "partly")
    )
