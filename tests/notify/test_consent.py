"""Nothing is sent without recorded consent; STOP / ALTO stops everything at once, with one
confirmation; a later consent lifts it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from between.accounts.models import AuditEvent
from between.clinic import actions as clinic_actions
from between.clinic.models import Caregiver
from between.homework.models import Assignment
from between.notify import actions
from between.notify.models import InboundOutcome, Message, MessageStatus
from tests.conftest import County
from tests.notify.conftest import Clock, messages, reminders

MARIA = "+16195550100"


def remind(caregiver: Caregiver, assignment: Assignment) -> Message | None:
    return actions.queue_message(
        None,
        channel="sms",
        kind="reminder",
        body="Between Sessions: time for Breathing.",
        caregiver=caregiver,
        assignment=assignment,
    )


def test_it_queues_nothing_without_consent(county: County, homework: Assignment) -> None:
    father = clinic_actions.add_caregiver(
        None, county.client, given_name="Luis", family_name="Lopez", phone="+16195550111"
    )
    assert remind(father, homework) is None
    assert Message.objects.count() == 0
    denied = AuditEvent.objects.get(object_id=str(father.pk), outcome="denied")
    assert (denied.outcome, denied.detail) == ("denied", "no_consent")


@pytest.mark.parametrize("word", ["STOP", "stop", "Alto", "ALTO!"])
def test_it_stops_everything_on_stop_or_alto(
    county: County, homework: Assignment, clock: Clock, word: str
) -> None:
    queued = remind(county.caregiver, homework)
    assert queued is not None
    inbound, reply = actions.handle_inbound(provider_id="SM-stop", from_number=MARIA, body=word)
    caregiver = Caregiver.objects.get(pk=county.caregiver.pk)
    assert inbound.outcome == InboundOutcome.STOPPED
    assert caregiver.messaging_stopped_at == clock.when
    assert not caregiver.has_messaging_consent
    queued.refresh_from_db()
    assert (queued.status, queued.error) == (MessageStatus.CANCELLED, "stopped")
    # The confirmation is in Spanish, Maria's language.
    assert reply is not None and "ya no recibirá mensajes" in reply
    assert AuditEvent.objects.filter(detail="messaging_stopped:sms").count() == 1


def test_it_confirms_stop_once_and_sends_nothing_else(
    county: County, homework: Assignment, clock: Clock
) -> None:
    actions.handle_inbound(provider_id="SM-1", from_number=MARIA, body="STOP")
    again, reply = actions.handle_inbound(provider_id="SM-2", from_number=MARIA, body="stop")
    _help, help_reply = actions.handle_inbound(provider_id="SM-3", from_number=MARIA, body="?")
    assert (again.outcome, reply, help_reply) == (InboundOutcome.ALREADY_STOPPED, None, None)
    assert remind(county.caregiver, homework) is None
    actions.set_reminder_plan(
        county.family, homework, county.caregiver, weekdays=[2], time_of_day=clock.when.time()
    )
    assert actions.schedule_reminders() == 0
    assert actions.send_due("test") == 1
    [confirmation] = messages()
    assert (confirmation.kind, confirmation.status) == ("reply", MessageStatus.SENT)


def test_it_sends_again_after_a_later_consent(
    county: County, homework: Assignment, clock: Clock
) -> None:
    actions.handle_inbound(provider_id="SM-1", from_number=MARIA, body="ALTO")
    clock.set(5, 10)
    actions.record_consent(county.clinician, county.caregiver)
    assert Caregiver.objects.get(pk=county.caregiver.pk).has_messaging_consent
    assert remind(county.caregiver, homework) is not None
    assert len(reminders()) == 1


def test_it_cancels_a_queued_reminder_when_stop_arrives_before_the_worker(
    county: County, homework: Assignment
) -> None:
    queued = remind(county.caregiver, homework)
    actions.stop_messages(county.family, county.caregiver, source="portal")
    assert actions.send_due("test") == 0
    assert queued is not None
    queued.refresh_from_db()
    assert queued.status == MessageStatus.CANCELLED


def test_it_lets_only_the_family_and_their_clinicians_change_consent(county: County) -> None:
    with pytest.raises(PermissionDenied):
        actions.stop_messages(county.outsider, county.caregiver, source="clinician")
    with pytest.raises(PermissionDenied):
        actions.record_consent(county.reviewer, county.caregiver)
    assert Caregiver.objects.get(pk=county.caregiver.pk).messaging_stopped_at is None
