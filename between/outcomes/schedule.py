"""When a child's questionnaires are due: at intake, then `intervals_days` after the intake date.

The intake date is the child's first intake or assessment session (else their first session,
else the day the record was made). A follow-up counts for an interval when it was answered no
more than EARLY_DAYS before that interval's due date; a follow-up may be answered at any time,
but only due ones are offered to families.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from between.clinic.models import Client
from between.outcomes.analysis import first_sessions
from between.outcomes.models import Administration, Instrument, Occasion

EARLY_DAYS = 14


@dataclass(frozen=True)
class Due:
    client: Client
    instrument: Instrument
    occasion: str
    due_on: date
    is_due: bool  # True: answer it now; False: the next one, not yet due


def intake_dates(clients: Iterable[Client]) -> dict[int, date]:
    clients = list(clients)
    found = first_sessions(c.pk for c in clients)
    return {c.pk: found.get(c.pk) or timezone.localtime(c.created_at).date() for c in clients}


def next_due(
    client: Client,
    instrument: Instrument,
    intake_on: date,
    done: list[tuple[str, date]],
    today: date,
) -> Due | None:
    """The questionnaire due now or next; None when every interval is done.

    `done` are the (occasion, date) of the child's scored administrations of the instrument.
    """
    if not any(occasion == Occasion.INTAKE for occasion, _day in done):
        return Due(client, instrument, Occasion.INTAKE, intake_on, True)
    follow_ups = [day for occasion, day in done if occasion == Occasion.FOLLOW_UP]
    for days in instrument.intervals_days:
        due_on = intake_on + timedelta(days=int(days))
        if any(day >= due_on - timedelta(days=EARLY_DAYS) for day in follow_ups):
            continue
        is_due = today >= due_on - timedelta(days=EARLY_DAYS)
        return Due(client, instrument, Occasion.FOLLOW_UP, due_on, is_due)
    return None


def schedule(
    clients: Iterable[Client], instruments: Iterable[Instrument], today: date
) -> list[Due]:
    """What is due now or next for each child and instrument, children in the given order."""
    clients = list(clients)
    instruments = list(instruments)
    starts = intake_dates(clients)
    done: dict[tuple[int, int], list[tuple[str, date]]] = {}
    rows = Administration.objects.filter(
        client__in=[c.pk for c in clients], instrument__in=instruments, is_valid=True
    ).values_list("client_id", "instrument_id", "occasion", "administered_on")
    for client_id, instrument_id, occasion, day in rows:
        done.setdefault((client_id, instrument_id), []).append((occasion, day))
    found = []
    for client in clients:
        for instrument in instruments:
            due = next_due(
                client,
                instrument,
                starts[client.pk],
                done.get((client.pk, instrument.pk), []),
                today,
            )
            if due is not None:
                found.append(due)
    return found
