"""Shared setup for the amendment tests: Kai's records (a session with its note, homework and a
practice log Maria made) and Nico's, and requests made through the actions."""

from __future__ import annotations

from dataclasses import dataclass

from between.accounts.models import User
from between.amendments import actions
from between.amendments.models import AmendmentRequest
from between.clinic.models import Client, ProgressNote, Session
from between.homework import actions as homework_actions
from between.homework.models import Assignment, PracticeLog
from tests.conftest import County
from tests.homework.factories import attended, days_ago, give, library_item

CHANGE = "The log says we did not practice on Monday; we practiced twice that day."
AMENDMENT = "Correction requested by the mother: practiced twice on this day."
REASON = "The log was entered by the caregiver herself on that day and matches the paper tracker."
DISAGREEMENT = "I entered it by mistake on my phone; the paper tracker is the one that is wrong."


@dataclass
class Side:
    client: Client
    session: Session
    note: ProgressNote
    assignment: Assignment
    log: PracticeLog


@dataclass
class Records:
    county: County
    kai: Side
    nico: Side

    def side(self, name: str) -> Side:
        return self.kai if name == "A" else self.nico


def _side(county: County, clinician: User, client: Client, logger: User | None) -> Side:
    session = attended(
        county, 7, client=client, clinician=clinician, note_text="Practiced belly breathing."
    )
    assignment = give(session, library_item(key=f"breathing-{client.pk}"))
    log, _created = homework_actions.log_practice(
        logger or clinician,
        assignment,
        practiced_on=days_ago(2),
        completion="not",
        source="portal" if logger else "clinician",
        idempotency_key=f"log-{client.pk}",
    )
    return Side(client, session, session.notes.get(), assignment, log)


def make_records(county: County) -> Records:
    return Records(
        county=county,
        kai=_side(county, county.clinician, county.client, county.family),
        nico=_side(county, county.outsider, county.other_client, None),
    )


def staff_request(
    actor: User, client: Client, record_type: str, record_id: int, change: str = CHANGE
) -> AmendmentRequest:
    return actions.record_request(
        actor,
        client,
        record_type=record_type,
        record_id=record_id,
        requested_by="caregiver",
        received_on=days_ago(1),
        requested_change=change,
    )


def family_request(family: User, record_type: str, record_id: int) -> AmendmentRequest:
    return actions.request_amendment(
        family, record_type=record_type, record_id=record_id, requested_change=CHANGE
    )


def deny(actor: User, amendment: AmendmentRequest) -> AmendmentRequest:
    decided, _now = actions.decide(actor, amendment, decision="denied", note=REASON)
    return decided


def accept(actor: User, amendment: AmendmentRequest) -> AmendmentRequest:
    decided, _now = actions.decide(actor, amendment, decision="accepted", note=AMENDMENT)
    return decided
