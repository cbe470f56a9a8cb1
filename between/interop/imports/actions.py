"""Importing an EHR file: validate it whole (a report of every bad row), then commit it at once.

- `validate_import` reads the file in one streaming pass, holding only lookups bounded by the
  county's size and 12 bytes per row for finding duplicate ids; it writes nothing but the batch.
- `commit_import` reads the file again and upserts it in chunks inside ONE transaction: a killed
  process leaves nothing of the batch (the transaction never commits), and running the import
  again completes it. Rows equal to what is stored are counted as unchanged and not written.
- `import_file` does both in one pass (`between import`): it reads the file once, writing as it
  checks in one transaction that is rolled back if any row is bad, with the same report.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit
from between.accounts.models import AuditAction, User
from between.clinic.actions import today
from between.clinic.models import Organization
from between.interop.imports.kinds import KINDS, Context, Counts, Kind, Row, RowError
from between.interop.imports.kinds.base import Field, convert
from between.interop.imports.models import BatchStatus, ImportBatch, ImportProfile
from between.interop.imports.reading import FileProblem, file_sha256, normalize, open_rows

CHUNK_ROWS = 1000
MAX_LISTED_ERRORS = 1000  # every bad row is counted; the first thousand are listed
# Test-only: stop inside the commit's transaction after this many chunks (the killed-import test).
PAUSE_ENV = "BETWEEN_IMPORT_TEST_PAUSE_AFTER_CHUNKS"

ProgressCallback = Callable[[str, int, int | None], None]  # phase, done, total


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    error_count: int = 0
    counts: Counts = field(default_factory=Counts)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, line: int, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append((line, reason))


class DuplicateFinder:
    """Duplicate keys among millions of rows in 12 bytes a row: a 64-bit hash and a line number
    in compact arrays, sorted once at the end (a set of the keys themselves would hold every
    id of the file as Python objects)."""

    def __init__(self) -> None:
        self.hashes = array("Q")
        self.lines = array("I")

    def add(self, key: tuple[Any, ...], line: int) -> None:
        digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
        self.hashes.append(int.from_bytes(digest, "little"))
        self.lines.append(line)

    def duplicates(self) -> list[tuple[int, int]]:
        """(line, line of the first row with the same key) for each repeated key."""
        import numpy as np

        if not self.hashes:
            return []
        hashes = np.frombuffer(self.hashes, dtype=np.uint64)
        lines = np.frombuffer(self.lines, dtype=np.uint32)
        # Lines were added in order, so a stable sort keeps the first row of a key first.
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        same = ordered[1:] == ordered[:-1]  # same[i]: position i + 1 repeats position i
        found: list[tuple[int, int]] = []
        first = previous = -2
        for i in np.flatnonzero(same).tolist():
            if i != previous + 1:
                first = i  # a new run of equal keys starts at position i
            previous = i
            found.append((int(lines[order[i + 1]]), int(lines[order[first]])))
        return found


def columns_for(kind: type[Kind], header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Our field → the index of its column; the profile's mapping names their header."""
    positions = {normalize(name): i for i, name in enumerate(header)}
    columns: dict[str, int] = {}
    missing: list[str] = []
    for spec in kind.fields:
        their = normalize(mapping.get(spec.name) or spec.name)
        if their in positions:
            columns[spec.name] = positions[their]
        elif spec.required:
            missing.append(spec.name)
    if missing:
        raise FileProblem(
            _("Missing column(s) for required field(s): %(fields)s.")
            % {"fields": ", ".join(missing)},
            1,
        )
    return columns


def _converted(
    present: list[tuple[Field, int]],
    absent: dict[str, Any],
    ctx: Context,
    line: int,
    cells: list[Any],
) -> Row:
    """One row's values: each column of the file converted, the fields it has no column for
    at their defaults (a required field without a column stopped the file at its header)."""
    values: dict[str, Any] = dict(absent)
    problems: list[str] = []
    for spec, index in present:
        raw = cells[index] if index < len(cells) else ""
        try:
            values[spec.name] = convert(spec, raw, ctx)
        except RowError as error:
            problems.append(str(error))
    if problems:
        raise RowError("; ".join(problems))
    return Row(line=line, values=values)


def _chunks(
    kind: type[Kind], columns: dict[str, int], ctx: Context, rows: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[list[Row], list[tuple[int, str]]]]:
    present = [(spec, columns[spec.name]) for spec in kind.fields if spec.name in columns]
    absent = {spec.name: spec.default for spec in kind.fields if spec.name not in columns}
    chunk: list[Row] = []
    errors: list[tuple[int, str]] = []
    for line, cells in rows:
        try:
            chunk.append(_converted(present, absent, ctx, line, cells))
        except RowError as error:
            errors.append((line, str(error)))
        if len(chunk) + len(errors) >= CHUNK_ROWS:
            yield chunk, errors
            chunk, errors = [], []
    if chunk or errors:
        yield chunk, errors


