"""Cursor pagination: an opaque, signed cursor naming the last row of the previous page.

Rows are ordered by primary key, so a page never repeats or skips a row when others are added
meanwhile (offsets would). The cursor is signed so that a tampered one is a 400, not a 500.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core import signing
from django.db.models import Model, QuerySet

from between.interop.api.errors import ApiError

SALT = "between.interop.api.cursor"
MAX_LIMIT = 200
DEFAULT_LIMIT = 50

M = TypeVar("M", bound=Model)


def encode(position: Any) -> str:
    return signing.dumps(position, salt=SALT, compress=True)


def decode(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        return signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise ApiError(400, "The cursor is not valid.", code="invalid_cursor") from error


def page(queryset: QuerySet[M], cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    """One page of `queryset` by ascending pk after the cursor, and the next page's cursor."""
    after = decode(cursor)
    if after is not None:
        if not isinstance(after, int):
            raise ApiError(400, "The cursor is not valid.", code="invalid_cursor")
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(rows[-1].pk) if more and rows else None
