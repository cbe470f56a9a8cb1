"""A small library item for tests that do not need the whole shipped library, and helpers that
set up sessions and homework through actions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from between.accounts.models import User
from between.clinic import actions as clinic_actions
from between.clinic.models import Client, Session
from between.homework import actions as homework_actions
from between.homework.models import Assignment, HomeworkTemplate
from tests.conftest import County

TEMPLATE_FIELDS: dict[str, Any] = {
    "skill_area": "relaxation",
    "ebp_tags": ["CBT"],
    "target": "youth",
    "age_min": 5,
    "age_max": 17,
    "practice_format": "check",
    "frequency_per_week": 7,
    "minutes": 5,
    "title_en": "Belly breathing",
    "title_es": "Respiración con la barriga",
    "short_name_en": "Breathing",
    "short_name_es": "Respiración",
    "rationale_en": "Slow breaths calm the body.",
    "rationale_es": "Respirar despacio calma el cuerpo.",
    "steps_en": ["Sit comfortably.", "Breathe in for four.", "Breathe out for six."],
    "steps_es": ["Siéntate cómodo.", "Inhala contando cuatro.", "Exhala contando seis."],
    "help_en": "For calming down.",
    "help_es": "Para calmarse.",
}


# --- Setup through actions, shared by the homework tests ---------------------------------------


def library_item(key: str = "breathing", **changes: Any) -> HomeworkTemplate:
    """A library item made by an administrator's action (no actor: the loader's path)."""
    return homework_actions.create_template(None, key=key, fields={**TEMPLATE_FIELDS, **changes})


def days_ago(days: int) -> date:
    return clinic_actions.today() - timedelta(days=days)


def attended(
    county: County,
    ago: int,
    *,
    client: Client | None = None,
    clinician: User | None = None,
    **changes: Any,
) -> Session:
    """A session `ago` days before today (negative: in the future, so pass status="scheduled")."""
    return clinic_actions.record_session(
        clinician or county.clinician,
        client or county.client,
        occurred_on=days_ago(ago),
        **changes,
    )


def give(
    session: Session,
    item: HomeworkTemplate | None = None,
    *,
    actor: User | None = None,
    **changes: Any,
) -> Assignment:
    """Homework given in a session, from a library item or (without one) a custom title."""
    fields: dict[str, Any] = {"assignee": "youth", "frequency_per_week": 7, "language": "en"}
    if item is None:
        fields["custom_title"] = "Draw your feelings"
    else:
        fields["template_version"] = item.current
    return homework_actions.assign_homework(
        actor or session.clinician, session, **{**fields, **changes}
    )


def clinicians_with_clients(
    county: County, count: int, prefix: str = "c"
) -> list[tuple[User, Client]]:
    """`count` more clinicians of Harbor Clinic, each with one client of their own."""
    from between.accounts import actions as account_actions
    from between.accounts.models import Role
    from tests.conftest import make_user

    team = []
    for i in range(count):
        person = make_user(f"{prefix}{i}", f"{prefix.upper()}{i}", "Test")
        account_actions.grant_role(None, person, county.harbor, Role.CLINICIAN)
        child = clinic_actions.register_client(
            None,
            county.harbor,
            ehr_id=f"{prefix.upper()}-{i:03d}",
            given_name=f"Kid{i}",
            family_name="Test",
            birth_date=county.client.birth_date,
            primary_clinician=person,
        )
        team.append((person, child))
    return team