def _scan(
    ctx: Context,
    kind_name: str,
    path: Path,
    *,
    file_name: str,
    profile: ImportProfile | None,
    write: bool,
    progress: ProgressCallback | None,
    validated: bool = True,
) -> ImportReport:
    """One pass over the file: check every row; with write=True also upsert it.

    A commit of a file validated before (`validated`: the same SHA-256) stops at the first
    bad chunk. The one-pass import (`validated=False`) also looks for repeated ids, and after
    the first error goes on checking without writing, so that its report lists every bad
    row, as validation's does; its caller rolls the writes back."""
    report = ImportReport(kind=kind_name)
    kind_class = KINDS[kind_name]
    duplicates = DuplicateFinder()
    find_duplicates = not (write and validated)
    repeated = False
    pause_after = int(os.environ.get(PAUSE_ENV, "0") or 0)
    try:
        source = open_rows(path, file_name)
    except FileProblem as problem:
        report.add_error(problem.line, str(problem))
        return report
    try:
        columns = columns_for(kind_class, source.header, profile.mapping if profile else {})
        kind = kind_class(ctx)
        for number, (chunk, errors) in enumerate(_chunks(kind_class, columns, ctx, source.rows), 1):
            report.rows += len(chunk) + len(errors)
            errors.extend(kind.check(chunk))
            for line, reason in sorted(errors):
                report.add_error(line, reason)
            if find_duplicates:
                keys = [kind.key(row) for row in chunk]
                for key, row in zip(keys, chunk, strict=True):
                    duplicates.add(key, row.line)
                # Two new rows with one id would break the unique index: the report names
                # them at the end (`duplicates`), and nothing more is written.
                repeated = repeated or len(set(keys)) < len(keys)
            if write and (report.error_count or repeated):
                if validated:
                    break  # the commit is abandoned: no point upserting the rest
                report.counts.add(kind.upsert(chunk, write=False))
            else:
                report.counts.add(kind.upsert(chunk, write=write))
                if write:
                    ctx.flush_audit()
                    if number == pause_after:
                        print(f"paused after chunk {number}", file=sys.stderr, flush=True)
                        time.sleep(3600)
            if progress is not None:
                progress("commit" if write else "validate", *source.done())
    except FileProblem as problem:
        report.add_error(problem.line, str(problem))
    finally:
        source.close()
    for line, first in duplicates.duplicates():
        report.add_error(line, _("duplicate id (first on line %(line)s)") % {"line": first})
    report.errors.sort()
    return report


def _context(
    actor: User | None,
    organization: Organization,
    program_ids: set[int] | None,
    profile: ImportProfile | None,
) -> Context:
    return Context(
        organization=organization,
        actor=actor,
        program_ids=program_ids,
        today=today(),
        date_hint=profile.date_format if profile else "",
    )


def _file_name_checked(kind: str, profile: ImportProfile | None, file_name: str, path: Path) -> str:
    """The name the batch keeps, once the kind and the profile are known to fit."""
    if kind not in KINDS:
        raise ValidationError(_("Unknown kind of import: %(kind)s.") % {"kind": kind})
    if profile is not None and profile.kind != kind:
        raise ValidationError(_("The profile is for another kind of file."))
    return Path(file_name or path.name).name[:200]


