"""Small-cell suppression for aggregates shown to people without record-level access.

Counts from 1 to `max_small` could identify a child in a small program, so they are shown as a
range; zero and larger counts are shown as they are.
"""

from __future__ import annotations


def is_small_cell(count: int, max_small: int = 10) -> bool:
    return 1 <= count <= max_small


def suppress(count: int, max_small: int = 10) -> str:
    """The count as text, or "1–{max_small}" when it is a small cell."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    return f"1–{max_small}" if is_small_cell(count, max_small) else str(count)
