"""Shared fixtures: the personas every test can use, built through actions.

- Harbor Clinic (program A): Carla the clinician, Sam her supervisor, Rita a reviewer,
  Ana an analyst (aggregates only), Tomás a trainer, Adele an administrator;
  Kai (client of Carla) and his mother Maria, who has a family account.
- Bayside Center (program B): Olivia, an outsider clinician, and her client Nico.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.conf import settings

from between.accounts import actions as account_actions
from between.accounts.models import Role, User
from between.clinic import actions as clinic_actions
from between.clinic.models import Caregiver, Client, Organization, Program

pytest_plugins = ["tests.logscan"]

PASSWORD = "correct-horse-battery-staple"


def pytest_configure(config: pytest.Config) -> None:
    # Argon2 is the production hasher (a test checks it); tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class County:
    organization: Organization
    harbor: Program
    bayside: Program
    clinician: User
    supervisor: User
    reviewer: User
    analyst: User
    trainer: User
    admin: User
    family: User
    outsider: User
    client: Client
    other_client: Client
    caregiver: Caregiver

    def persona(self, name: str) -> User:
        return getattr(self, name)


def make_user(username: str, first: str, last: str) -> User:
    return account_actions.create_user(
        None, username=username, first_name=first, last_name=last, password=PASSWORD
    )


@pytest.fixture
def county(db: None) -> County:
    org = clinic_actions.create_organization(None, name="Test County", slug="test-county")
    harbor = clinic_actions.create_program(
        None, org, name="Harbor Clinic", code="HAR", kind="outpatient"
    )
    bayside = clinic_actions.create_program(
        None, org, name="Bayside Center", code="BAY", kind="school"
    )
    people = {
        "clinician": make_user("carla", "Carla", "Reyes"),
        "supervisor": make_user("sam", "Sam", "Okafor"),
        "reviewer": make_user("rita", "Rita", "Lund"),
        "analyst": make_user("ana", "Ana", "Pham"),
        "trainer": make_user("tomas", "Tomás", "Vega"),
        "admin": make_user("adele", "Adele", "Brooks"),
        "family": make_user("maria", "Maria", "Lopez"),
        "outsider": make_user("olivia", "Olivia", "Stone"),
    }
    roles = {
        "clinician": Role.CLINICIAN,
        "supervisor": Role.SUPERVISOR,
        "reviewer": Role.REVIEWER,
        "analyst": Role.ANALYST,
        "trainer": Role.TRAINER,
        "admin": Role.ADMIN,
    }
    for name, role in roles.items():
        account_actions.grant_role(None, people[name], harbor, role)
    account_actions.grant_role(None, people["outsider"], bayside, Role.CLINICIAN)

    client = clinic_actions.register_client(
        None,
        harbor,
        ehr_id="H-1001",
        given_name="Kai",
        family_name="Lopez",
        birth_date=date(2015, 3, 14),
        preferred_language="es",
        diagnosis_group="disruptive",
        primary_clinician=people["clinician"],
    )
    caregiver = clinic_actions.add_caregiver(
        None,
        client,
        given_name="Maria",
        family_name="Lopez",
        relationship="mother",
        language="es",
        phone="+16195550100",
        has_messaging_consent=True,
        is_primary=True,
    )
    clinic_actions.link_family_account(None, caregiver, people["family"])
    other_client = clinic_actions.register_client(
        None,
        bayside,
        ehr_id="B-2002",
        given_name="Nico",
        family_name="Hart",
        birth_date=date(2012, 7, 1),
        primary_clinician=people["outsider"],
    )
    return County(
        organization=org,
        harbor=harbor,
        bayside=bayside,
        client=client,
        other_client=other_client,
        caregiver=caregiver,
        **people,
    )
