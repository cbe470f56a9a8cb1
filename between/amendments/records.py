"""The records of a client an amendment request can name: what they are, which belong to whom,
and how they are called on a page.

A record is named by a type (`RecordType`) and an id. Staff choose among all of the client's
records; a family chooses among what the portal shows them (their children's open homework and
its practice logs) or "something else", the child's details.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from between.accounts import policy
from between.amendments.models import RecordType
from between.clinic.models import Client, ProgressNote, Session
from between.homework.models import Assignment, PracticeLog

# How many of each kind of record a staff select lists (newest first); older ones are rare
# targets and a select of thousands of options helps nobody.
STAFF_CHOICES_PER_TYPE = 200
FAMILY_LOGS_PER_CHILD = 30

Choices = list[tuple[str, list[tuple[str, str]]]]


_MODELS: dict[str, type[models.Model]] = {
    RecordType.CLIENT: Client,
    RecordType.SESSION: Session,
    RecordType.NOTE: ProgressNote,
    RecordType.ASSIGNMENT: Assignment,
    RecordType.PRACTICE_LOG: PracticeLog,
}


def key(record_type: str, record_id: int) -> str:
    """The value of a record in a select: "session:12"."""
    return f"{record_type}:{record_id}"


def parse_key(value: str) -> tuple[str, int] | None:
    record_type, _sep, raw_id = (value or "").partition(":")
    if record_type not in RecordType.values or not raw_id.isdigit():
        return None
    return record_type, int(raw_id)


def type_of(record: models.Model) -> tuple[str, int]:
    """The (type, id) of a record object, for `amendments_for(record)`."""
    for record_type, model in _MODELS.items():
        if isinstance(record, model):
            return record_type, int(record.pk)
    raise TypeError(f"not a record amendments can name: {type(record).__name__}")


def object_type(record_type: str) -> str:
    """The audit trail's name of a record type ("clinic.session"); "" for an unknown one."""
    model = _MODELS.get(record_type)
    return model._meta.label_lower if model is not None else ""


def client_id_of(record: models.Model) -> int:
    if isinstance(record, Client):
        return int(record.pk)
    if isinstance(record, Session | Assignment):
        return int(record.client_id)
    if isinstance(record, ProgressNote):
        return int(record.session.client_id)
    if isinstance(record, PracticeLog):
        return int(record.assignment.client_id)
    raise TypeError(f"not a record amendments can name: {type(record).__name__}")


def _of_client(record_type: str, client_id: int) -> models.QuerySet[Any]:
    """The client's records of one type, with what their labels need."""
    if record_type == RecordType.CLIENT:
        return Client.objects.filter(pk=client_id)
    if record_type == RecordType.SESSION:
        return Session.objects.filter(client_id=client_id).order_by("-occurred_on", "-id")
    if record_type == RecordType.NOTE:
        return (
            ProgressNote.objects.filter(session__client_id=client_id)
            .select_related("session")
            .order_by("-session__occurred_on", "-id")
        )
    if record_type == RecordType.ASSIGNMENT:
        return (
            Assignment.objects.filter(client_id=client_id)
            .select_related("session", "template_version")
            .order_by("-session__occurred_on", "-id")
        )
    if record_type == RecordType.PRACTICE_LOG:
        return (
            PracticeLog.objects.filter(assignment__client_id=client_id)
            .select_related("assignment__template_version")
            .order_by("-practiced_on", "-id")
        )
    raise ValueError(record_type)


def find(client: Client, record_type: str, record_id: int) -> models.Model | None:
    """The client's record of that type and id; None when it is not theirs (or not there)."""
    if record_type not in RecordType.values:
        return None
    return _of_client(record_type, client.pk).filter(pk=record_id).first()


