"""What is appended to a record: its accepted amendments and its denied requests (with the
denial's reason and any statement of disagreement), for the record's pages to show.

ONC 170.315(d)(4): an accepted amendment is appended to the affected record (or linked from
it); a denied one has at least the request and the denial appended.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from between.amendments import records
from between.amendments.models import AmendmentRequest, RecordType, Status
from between.clinic.models import Client


def amendments_for(record: models.Model) -> list[AmendmentRequest]:
    """The decided requests about one record (a Client, Session, ProgressNote, Assignment or
    PracticeLog), oldest decision first: the order they were appended in."""
    record_type, record_id = records.type_of(record)
    return list(
        AmendmentRequest.objects.decided()
        .about(record_type, record_id)
        .filter(client_id=records.client_id_of(record))
        .select_related("decided_by", "disagreement_by")
        .order_by("decided_at", "id")
    )


@dataclass
class RecordAmendments:
    """One affected record of a client and what is appended to it."""

    record_type: str
    record_id: int
    label: str = ""
    amendments: list[AmendmentRequest] = field(default_factory=list)


@dataclass
class ClientAmendments:
    client: Client
    records: list[RecordAmendments]
    pending: int

    @property
    def decided(self) -> int:
        return sum(len(r.amendments) for r in self.records)


def client_amendments(client: Client) -> ClientAmendments:
    """Every decided request of the client, grouped by the record it is appended to (the
    client's details first, then by the latest decision), and how many wait for a decision.
    One query, and one more per kind of record named."""
    rows = list(
        AmendmentRequest.objects.filter(client=client)
        .select_related("decided_by", "disagreement_by")
        .order_by("decided_at", "id")
    )
    groups: dict[tuple[str, int], RecordAmendments] = {}
    for row in rows:
        if row.status == Status.PENDING:
            continue
        pair = (row.record_type, row.record_id)
        groups.setdefault(pair, RecordAmendments(*pair)).amendments.append(row)
    labels = records.labels_for((client.pk, t, i) for t, i in groups)
    for pair, group in groups.items():
        group.label = labels[pair]
    ordered = sorted(
        groups.values(),
        key=lambda g: max(a.decided_at or a.created_at for a in g.amendments),
        reverse=True,
    )
    ordered.sort(key=lambda g: g.record_type != RecordType.CLIENT)
    pending = sum(1 for row in rows if row.status == Status.PENDING)
    return ClientAmendments(client=client, records=ordered, pending=pending)
