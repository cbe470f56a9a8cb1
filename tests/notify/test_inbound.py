"""Replies to a reminder log practice for that reminder's homework; anything else gets help."""

from __future__ import annotations

from datetime import date

import pytest

from between.homework.models import Assignment, PracticeLog
from between.notify import actions
from between.notify.models import InboundMessage, InboundOutcome, Message
from tests.conftest import County
from tests.homework.factories import give
from tests.notify.conftest import Clock, messages

MARIA = "+16195550100"


def reminded(county: County, assignment: Assignment, clock: Clock) -> None:
    """Maria gets a reminder for `assignment` now (queued and sent through the outbox)."""
    actions.set_reminder_plan(
        county.family,
        assignment,
        county.caregiver,
        weekdays=[clock.when.weekday()],
        time_of_day=clock.when.time(),
    )
    actions.schedule_reminders()
    assert actions.send_due("test") >= 1


@pytest.mark.parametrize(
    ("text", "completion"),
    [
        ("1", "done"),
        ("si", "done"),
        ("Sí", "done"),
        (" SÍ! ", "done"),
        ("yes", "done"),
        ("POCO", "partly"),
        ("un poco", "partly"),
        ("A little", "partly"),
        ("2", "partly"),
        ("3", "not"),
        ("No", "not"),
    ],
)
def test_it_logs_the_answer_for_the_reminded_homework(
    county: County, homework: Assignment, clock: Clock, text: str, completion: str
) -> None:
    reminded(county, homework, clock)
    inbound, reply = actions.handle_inbound(provider_id="SM-a", from_number=MARIA, body=text)
    log = PracticeLog.objects.get()
    assert (log.assignment, log.completion, log.source) == (homework, completion, "sms")
    assert (log.practiced_on, log.logged_by) == (date(2026, 11, 4), None)
    assert inbound.outcome == InboundOutcome.LOGGED
    assert reply == "Between Sessions: gracias, lo anotamos."


def test_it_answers_the_most_recent_reminder(
    county: County, homework: Assignment, clock: Clock
) -> None:
    other = give(homework.session, custom_title="Praise one thing", due_on=date(2026, 11, 9))
    reminded(county, homework, clock)
    clock.set(4, 18, 0)
    reminded(county, other, clock)
    clock.set(4, 18, 20)
    actions.handle_inbound(provider_id="SM-b", from_number="(619) 555-0100", body="2")
    assert PracticeLog.objects.get().assignment == other


def test_it_dates_the_log_by_the_county_day(
    county: County, homework: Assignment, clock: Clock
) -> None:
    reminded(county, homework, clock)
    clock.set(4, 20, 45)  # already Thursday in UTC
    actions.handle_inbound(provider_id="SM-c", from_number=MARIA, body="1")
    assert PracticeLog.objects.get().practiced_on == date(2026, 11, 4)


def test_it_logs_a_redelivered_message_once(
    county: County, homework: Assignment, clock: Clock
) -> None:
    reminded(county, homework, clock)
    first, reply = actions.handle_inbound(provider_id="SM-d", from_number=MARIA, body="1")
    again, second_reply = actions.handle_inbound(provider_id="SM-d", from_number=MARIA, body="1")
    assert first.pk == again.pk and second_reply is None and reply is not None
    assert PracticeLog.objects.count() == 1
    assert len(messages("reply")) == 1


def test_it_logs_nothing_for_an_unknown_number(county: County, homework: Assignment) -> None:
    inbound, reply = actions.handle_inbound(
        provider_id="SM-e", from_number="+15555550199", body="1"
    )
    assert (inbound.outcome, inbound.caregiver, reply) == (
        InboundOutcome.UNKNOWN_NUMBER,
        None,
        None,
    )
    assert PracticeLog.objects.count() == 0 and Message.objects.count() == 0


def test_it_helps_with_unknown_text_in_the_family_language(
    county: County, homework: Assignment, clock: Clock
) -> None:
    reminded(county, homework, clock)
    inbound, reply = actions.handle_inbound(
        provider_id="SM-f", from_number=MARIA, body="¿qué es esto?"
    )
    assert inbound.outcome == InboundOutcome.UNRECOGNIZED
    assert reply is not None and "responda a un recordatorio con 1 (sí)" in reply
    assert PracticeLog.objects.count() == 0


def test_it_helps_when_there_is_no_reminder_to_answer(county: County, homework: Assignment) -> None:
    inbound, reply = actions.handle_inbound(provider_id="SM-g", from_number=MARIA, body="1")
    assert inbound.outcome == InboundOutcome.NO_REMINDER and reply is not None
    assert PracticeLog.objects.count() == 0


def test_it_keeps_the_inbound_message(county: County, homework: Assignment, clock: Clock) -> None:
    reminded(county, homework, clock)
    actions.handle_inbound(provider_id="SM-h", from_number="619-555-0100", body="3")
    stored = InboundMessage.objects.get()
    assert (stored.from_number, stored.caregiver, stored.assignment) == (
        MARIA,
        county.caregiver,
        homework,
    )


def test_it_sends_at_most_one_help_text_an_hour(county: County, homework: Assignment) -> None:
    replies = [
        actions.handle_inbound(provider_id=f"SM-loop-{n}", from_number=MARIA, body="auto-reply")[1]
        for n in range(3)
    ]
    assert replies[0] is not None and replies[1:] == [None, None]
    assert len(messages("reply")) == 1
