"""Reminder plans: the family's days and time, at most one a day, never after the due date or
for closed homework, in the family's language with nothing clinical but the skill's short name."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from between.clinic import actions as clinic_actions
from between.homework import actions as homework_actions
from between.homework.models import Assignment
from between.notify import actions
from between.notify.models import MessageStatus, ReminderPlan
from tests.conftest import County
from tests.homework.factories import give
from tests.notify.conftest import Clock, reminders

MONDAY, WEDNESDAY = 0, 2


def plan(county: County, assignment: Assignment, days: list[int], at: time) -> ReminderPlan:
    return actions.set_reminder_plan(
        county.family, assignment, county.caregiver, weekdays=days, time_of_day=at
    )


def test_it_reminds_on_the_chosen_days_at_the_chosen_time(
    county: County, homework: Assignment, clock: Clock
) -> None:
    plan(county, homework, [MONDAY, WEDNESDAY], time(18, 0))
    clock.set(4, 17, 59)  # Wednesday
    assert actions.schedule_reminders() == 0
    clock.set(4, 18, 0)
    assert actions.schedule_reminders() == 1
    clock.set(5, 18, 30)  # Thursday: not chosen
    assert actions.schedule_reminders() == 0
    [reminder] = reminders()
    assert (reminder.to_address, reminder.channel, reminder.assignment) == (
        "+16195550100",
        "sms",
        homework,
    )


def test_it_queues_at_most_one_reminder_per_plan_per_day(
    county: County, homework: Assignment, clock: Clock
) -> None:
    plan(county, homework, [WEDNESDAY], time(18, 0))
    clock.set(4, 18, 5)
    assert actions.schedule_reminders() == 1
    clock.set(4, 20, 0)
    assert actions.schedule_reminders() == 0
    assert len(reminders()) == 1


def test_it_sends_no_reminder_after_the_due_date(
    county: County, homework: Assignment, clock: Clock
) -> None:
    plan(county, homework, list(range(7)), time(9, 0))
    clock.set(9, 10)  # the due date itself: still reminded
    assert actions.schedule_reminders() == 1
    clock.set(10, 10)
    assert actions.schedule_reminders() == 0


def test_it_sends_no_reminder_for_closed_homework(
    county: County, homework: Assignment, clock: Clock
) -> None:
    plan(county, homework, [WEDNESDAY, 3], time(9, 0))
    clock.set(4, 9, 30)
    actions.schedule_reminders()  # queued, not yet sent
    review_session = clinic_actions.record_session(
        county.clinician, county.client, occurred_on=date(2026, 11, 4)
    )
    homework_actions.review_assignment(
        county.clinician, review_session, homework, completion="full"
    )
    assert actions.send_due("test") == 0
    [cancelled] = reminders()
    assert (cancelled.status, cancelled.error) == (MessageStatus.CANCELLED, "closed")
    clock.set(5, 9, 30)
    assert actions.schedule_reminders() == 0


def test_it_writes_to_a_spanish_family_in_spanish_with_only_the_short_name(
    county: County, homework: Assignment, clock: Clock
) -> None:
    plan(county, homework, [WEDNESDAY], time(12, 0))
    actions.schedule_reminders()
    [reminder] = reminders()
    assert reminder.language == "es"
    assert "Respiración" in reminder.body and "¿Practicaron hoy?" in reminder.body
    for clinical in ("barriga", "Kai", "Lopez", "disruptive", "Breathing"):
        assert clinical not in reminder.body
    assert len(reminder.body) <= 160


def test_it_says_just_your_practice_for_custom_homework(
    county: County, homework: Assignment, clock: Clock
) -> None:
    custom = give(homework.session, custom_title="Draw your feelings at dinner")
    plan(county, custom, [WEDNESDAY], time(12, 0))
    actions.schedule_reminders()
    [reminder] = reminders()
    assert "su práctica" in reminder.body and "Draw" not in reminder.body


def test_it_updates_one_plan_per_assignment_and_caregiver(
    county: County, homework: Assignment
) -> None:
    first = plan(county, homework, [MONDAY], time(18, 0))
    again = actions.set_reminder_plan(
        county.clinician, homework, county.caregiver, weekdays=[1, 3], time_of_day=time(7, 30)
    )
    assert again.pk == first.pk and again.weekday_list == [1, 3]
    assert ReminderPlan.objects.count() == 1


@pytest.mark.parametrize("days", [[7], [-1], []])
def test_it_refuses_days_that_do_not_exist(
    county: County, homework: Assignment, days: list[int]
) -> None:
    with pytest.raises(ValidationError):
        plan(county, homework, days, time(18, 0))


@pytest.mark.parametrize("persona", ["outsider", "reviewer", "analyst"])
def test_it_lets_only_the_family_and_writers_set_reminders(
    county: County, homework: Assignment, persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        actions.set_reminder_plan(
            county.persona(persona),
            homework,
            county.caregiver,
            weekdays=[MONDAY],
            time_of_day=time(18, 0),
        )
    assert ReminderPlan.objects.count() == 0