def validate_import(
    actor: User | None,
    organization: Organization,
    kind: str,
    path: Path,
    *,
    file_name: str = "",
    profile: ImportProfile | None = None,
    program_ids: set[int] | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Check a whole file and keep the report as a batch (unless dry_run: then nothing is
    written at all). Re-validating a file whose import was interrupted reuses its batch."""
    file_name = _file_name_checked(kind, profile, file_name, path)
    ctx = _context(actor, organization, program_ids, profile)
    report = _scan(
        ctx,
        kind,
        path,
        file_name=file_name,
        profile=profile,
        write=False,
        progress=progress,
    )
    if dry_run:
        return report
    sha = file_sha256(path)
    with transaction.atomic():
        batch = (
            ImportBatch.objects.filter(
                organization=organization,
                kind=kind,
                sha256=sha,
                status=BatchStatus.VALIDATED,
                created_by=actor,  # someone else's batch is not theirs to see or finish
            )
            .order_by("-created_at")
            .first()
        ) or ImportBatch(organization=organization, kind=kind, sha256=sha, created_by=actor)
        batch.file_name = file_name
        batch.profile = profile
        _fill(batch, report, BatchStatus.VALIDATED if report.ok else BatchStatus.FAILED)
        batch.validated_at = timezone.now()
        batch.save()
    report.batch = batch
    return report


def commit_import(
    actor: User | None,
    batch: ImportBatch,
    path: Path,
    *,
    program_ids: set[int] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Write a validated file in one transaction: every row, or (on any error) none."""
    if file_sha256(path) != batch.sha256:
        raise ValidationError(_("This is not the file that was validated."))
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if not locked.is_committable:
                raise ValidationError(_("This import was committed already or has errors."))
            ctx = _context(actor, batch.organization, program_ids, batch.profile)
            report = _scan(
                ctx,
                batch.kind,
                path,
                file_name=batch.file_name,
                profile=batch.profile,
                write=True,
                progress=progress,
            )
            if not report.ok:
                raise _Abandoned(report)
            locked.status = BatchStatus.COMMITTED
            locked.rows = report.rows
            locked.created, locked.updated = report.counts.created, report.counts.updated
            locked.unchanged = report.counts.unchanged
            locked.committed_at = timezone.now()
            locked.save()
            audit.record(
                actor,
                AuditAction.CREATE,
                locked,
                detail=f"import:{batch.kind}:{report.counts.created}/{report.counts.updated}",
            )
    except _Abandoned as abandoned:
        report = abandoned.report
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED,
            error_count=report.error_count,
            errors=[list(e) for e in report.errors],
        )
    batch.refresh_from_db()
    report.batch = batch
    return report


def import_file(
    actor: User | None,
    organization: Organization,
    kind: str,
    path: Path,
    *,
    file_name: str = "",
    profile: ImportProfile | None = None,
    program_ids: set[int] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Check and write a file in ONE pass and one transaction (`between import`): the file is
    read once, not once to validate and again to commit. On any bad row nothing is written,
    and the report lists every bad row as validation's does; the batch keeps it (failed) or
    the counts (committed)."""
    file_name = _file_name_checked(kind, profile, file_name, path)
    batch = ImportBatch(
        organization=organization,
        kind=kind,
        sha256=file_sha256(path),
        created_by=actor,
        file_name=file_name,
        profile=profile,
    )
    try:
        with transaction.atomic():
            ctx = _context(actor, organization, program_ids, profile)
            report = _scan(
                ctx,
                kind,
                path,
                file_name=file_name,
                profile=profile,
                write=True,
                progress=progress,
                validated=False,
            )
            if not report.ok:
                raise _Abandoned(report)
            now = timezone.now()
            _fill(batch, report, BatchStatus.COMMITTED)
            batch.validated_at = batch.committed_at = now
            batch.save()
            audit.record(
                actor,
                AuditAction.CREATE,
                batch,
                detail=f"import:{kind}:{report.counts.created}/{report.counts.updated}",
            )
    except _Abandoned as abandoned:
        report = abandoned.report
        _fill(batch, report, BatchStatus.FAILED)
        batch.validated_at = timezone.now()
        batch.save()
    report.batch = batch
    return report


def _fill(batch: ImportBatch, report: ImportReport, status: str) -> None:
    batch.status = status
    batch.rows = report.rows
    batch.created, batch.updated = report.counts.created, report.counts.updated
    batch.unchanged = report.counts.unchanged
    batch.error_count = report.error_count
    batch.errors = [list(e) for e in report.errors]


class _Abandoned(Exception):
    """Raised inside the commit's transaction to roll it back; carries the report out."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("import abandoned")
        self.report = report


@transaction.atomic
def save_profile(
    actor: User | None,
    *,
    name: str,
    kind: str,
    mapping: dict[str, str],
    date_format: str = "",
) -> ImportProfile:
    """Create or replace a named column mapping (our field → their column header)."""
    if kind not in KINDS:
        raise ValidationError(_("Unknown kind of import: %(kind)s.") % {"kind": kind})
    ours = {spec.name for spec in KINDS[kind].fields}
    unknown = sorted(set(mapping) - ours)
    if unknown:
        raise ValidationError(
            _("Unknown field(s) for %(kind)s: %(fields)s.")
            % {"kind": kind, "fields": ", ".join(unknown)}
        )
    profile, _created = ImportProfile.objects.update_or_create(
        name=name,
        defaults={
            "kind": kind,
            "mapping": {k: str(v) for k, v in mapping.items()},
            "date_format": date_format,
            "created_by": actor,
            "updated_at": timezone.now(),
        },
    )
    audit.record(actor, AuditAction.UPDATE, profile, detail="import_profile")
    return profile
