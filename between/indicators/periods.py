"""Calendar periods of the indicators: weeks (Monday to Sunday), months and quarters."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

GRAINS = ("week", "month", "quarter")


def period_start(grain: str, day: date) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"unknown grain {grain!r}")


def period_end(grain: str, start: date) -> date:
    """The last day (inclusive) of the period that begins on `start`."""
    if grain == "week":
        return start + timedelta(days=6)
    months = 1 if grain == "month" else 3
    last_month = start.month + months - 1
    year = start.year + (last_month - 1) // 12
    month = (last_month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def next_start(grain: str, start: date) -> date:
    return period_end(grain, start) + timedelta(days=1)


def periods(grain: str, first: date, last: date) -> Iterator[date]:
    """Starts of every period that overlaps first..last."""
    start = period_start(grain, first)
    while start <= last:
        yield start
        start = next_start(grain, start)


def label(grain: str, start: date) -> str:
    """A short, sortable label: 2026-W07, 2026-02, 2026-Q1."""
    if grain == "week":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if grain == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
