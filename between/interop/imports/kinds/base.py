"""What every kind of import shares: field specs, cell conversion, the run context, audit rows.

A kind (programs, staff, clients, ...) declares its fields and implements two steps over a chunk
of converted rows: `check` (resolve references, apply the same rules as clinic/actions.py, return
row errors) and `upsert` (compare with what is stored, count new/changed/unchanged rows and,
when writing, insert and update in bulk with one audit event per created or changed object).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit
from between.accounts.models import AuditEvent, Membership, Role, User
from between.bulkwrite import write_rows
from between.clinic.models import Organization, Program
from between.interop.imports.dates import ImpossibleDate, parse_date, parse_time
from between.interop.imports.models import StaffLink

TRUE = {"y", "yes", "true", "t", "1", "x", "si", "sí"}
FALSE = {"n", "no", "false", "f", "0", ""}


class RowError(ValueError):
    """A bad row: the reason names fields and EHR ids only, never names, dates or text."""


@dataclass(frozen=True)
class Field:
    name: str
    required: bool = False
    type: str = "text"  # text, choice, date, datetime, bool, int
    max_length: int = 64
    choices: tuple[tuple[str, str], ...] = ()
    default: Any = ""


def choice_field(name: str, choices: Any, default: str) -> Field:
    return Field(
        name, type="choice", choices=tuple((v, str(lbl)) for v, lbl in choices), default=default
    )


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    resolved: dict[str, Any] = field(default_factory=dict)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class Context:
    """One import run: whose, for which organization, limited to which programs."""

    organization: Organization
    actor: User | None
    # Programs the actor may import into; None: every program of the organization.
    program_ids: set[int] | None
    today: date
    date_hint: str = ""
    audit: list[dict[str, Any]] = field(default_factory=list)

    def in_scope(self, program_id: int) -> bool:
        return self.program_ids is None or program_id in self.program_ids

    def record(
        self,
        action: str,
        obj_type: str,
        obj_id: int,
        *,
        client_id: int | None = None,
        program_id: int | None = None,
        detail: str = "",
    ) -> None:
        """Queue one audit event with the fields `accounts.audit.record` writes; `flush_audit`
        writes them in bulk in the import's transaction (one INSERT per object would be the
        slowest part of a million-row import). Ids and field names only, as there."""
        self.audit.append(
            {
                "at": timezone.now(),
                "actor_id": self.actor.pk if self.actor is not None else None,
                "action": action,
                "outcome": "ok",
                "object_type": obj_type,
                "object_id": str(obj_id),
                "client_id": client_id,
                "program_id": program_id,
                "ip_address": None,
                "path": "",
                "detail": detail[:200],
            }
        )

    def flush_audit(self) -> None:
        """Write the queued events, stamped with the time they are written (one per chunk)."""
        at = timezone.now()
        for event in self.audit:
            event["at"] = at
        insert_rows(AuditEvent, audit.linked_rows(self.audit))
        self.audit = []


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows (dicts of column attribute → value, all with the same keys), not returning
    ids, with `bulkwrite.write_rows`: bulk_create spent most of a large import building model
    instances (about 1,500 sessions a second with their audit events on SQLite)."""
    if rows:
        names = list(rows[0])
        write_rows(model, names, ([row[name] for name in names] for row in rows))


def changed_detail(names: list[str]) -> str:
    return "import:" + ",".join(names)


def convert(spec: Field, raw: Any, ctx: Context) -> Any:
    """One cell as the field's Python value, or RowError."""
    if isinstance(raw, float) and raw.is_integer() and spec.type in ("text", "choice", "int"):
        raw = int(raw)  # Excel stores ids typed as numbers as floats
    text = raw.strip() if isinstance(raw, str) else ("" if raw is None else raw)
    if text == "" or text is None:
        if spec.required:
            raise RowError(_("missing required field %(field)s") % {"field": spec.name})
        return spec.default
    if spec.type in ("date", "datetime"):
        return _convert_date(spec, text, ctx)
    if spec.type == "bool":
        lowered = str(text).strip().lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise RowError(_("%(field)s is not yes or no") % {"field": spec.name})
    if spec.type == "int":
        try:
            number = int(str(text))
        except ValueError:
            raise RowError(_("%(field)s is not a whole number") % {"field": spec.name}) from None
        if not 0 <= number <= 32767:
            raise RowError(_("%(field)s is out of range") % {"field": spec.name})
        return number
    value = str(text)
    if spec.type == "choice":
        lowered = value.lower()
        for code, label in spec.choices:
            if lowered in (code.lower(), label.lower()):
                return code
        raise RowError(_("unknown value for %(field)s") % {"field": spec.name})
    if len(value) > spec.max_length:
        raise RowError(
            _("%(field)s is longer than %(max)s characters")
            % {"field": spec.name, "max": spec.max_length}
        )
    return value


