"""Writing many rows of one table at once: COPY on PostgreSQL, one `executemany` on SQLite.

`bulk_create` spends most of a large write building model instances and compiling SQL value by
value (bench/, issue 10: three quarters of a county's generation, most of a summary rebuild,
about 1,500 sessions a second in an import). The callers here hold plain values already:

- the synthetic generator's fast path (`synth/bulk.py`),
- the indicator summary's refresh (`indicators/actions.py`),
- imports and their audit events (`interop/imports/kinds/base.py`).

Only the model's own table and column names go into the SQL; values are sent as parameters
(COPY rows on PostgreSQL). Nothing is returned: callers that need the new ids take them first
with `reserve_ids` (PostgreSQL) or read them back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from django.db import connection, models


def write_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT `rows` (values in the order of `columns`, attnames such as `client_id`)."""
    meta = model._meta
    # get_field knows attnames (client_id) as well as names.
    fields = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in columns]
    converters = [(i, c) for i, c in enumerate(map(_converter, fields)) if c is not None]
    # Rows of one write often share a value (a chunk's `created_at`, a period's first day):
    # each distinct one is converted once.
    cache: dict[tuple[int, Any], Any] = {}

    def values(row: Sequence[Any]) -> list[Any]:
        out = list(row)
        for i, convert in converters:
            value = out[i]
            if value is None:
                continue
            try:
                out[i] = cache[(i, value)]
            except KeyError:
                out[i] = cache[(i, value)] = convert(value)
            except TypeError:  # unhashable: a JSON value
                out[i] = convert(value)
        return out

    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (model names)
            [values(row) for row in rows],
        )


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """On PostgreSQL, `count` new ids from the table's sequence, for rows written with ids
    (so that they need not be read back); None on SQLite."""
    if connection.vendor != "postgresql" or not count:
        return None
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How one value becomes a parameter the driver takes as it is (None: unchanged)."""
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    if connection.vendor == "postgresql":
        return None  # psycopg adapts str, int, bool, date, datetime, UUID, Decimal natively
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.UUIDField):
        return lambda value: value.hex
    if isinstance(field, models.DecimalField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None
