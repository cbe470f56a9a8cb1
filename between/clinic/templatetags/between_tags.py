from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import formats

from between.stats.disclosure import suppress

register = template.Library()


@register.filter
def small_cell(count: int | None) -> str:
    """Show an aggregate count with small cells (1–10 by default) suppressed."""
    return suppress(int(count or 0), settings.SMALL_CELL_MAX)


@register.filter
def percent(value: float | None, places: int = 1) -> str:
    """0.1234 → "12.3%"; None → "—" (no denominator, or suppressed)."""
    if value is None:
        return "—"
    return f"{value * 100:.{int(places)}f}%"


@register.filter
def minutes(seconds: float | None) -> str:
    """Seconds as minutes with one decimal (95 → "1.6"); None → "—"."""
    if seconds is None:
        return "—"
    return formats.number_format(seconds / 60, 1)


@register.filter
def hours(seconds: float | None) -> str:
    """Seconds as hours with one decimal (5400 → "1.5"); None → "—"."""
    if seconds is None:
        return "—"
    return formats.number_format(seconds / 3600, 1)
