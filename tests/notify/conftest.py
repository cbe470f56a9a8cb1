"""Notify fixtures: a frozen county clock, Kai's breathing homework (given Monday 2 November
2026, due Monday 9 November) and helpers to read the outbox."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from between.clinic import actions as clinic_actions
from between.homework.models import Assignment, HomeworkTemplate
from between.notify.models import Message, MessageKind
from tests.conftest import County
from tests.homework.factories import give, library_item

GIVEN_ON = date(2026, 11, 2)  # a Monday
DUE_ON = date(2026, 11, 9)


def county_time(day: int, hour: int = 12, minute: int = 0, month: int = 11) -> datetime:
    """A moment in November 2026, county time (settings.TIME_ZONE)."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


class Clock:
    """Stands in for django.utils.timezone.now, so "today" and "now" are where a test says."""

    def __init__(self, when: datetime) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when

    def set(self, day: int, hour: int = 12, minute: int = 0) -> datetime:
        self.when = county_time(day, hour, minute)
        return self.when


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(county_time(4))  # Wednesday 4 November, noon
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def breathing(county: County) -> HomeworkTemplate:
    return library_item()


@pytest.fixture
def homework(county: County, breathing: HomeworkTemplate) -> Assignment:
    session = clinic_actions.record_session(county.clinician, county.client, occurred_on=GIVEN_ON)
    return give(session, breathing, due_on=DUE_ON)


def messages(kind: str = "", **filters: object) -> list[Message]:
    found = Message.objects.filter(**filters).order_by("id")
    return list(found.filter(kind=kind) if kind else found)


def reminders(**filters: object) -> list[Message]:
    return messages(MessageKind.REMINDER, **filters)
