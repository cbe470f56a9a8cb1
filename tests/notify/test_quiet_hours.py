"""Quiet hours (21:00-08:00 county time by default): reminders and invitations wait for the
morning; a sign-in link someone is waiting for goes at once."""

from __future__ import annotations

from datetime import time

from between.homework.models import Assignment
from between.notify import actions
from tests.conftest import County
from tests.notify.conftest import Clock, county_time, reminders


def test_it_sends_a_reminder_due_at_22_at_8_the_next_morning(
    county: County, homework: Assignment, clock: Clock
) -> None:
    actions.set_reminder_plan(
        county.family, homework, county.caregiver, weekdays=[2], time_of_day=time(22, 0)
    )
    clock.set(4, 22, 0)  # Wednesday 22:00
    assert actions.schedule_reminders() == 1
    [reminder] = reminders()
    assert reminder.due_at == county_time(5, 8, 0)
    assert actions.send_due("test", now=county_time(4, 23, 59)) == 0
    assert actions.send_due("test", now=county_time(5, 8, 0)) == 1


def test_it_sends_a_sign_in_link_at_once_even_at_night(county: County, clock: Clock) -> None:
    clock.set(4, 23, 30)
    link = actions.queue_message(
        None,
        channel="sms",
        kind="sign_in_link",
        body="Your sign-in link",
        caregiver=county.caregiver,
        require_consent=False,
    )
    assert link is not None and link.due_at == clock.when


def test_it_holds_an_invitation_until_the_morning(county: County, clock: Clock) -> None:
    clock.set(5, 6, 15)
    invitation = actions.queue_message(
        None, channel="email", kind="invitation", body="Welcome", to_address="m@example.org"
    )
    assert invitation is not None and invitation.due_at == county_time(5, 8, 0)
