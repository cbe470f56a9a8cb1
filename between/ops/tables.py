"""The tables a backup holds, their order, and the canonical form of their rows.

A row is written as a JSON array of its column values in a form that does not depend on the
database it came from (datetimes in UTC ISO 8601, decimals as plain strings, binary data as
base64), one row a line, ordered by primary key. The same bytes come out of SQLite and
PostgreSQL for the same data, so a table's SHA-256 over those lines is its checksum on either,
and a SQLite backup can be restored into PostgreSQL and checked there.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.functions import Collate

CHUNK = 2000
# Primary keys PostgreSQL would sort by its locale; "C" sorts them as SQLite and Python do.
_TEXT_KEYS = {"CharField", "TextField", "SlugField", "EmailField", "FilePathField"}


@dataclass(frozen=True)
class Table:
    """One database table of an installed model (auto-created many-to-many tables included)."""

    model: type[models.Model]
    name: str
    fields: tuple[models.Field[Any, Any], ...]

    @property
    def columns(self) -> list[str]:
        return [field.column for field in self.fields]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def installed_tables() -> list[Table]:
    """Every table the installed models own, parents before the tables that refer to them."""
    found: dict[str, Table] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped or meta.db_table in found:
            continue
        fields = tuple(meta.local_concrete_fields)
        found[meta.db_table] = Table(model=model, name=meta.db_table, fields=fields)
    return _dependency_order(found)


def _dependency_order(tables: dict[str, Table]) -> list[Table]:
    """Topological order by foreign keys, by name among equals. A cycle (a template pointing at
    its current version, the version at its template) is broken at the first table by name:
    foreign keys are checked at commit (Django creates them DEFERRABLE INITIALLY DEFERRED)."""
    needs: dict[str, set[str]] = {}
    for name, table in tables.items():
        needs[name] = {
            field.related_model._meta.db_table
            for field in table.fields
            if field.is_relation and isinstance(field.related_model, type)
        } & set(tables) - {name}
    ordered: list[Table] = []
    done: set[str] = set()
    while len(done) < len(tables):
        ready = sorted(name for name in tables if name not in done and needs[name] <= done)
        if not ready:
            ready = [min(name for name in tables if name not in done)]
        for name in ready:
            done.add(name)
            ordered.append(tables[name])
    return ordered


def ordered_rows(table: Table, connection: BaseDatabaseWrapper) -> Iterator[tuple[Any, ...]]:
    """The table's rows as Python values (Django's converters applied), by primary key."""
    pk = table.model._meta.pk
    assert pk is not None
    key: Any = pk.attname
    if connection.vendor == "postgresql" and pk.get_internal_type() in _TEXT_KEYS:
        key = Collate(models.F(pk.attname), "C")
    queryset = (
        table.model._base_manager.using(connection.alias)
        .order_by(key)
        .values_list(*(field.attname for field in table.fields))
    )
    return queryset.iterator(chunk_size=CHUNK)


def encode(value: Any, field: models.Field[Any, Any]) -> Any:
    """A column value in its portable JSON form."""
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, timedelta):
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"{field.model._meta.db_table}.{field.column}: cannot back up a {type(value)}")


def decode(value: Any, field: models.Field[Any, Any]) -> Any:
    """The Python value of a portable JSON value, ready for `get_db_prep_save`."""
    if value is None or isinstance(field, models.JSONField):
        return value
    kind = field.get_internal_type() if not field.is_relation else _target_type(field)
    if kind == "DateTimeField":
        return datetime.fromisoformat(value)
    if kind == "DateField":
        return date.fromisoformat(value)
    if kind == "TimeField":
        return time.fromisoformat(value)
    if kind == "DecimalField":
        return Decimal(value)
    if kind == "UUIDField":
        return UUID(value)
    if kind == "DurationField":
        return timedelta(microseconds=value)
    if kind == "BinaryField":
        return base64.b64decode(value)
    return value


def _target_type(field: models.Field[Any, Any]) -> str:
    target = field.target_field  # type: ignore[attr-defined]
    return str(target.get_internal_type())


def canonical_line(row: Iterable[Any], table: Table) -> bytes:
    values = [encode(value, field) for value, field in zip(row, table.fields, strict=True)]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.encode("utf-8") + b"\n"


@dataclass
class Digest:
    """Row count and SHA-256 over a table's canonical lines."""

    rows: int = 0
    sha256: str = ""

    def __post_init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, line: bytes) -> None:
        self.rows += 1
        self._hash.update(line)

    def finish(self) -> Digest:
        self.sha256 = self._hash.hexdigest()
        return self


def table_digest(table: Table, connection: BaseDatabaseWrapper) -> Digest:
    digest = Digest()
    for row in ordered_rows(table, connection):
        digest.add(canonical_line(row, table))
    return digest.finish()
