"""The kinds of EHR file the importer reads, by name."""

from __future__ import annotations

from between.interop.imports.kinds.base import Context, Counts, Field, Kind, Row, RowError
from between.interop.imports.kinds.contacts import NotesKind, SessionsKind
from between.interop.imports.kinds.people import (
    CaregiversKind,
    ClientsKind,
    ProgramsKind,
    StaffKind,
)

KINDS: dict[str, type[Kind]] = {
    kind.name: kind
    for kind in (ProgramsKind, StaffKind, ClientsKind, CaregiversKind, SessionsKind, NotesKind)
}

__all__ = ["KINDS", "Context", "Counts", "Field", "Kind", "Row", "RowError"]
