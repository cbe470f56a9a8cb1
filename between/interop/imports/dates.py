"""Dates as US EHR exports write them: 2025-03-04, 03/04/2025, 3/4/25, 03-04-2025, Mar 4 2025.

Numeric dates are month first (the US order). A date of the right shape that does not exist
(02/30/2025) is an `ImpossibleDate`, told apart from text that is not a date at all.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
US = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})(?:\s+.*)?$")
COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
NAMED_FORMATS = ("%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y")
TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?\s*$")


class NotADate(ValueError):
    pass


class ImpossibleDate(ValueError):
    pass


def _year(text: str, today: date) -> int:
    """Two-digit years: this century unless that is more than a year ahead (birth dates)."""
    year = int(text)
    if len(text) == 2:
        year += 2000
        if year > today.year + 1:
            year -= 100
    return year


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ImpossibleDate(str(error)) from None


def parse_date(value: object, *, hint: str = "", today: date | None = None) -> date:
    """A date from a cell: a date/datetime object (Excel) or text in a common US format."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    today = today or date.today()
    if hint:
        try:
            return datetime.strptime(text, hint).date()
        except ValueError:
            pass
    if match := ISO.match(text):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if match := US.match(text):
        return _make(_year(match[3], today), int(match[1]), int(match[2]))
    if match := COMPACT.match(text):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    cleaned = re.sub(r"[,.]", " ", text)
    cleaned = " ".join(cleaned.split()[:3])
    for form in NAMED_FORMATS:
        try:
            return datetime.strptime(cleaned, form).date()
        except ValueError as error:
            if "out of range" in str(error):
                raise ImpossibleDate(str(error)) from None
    raise NotADate(text)


def parse_time(value: object) -> time:
    """The time of day of a datetime cell or text ("14:30", "2:30 PM"); midnight if none."""
    if isinstance(value, datetime):
        return value.time()
    match = TIME.search(str(value).strip())
    if not match:
        return time(0, 0)
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if match[4]:
        if hour > 12 or hour == 0:
            raise ImpossibleDate("hour")
        hour = hour % 12 + (12 if match[4].lower() == "pm" else 0)
    try:
        return time(hour, minute, second)
    except ValueError as error:
        raise ImpossibleDate(str(error)) from None