def _convert_date(spec: Field, value: Any, ctx: Context) -> date | datetime:
    try:
        day = parse_date(value, hint=ctx.date_hint, today=ctx.today)
        if spec.type == "date":
            return day
        moment = datetime.combine(day, parse_time(value))
    except ImpossibleDate:
        raise RowError(_("impossible date in %(field)s") % {"field": spec.name}) from None
    except ValueError:
        raise RowError(_("%(field)s is not a date") % {"field": spec.name}) from None
    return timezone.make_aware(moment)


def differences(stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """Names of the fields whose stored value differs from the file's."""
    return [name for name, value in wanted.items() if stored.get(name) != value]


# --- Lookups bounded by the county's size (programs, staff, clients) ---------------------------


class Directory:
    """Programs and staff of the organization, loaded once per run (hundreds to thousands)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.programs: dict[str, int] = dict(
            Program.objects.filter(organization=ctx.organization).values_list("code", "pk")
        )
        self.program_codes = {pk: code for code, pk in self.programs.items()}
        memberships = Membership.objects.filter(program__organization=ctx.organization)
        self.clinical_roles: dict[int, set[int]] = {}
        for user_id, program_id in memberships.filter(
            role__in=(Role.CLINICIAN, Role.SUPERVISOR)
        ).values_list("user_id", "program_id"):
            self.clinical_roles.setdefault(user_id, set()).add(program_id)
        self.staff: dict[str, int] = {
            username.lower(): pk
            for pk, username in User.objects.filter(
                pk__in=memberships.values("user_id"), is_active=True
            ).values_list("pk", "username")
        }
        # An EHR staff id wins over a username that happens to look the same.
        self.staff.update(
            StaffLink.objects.filter(organization=ctx.organization).values_list("ehr_id", "user_id")
        )

    def program(self, code: str) -> int:
        """The program of a code the actor may import into, or RowError."""
        pk = self.programs.get(code)
        if pk is None:
            raise RowError(_("unknown program %(code)s") % {"code": code})
        self.require_scope(pk)
        return pk

    def require_scope(self, program_id: int) -> None:
        if not self.ctx.in_scope(program_id):
            raise RowError(
                _("program %(code)s is not one you administer")
                % {"code": self.program_codes.get(program_id, program_id)}
            )

    def clinician(self, name: str, program_id: int, field_name: str = "clinician") -> int:
        """A clinician or supervisor of the program, named by EHR staff id or username."""
        pk = self.staff.get(name) or self.staff.get(name.lower())
        if pk is None:
            raise RowError(
                _("unknown clinician %(name)s in %(field)s") % {"name": name, "field": field_name}
            )
        if program_id not in self.clinical_roles.get(pk, set()):
            raise RowError(
                _("clinician %(name)s is not on the staff of program %(code)s")
                % {"name": name, "code": self.program_codes.get(program_id, program_id)}
            )
        return pk


def client_index(ctx: Context) -> dict[str, tuple[int, int]]:
    """EHR client id → (pk, program pk) for the organization (bounded by the caseload)."""
    from between.clinic.models import Client

    return {
        ehr_id: (pk, program_id)
        for ehr_id, pk, program_id in Client.objects.filter(
            organization=ctx.organization
        ).values_list("ehr_id", "pk", "program_id")
    }


class Kind(ABC):
    """A kind of import. Subclasses set `name`, `fields`, and implement the three steps."""

    name = ""
    fields: tuple[Field, ...] = ()
    model: type[models.Model] | None = None

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @abstractmethod
    def check(self, rows: list[Row]) -> list[tuple[int, str]]:
        """Resolve references of a chunk of rows; return errors (rows with errors are dropped)."""

    @abstractmethod
    def key(self, row: Row) -> tuple[Any, ...]:
        """What identifies the row's record: two rows with the same key are duplicates."""

    @abstractmethod
    def upsert(self, rows: list[Row], *, write: bool) -> Counts:
        """Write (or, with write=False, only count) the chunk's creates and changes."""

    def check_rows(self, rows: list[Row], per_row: Any) -> list[tuple[int, str]]:
        """Run `per_row(row)` on each row, collecting RowErrors; keep only the good rows."""
        errors: list[tuple[int, str]] = []
        good: list[Row] = []
        for row in rows:
            try:
                per_row(row)
            except RowError as error:
                errors.append((row.line, str(error)))
            else:
                good.append(row)
        rows[:] = good
        return errors