def _day(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def label(record_type: str, record: Any) -> str:
    """How a record is called on a page (in the page's language)."""
    if record_type == RecordType.CLIENT:
        return _("Client details")
    if record_type == RecordType.SESSION:
        return _("Session of %(day)s (%(type)s)") % {
            "day": _day(record.occurred_on),
            "type": record.get_session_type_display(),
        }
    if record_type == RecordType.NOTE:
        return _("Progress note of the session of %(day)s") % {
            "day": _day(record.session.occurred_on)
        }
    if record_type == RecordType.ASSIGNMENT:
        return _("Homework “%(title)s”, given %(day)s") % {
            "title": record.title,
            "day": _day(record.session.occurred_on),
        }
    if record_type == RecordType.PRACTICE_LOG:
        return _("Practice on %(day)s: “%(title)s”") % {
            "day": _day(record.practiced_on),
            "title": record.assignment.title,
        }
    raise ValueError(record_type)


def missing_label(record_type: str, record_id: int) -> str:
    return _("%(type)s %(id)s (no longer in the record)") % {
        "type": RecordType(record_type).label,
        "id": record_id,
    }


def labels_for(pairs: Iterable[tuple[int, str, int]]) -> dict[tuple[str, int], str]:
    """Labels of many records at once, given (client id, type, id): one query per type."""
    wanted: dict[str, set[int]] = defaultdict(set)
    clients: dict[tuple[str, int], int] = {}
    for client_id, record_type, record_id in pairs:
        wanted[record_type].add(record_id)
        clients[(record_type, record_id)] = client_id
    found: dict[tuple[str, int], str] = {}
    for record_type, ids in wanted.items():
        if record_type == RecordType.CLIENT:
            found.update({(record_type, pk): label(record_type, None) for pk in ids})
            continue
        model = _MODELS[record_type]
        rows = _with_related(record_type, model._default_manager.filter(pk__in=ids))
        for row in rows:
            if client_id_of(row) == clients[(record_type, row.pk)]:
                found[(record_type, row.pk)] = label(record_type, row)
    return {
        pair: found.get(pair) or missing_label(*pair)
        for pair in ((t, i) for t, ids in wanted.items() for i in ids)
    }


def _with_related(record_type: str, rows: models.QuerySet[Any]) -> models.QuerySet[Any]:
    if record_type == RecordType.NOTE:
        return rows.select_related("session")
    if record_type == RecordType.ASSIGNMENT:
        return rows.select_related("session", "template_version")
    if record_type == RecordType.PRACTICE_LOG:
        return rows.select_related("assignment__template_version")
    return rows


# --- What a select offers ---------------------------------------------------------------------


def staff_choices(client: Client) -> Choices:
    """Every kind of the client's records, newest first, grouped by kind."""
    groups: Choices = [
        (str(RecordType.CLIENT.label), [(key(RecordType.CLIENT, client.pk), label("client", None))])
    ]
    for record_type in (
        RecordType.SESSION,
        RecordType.NOTE,
        RecordType.ASSIGNMENT,
        RecordType.PRACTICE_LOG,
    ):
        rows = _of_client(record_type, client.pk)[:STAFF_CHOICES_PER_TYPE]
        options = [(key(record_type, row.pk), label(record_type, row)) for row in rows]
        if options:
            groups.append((str(record_type.label), options))
    return groups


def family_choices(user: Any) -> Choices:
    """Per child of the family: their open homework and its recent practice logs, and
    "something else" (the child's details). No sessions or notes: families never see them."""
    children = list(policy.family_clients(user).order_by("given_name", "pk"))
    open_homework = list(
        policy.family_assignments(user)
        .select_related("session", "template_version")
        .order_by("-session__occurred_on", "-id")
    )
    logs = list(
        PracticeLog.objects.filter(assignment__in=[a.pk for a in open_homework])
        .select_related("assignment__template_version")
        .order_by("-practiced_on", "-id")
    )
    groups: Choices = []
    many = len(children) > 1
    for child in children:
        options = [
            (key(RecordType.ASSIGNMENT, a.pk), label(RecordType.ASSIGNMENT, a))
            for a in open_homework
            if a.client_id == child.pk
        ]
        child_logs = [log for log in logs if log.assignment.client_id == child.pk]
        options += [
            (key(RecordType.PRACTICE_LOG, log.pk), label(RecordType.PRACTICE_LOG, log))
            for log in child_logs[:FAMILY_LOGS_PER_CHILD]
        ]
        options.append(
            (
                key(RecordType.CLIENT, child.pk),
                _("Something else about %(name)s") % {"name": child.given_name}
                if many
                else _("Something else"),
            )
        )
        groups.append((child.given_name, options))
    return groups


def family_record(user: Any, record_type: str, record_id: int) -> tuple[Client, Any] | None:
    """The child and record a family member may ask to amend; None when it is not theirs."""
    children = policy.family_clients(user)
    if record_type == RecordType.CLIENT:
        child = children.filter(pk=record_id).first()
        return (child, child) if child is not None else None
    if record_type == RecordType.ASSIGNMENT:
        assignment = policy.family_assignments(user).filter(pk=record_id).first()
        return (assignment.client, assignment) if assignment is not None else None
    if record_type == RecordType.PRACTICE_LOG:
        log = (
            PracticeLog.objects.filter(
                pk=record_id, assignment__in=policy.family_assignments(user).values("pk")
            )
            .select_related("assignment__client")
            .first()
        )
        return (log.assignment.client, log) if log is not None else None
    return None
