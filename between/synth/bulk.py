"""How the generator writes its buffered rows: Django's `bulk_create`, or a fast path for
benchmark counties of millions of rows.

`bulk_create` spends most of its time building SQL (a placeholder and a `get_db_prep_save`
per value: about three quarters of a county's generation, measured); the database itself is
quick. `fast_write` writes the same rows with one `COPY ... FROM STDIN` per model on PostgreSQL
and one `executemany` per model on SQLite. It gives the rows their ids first (from the table's
sequence on PostgreSQL, from the largest id under the write lock on SQLite), so children find
their parents' ids exactly as after `bulk_create`, and the rows are the same either way.

The fast path writes inside the generator's transaction and skips nothing the generator
relies on: defaults were applied when the instances were made, `auto_now_add` fields are
filled here as `bulk_create` fills them; no signals are sent (bulk_create sends none either).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

RowWriter = Callable[[type[models.Model], Sequence[models.Model]], None]


def orm_write(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """The default: Django's bulk_create."""
    if rows:
        model._default_manager.bulk_create(rows)


def _concrete_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields]


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How one value becomes a parameter the driver takes as it is (None: unchanged)."""
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    if connection.vendor == "postgresql":
        return None  # psycopg adapts str, int, bool, date, datetime, UUID, Decimal natively
    if isinstance(field, models.DateTimeField):
        return lambda value: connection.ops.adapt_datetimefield_value(value)
    if isinstance(field, models.DateField):
        return lambda value: connection.ops.adapt_datefield_value(value)
    if isinstance(field, models.UUIDField):
        return lambda value: None if value is None else value.hex
    if isinstance(field, models.DecimalField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _fix_parents(rows: Sequence[models.Model], model: type[models.Model]) -> None:
    """Foreign keys to parents that got their id after the child was made (as bulk_create
    does in `_prepare_related_fields_for_save`)."""
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey):  # OneToOneField is one too
            continue
        attname = field.attname
        for obj in rows:
            if getattr(obj, attname) is None and field.is_cached(obj):
                parent = field.get_cached_value(obj)
                if parent is not None:
                    setattr(obj, attname, parent.pk)


def _assign_ids(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    pk = model._meta.pk
    assert pk is not None
    missing = [obj for obj in rows if obj.pk is None]
    if not missing:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(missing)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        else:
            # The generator holds SQLite's write lock (IMMEDIATE transaction): nobody else
            # can take these ids in the meantime.
            cursor.execute(f'SELECT COALESCE(MAX("{pk.column}"), 0) FROM "{table}"')  # noqa: S608
            first = cursor.fetchone()[0] + 1
            ids = list(range(first, first + len(missing)))
    for obj, new_id in zip(missing, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias


def fast_write(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Write `rows` of `model` with COPY (PostgreSQL) or executemany (SQLite)."""
    if not rows:
        return
    _fix_parents(rows, model)
    _assign_ids(model, rows)
    fields = _concrete_fields(model)
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in rows:
                field.pre_save(obj, add=True)
    attnames = [f.attname for f in fields]
    converters = [_converter(f) for f in fields]
    converted = [(i, c) for i, c in enumerate(converters) if c is not None]

    def values(obj: models.Model) -> list[Any]:
        row = [getattr(obj, name) for name in attnames]
        for index, convert in converted:
            if row[index] is not None:
                row[index] = convert(row[index])
        return row

    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in rows:
                    copy.write_row(values(obj))
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                [values(obj) for obj in rows],
            )
