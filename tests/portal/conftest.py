"""Portal fixtures: Kai's open homework (and Nico's, in the other program), and helpers to invite
and accept through actions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from between.accounts.models import User
from between.clinic.models import Caregiver
from between.homework.models import Assignment
from between.portal import actions
from tests.conftest import County
from tests.homework.factories import attended, give, library_item

PIN = "4831"


@dataclass
class Family:
    county: County
    kai_homework: Assignment
    nico_homework: Assignment


@pytest.fixture
def family(county: County) -> Family:
    """Breathing practice given to Kai a week ago; Nico (Bayside) has his own."""
    item = library_item(
        help_en="Use it when you feel upset.", help_es="Úsala cuando te sientas molesto."
    )
    kai = give(attended(county, 7, note_text="Private note about Kai."), item)
    nico = give(attended(county, 7, client=county.other_client, clinician=county.outsider), item)
    return Family(county=county, kai_homework=kai, nico_homework=nico)


def from_ip(ip: str = "203.0.113.7") -> HttpRequest:
    return RequestFactory().post("/family/sign-in/", REMOTE_ADDR=ip)


def invite_and_accept(
    county: County, caregiver: Caregiver | None = None, *, pin: str = PIN, language: str = "es"
) -> User:
    """The clinician prints a code for the caregiver (Maria by default), who sets a PIN."""
    issued = actions.invite(
        county.clinician, county.client, channel="print", caregiver=caregiver or county.caregiver
    )
    return actions.accept_invitation(code=issued.code, pin=pin, language=language)
