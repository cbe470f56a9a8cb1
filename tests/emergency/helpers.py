"""Shared setup for the emergency access tests."""

from __future__ import annotations

from datetime import datetime

from between.accounts.models import User
from between.clinic.models import Client
from between.emergency import actions
from between.emergency.models import EmergencyAccess

REASON = "Crisis call from the school; the on-call worker needs the safety plan."


def designate(*users: User) -> None:
    for user in users:
        actions.designate(None, user)


def grant(user: User, client: Client, *, now: datetime | None = None) -> EmergencyAccess:
    """A grant made through the action (designating the user first)."""
    designate(user)
    return actions.break_glass(user, client, REASON, now=now)
