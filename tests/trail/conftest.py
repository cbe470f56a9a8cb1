"""Fixtures of the audit trail report tests: the county's personas and a few events at named
times around a month end in the county's zone (settings.TIME_ZONE).

Harbor (program A) is administered by Adele; Bayside (program B) has only Olivia. Events:
- kai_view:     Carla opens Kai's record (Harbor)           2025-03-10 09:00 local
- month_end:    Sam updates a Kai session (Harbor)          2025-03-31 23:30 local
  (06:30 UTC on 1 April: a March event in the county)
- nico_view:    Olivia opens Nico's record (Bayside)        2025-04-01 00:00 local
- carla_denied: Carla is refused Nico's record              2025-04-02 10:00 local
- anonymous:    a failed sign-in with no user               2025-04-03 08:00 local
- olivia_harbor: Olivia exports a Harbor aggregate          2025-04-04 12:00 local
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from between.accounts import audit
from between.accounts.models import AuditAction, AuditEvent
from tests.conftest import County

ZONE = ZoneInfo(settings.TIME_ZONE)
# Every fixture event falls in this period; the county fixture's own events (made "now") do not.
PERIOD = {"start": "2025-03-01", "end": "2025-04-30"}


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZONE)


@contextmanager
def clock(when: datetime) -> Iterator[None]:
    """Events written meanwhile carry `when`: they go through the one writer, `audit.record`
    (which links them into the hash chain), reading the clock at `when`. The table refuses
    later changes, so the time cannot be set afterwards."""
    field = AuditEvent._meta.get_field("at")
    with (
        mock.patch("django.utils.timezone.now", return_value=when),
        mock.patch.object(field, "_get_default", lambda: when),
    ):
        yield


def record_at(when: datetime, actor: Any, action: str, **fields: Any) -> AuditEvent:
    with clock(when):
        return audit.record(actor, action, **fields)


@dataclass
class Trail:
    county: County
    events: dict[str, AuditEvent]


@pytest.fixture
def trail(county: County) -> Trail:
    c = county
    events = {
        "kai_view": record_at(
            local(date(2025, 3, 10), time(9)), c.clinician, AuditAction.VIEW, obj=c.client
        ),
        "month_end": record_at(
            local(date(2025, 3, 31), time(23, 30)),
            c.supervisor,
            AuditAction.UPDATE,
            object_type="clinic.session",
            object_id=991,
            client_id=c.client.pk,
            program_id=c.harbor.pk,
            detail="status",
        ),
        "nico_view": record_at(
            local(date(2025, 4, 1), time(0)), c.outsider, AuditAction.VIEW, obj=c.other_client
        ),
        "carla_denied": record_at(
            local(date(2025, 4, 2), time(10)),
            c.clinician,
            AuditAction.DENY,
            outcome="denied",
            object_type="clinic.client",
            object_id=c.other_client.pk,
            client_id=c.other_client.pk,
            detail="read",
        ),
        "anonymous": record_at(
            local(date(2025, 4, 3), time(8)),
            None,
            AuditAction.LOGIN_FAILED,
            outcome="failed",
            detail="=HYPERLINK(1)",
        ),
        "olivia_harbor": record_at(
            local(date(2025, 4, 4), time(12)),
            c.outsider,
            AuditAction.EXPORT,
            object_type="indicators.summary",
            program_id=c.harbor.pk,
        ),
    }
    return Trail(county=c, events=events)
