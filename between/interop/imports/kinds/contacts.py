"""Sessions and progress notes from the EHR: the large files (a county has about 600,000 sessions
a year), so every lookup that grows with the file is made per chunk, not held for the run."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts.models import AuditAction
from between.bulkwrite import reserve_ids
from between.clinic.models import (
    Episode,
    Language,
    ProgressNote,
    Session,
    SessionStatus,
    SessionType,
)
from between.interop.imports.kinds.base import (
    Context,
    Counts,
    Directory,
    Field,
    Kind,
    Row,
    RowError,
    changed_detail,
    choice_field,
    client_index,
    differences,
    insert_rows,
)


class SessionsKind(Kind):
    name = "sessions"
    fields = (
        Field("session_id", required=True),
        Field("client_id", required=True),
        Field("clinician", required=True, max_length=150),
        Field("occurred_on", required=True, type="date"),
        Field("program_code", max_length=32),
        choice_field("session_type", SessionType.choices, "individual"),
        choice_field("status", SessionStatus.choices, "attended"),
        Field("is_intake", type="bool", default=False),
        Field("youth_attended", type="bool", default=True),
        Field("caregiver_attended", type="bool", default=False),
        Field("duration_minutes", type="int", default=None),
    )
    compared = (
        "client_id",
        "clinician_id",
        "occurred_on",
        "session_type",
        "status",
        "is_intake",
        "youth_attended",
        "caregiver_attended",
        "duration_minutes",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.directory = Directory(ctx)
        self.clients = client_index(ctx)

    def check(self, rows: list[Row]) -> list[tuple[int, str]]:
        def one(row: Row) -> None:
            values = row.values
            found = self.clients.get(values["client_id"])
            if found is None:
                raise RowError(_("unknown client %(id)s") % {"id": values["client_id"]})
            if values["program_code"]:
                program_id = self.directory.program(values["program_code"])
            else:
                program_id = found[1]
                self.directory.require_scope(program_id)
            clinician_id = self.directory.clinician(values["clinician"], program_id)
            # The rules of clinic.actions.record_session.
            if values["occurred_on"] > self.ctx.today and values["status"] != "scheduled":
                raise RowError(_("occurred_on is in the future but the session is not scheduled"))
            if values["status"] == "attended" and not (
                values["youth_attended"] or values["caregiver_attended"]
            ):
                raise RowError(_("an attended session needs the youth or a caregiver present"))
            row.resolved = {
                "program_id": program_id,
                "client_id": found[0],
                "clinician_id": clinician_id,
                **{k: values[k] for k in self.compared[2:]},
            }

        return self.check_rows(rows, one)

    def key(self, row: Row) -> tuple[Any, ...]:
        return (row.resolved["program_id"], row.values["session_id"])

    def upsert(self, rows: list[Row], *, write: bool) -> Counts:
        counts = Counts()
        stored = {
            (s["program_id"], s["ehr_id"]): s
            for s in self._stored(
                {r.resolved["program_id"] for r in rows}, {r.values["session_id"] for r in rows}
            ).values("pk", "program_id", "ehr_id", *self.compared)
        }
        new: list[dict[str, Any]] = []
        changed: list[tuple[Session, list[str]]] = []
        for row in rows:
            program_id = row.resolved["program_id"]
            found = stored.get((program_id, row.values["session_id"]))
            wanted = {k: row.resolved[k] for k in self.compared}
            if found is None:
                new.append({"program_id": program_id, "ehr_id": row.values["session_id"], **wanted})
                counts.created += 1
            elif diff := differences(found, wanted):
                session = Session(pk=found["pk"], program_id=program_id, **wanted)
                changed.append((session, diff))
                counts.updated += 1
            else:
                counts.unchanged += 1
        if write:
            self._write(new, changed)
        return counts

    @staticmethod
    def _stored(program_ids: set[int], ehr_ids: set[str]) -> QuerySet[Session]:
        """Stored sessions with these keys; `exclude(ehr_id="")` repeats the condition of the
        partial unique index session_ehr_id_unique, without which SQLite scans the table."""
        return (
            Session.objects.filter(program_id__in=program_ids, ehr_id__in=ehr_ids)
            .exclude(ehr_id="")
            .order_by()
        )

    def _write(self, new: list[dict[str, Any]], changed: list[tuple[Session, list[str]]]) -> None:
        ctx = self.ctx
        # As record_session: a new session belongs to the client's latest open episode.
        episodes: dict[int, int] = {}
        for client_id, pk in (
            Episode.objects.filter(
                client_id__in={s["client_id"] for s in new}, closed_on__isnull=True
            )
            .order_by("client_id", "opened_on", "pk")
            .values_list("client_id", "pk")
        ):
            episodes[client_id] = pk  # the last one wins: the latest opened
        now = timezone.now()
        for session in new:
            session.update(
                episode_id=episodes.get(session["client_id"]), submission_key=None, created_at=now
            )
        given = reserve_ids(Session, len(new))
        if given is not None:  # PostgreSQL: the ids are taken from the sequence first
            for session, pk in zip(new, given, strict=True):
                session["id"] = pk
        insert_rows(Session, new)
        if given is not None:
            ids = {(s["program_id"], s["ehr_id"]): s["id"] for s in new}
        else:
            # The ids of the new sessions, for their audit events: one indexed query a chunk.
            ids = {
                (program_id, ehr_id): pk
                for program_id, ehr_id, pk in self._stored(
                    {s["program_id"] for s in new}, {s["ehr_id"] for s in new}
                ).values_list("program_id", "ehr_id", "pk")
            }
        for session in new:
            ctx.record(
                AuditAction.CREATE,
                "clinic.session",
                ids[(session["program_id"], session["ehr_id"])],
                client_id=session["client_id"],
                program_id=session["program_id"],
            )
        fields = [f.removesuffix("_id") for f in self.compared]
        Session.objects.bulk_update([s for s, _ in changed], fields, batch_size=500)
        for changed_session, diff in changed:
            ctx.record(
                AuditAction.UPDATE,
                "clinic.session",
                changed_session.pk,
                client_id=changed_session.client_id,
                program_id=changed_session.program_id,
                detail=changed_detail(diff),
            )


class NotesKind(Kind):
    """Progress notes, named by the EHR's note id, attached to imported sessions."""

    name = "notes"
    fields = (
        Field("note_id", required=True),
        Field("session_id", required=True),
        Field("text", required=True, max_length=100_000),
        Field("program_code", max_length=32),
        Field("author", max_length=150),
        choice_field("language", Language.choices, "en"),
        Field("written_at", type="datetime", default=None),
    )
    compared = ("session_id", "author_id", "language", "text")

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.directory = Directory(ctx)

    def check(self, rows: list[Row]) -> list[tuple[int, str]]:
        sessions: dict[str, list[Any]] = {}
        for s in (
            Session.objects.filter(
                program__organization=self.ctx.organization,
                ehr_id__in={r.values["session_id"] for r in rows},
            )
            .exclude(ehr_id="")
            .order_by()
            .values("pk", "ehr_id", "program_id", "client_id")
        ):
            sessions.setdefault(s["ehr_id"], []).append(s)

        def one(row: Row) -> None:
            values = row.values
            matches = sessions.get(values["session_id"], [])
            if values["program_code"]:
                program_id = self.directory.program(values["program_code"])
                matches = [s for s in matches if s["program_id"] == program_id]
            if not matches:
                raise RowError(_("unknown session %(id)s") % {"id": values["session_id"]})
            if len(matches) > 1:
                raise RowError(
                    _("session %(id)s is in several programs: give program_code")
                    % {"id": values["session_id"]}
                )
            session = matches[0]
            self.directory.require_scope(session["program_id"])
            author = None
            if values["author"]:
                author = self.directory.clinician(values["author"], session["program_id"], "author")
            row.resolved = {
                "session_id": session["pk"],
                "client_id": session["client_id"],
                "author_id": author,
                "language": values["language"],
                "text": values["text"],
            }
            if values["written_at"] is not None:
                row.resolved["written_at"] = values["written_at"]

        return self.check_rows(rows, one)

    def key(self, row: Row) -> tuple[Any, ...]:
        return (row.values["note_id"],)

    def upsert(self, rows: list[Row], *, write: bool) -> Counts:
        ctx, counts = self.ctx, Counts()
        stored: dict[str, dict[str, Any]] = {}
        for note in (
            ProgressNote.objects.filter(
                session__program__organization=ctx.organization,
                ehr_id__in={r.values["note_id"] for r in rows},
            )
            .order_by("pk")
            .values("pk", "ehr_id", "written_at", *self.compared)
        ):
            stored.setdefault(note["ehr_id"], note)
        new: list[tuple[ProgressNote, int]] = []
        changed: list[tuple[ProgressNote, list[str], int]] = []
        now = timezone.now()
        for row in rows:
            wanted = {k: v for k, v in row.resolved.items() if k != "client_id"}
            client_id = row.resolved["client_id"]
            found = stored.get(row.values["note_id"])
            if found is None:
                wanted.setdefault("written_at", now)
                new.append((ProgressNote(ehr_id=row.values["note_id"], **wanted), client_id))
                counts.created += 1
            elif diff := differences(found, wanted):
                changed.append((ProgressNote(pk=found["pk"], **wanted), diff, client_id))
                counts.updated += 1
            else:
                counts.unchanged += 1
        if write:
            ProgressNote.objects.bulk_create([n for n, _ in new], batch_size=500)
            for note, client_id in new:
                ctx.record(AuditAction.CREATE, "clinic.progressnote", note.pk, client_id=client_id)
            for note, diff, client_id in changed:
                ProgressNote.objects.filter(pk=note.pk).update(
                    **{name: getattr(note, name) for name in diff}
                )
                ctx.record(
                    AuditAction.UPDATE,
                    "clinic.progressnote",
                    note.pk,
                    client_id=client_id,
                    detail=changed_detail(diff),
                )
        return counts
