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

from between.bulkwrite import reserve_ids, write_rows

RowWriter = Callable[[type[models.Model], Sequence[models.Model]], None]


def orm_write(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """The default: Django's bulk_create."""
    if rows:
        model._default_manager.bulk_create(rows)


def _concrete_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields]


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
    ids = reserve_ids(model, len(missing))
    if ids is None:
        # The generator holds SQLite's write lock (IMMEDIATE transaction): nobody else can
        # take these ids in the meantime.
        table = model._meta.db_table
        with connection.cursor() as cursor:
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
    write_rows(model, attnames, ([getattr(obj, name) for name in attnames] for obj in rows))
