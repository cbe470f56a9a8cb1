"""Migrate the test server's database and set up, through actions, the people and homework
of every reliability test: one "world" (its own organization) per test. Runs in its own
process, once (the server's database is not the test database; one Django start-up for all):

    python -m tests.reliability.seed

and prints what the tests need (ids, family codes, tokens, session cookies) as one JSON line.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

PIN = "4831"
# name → (kind, how many): families signed in to the portal, or homework to review.
WORLDS = {
    "logs": ("families", 2),
    "retry": ("families", 1),
    "api": ("reviews", 6),
    "form": ("reviews", 6),
}


def families(prefix: str, count: int) -> dict[str, Any]:
    """`count` families, each a child with homework given a week ago and a caregiver who
    accepted a printed invitation (so she signs in with the family code and a PIN)."""
    from between.accounts import actions as accounts
    from between.accounts.models import Role
    from between.clinic import actions as clinic
    from between.homework import actions as homework
    from between.portal import actions as portal
    from between.portal.models import FamilyAccount
    from tests.homework.factories import TEMPLATE_FIELDS

    org = clinic.create_organization(None, name=f"{prefix} County", slug=prefix)
    program = clinic.create_program(None, org, name="Harbor", code="HAR", kind="outpatient")
    carla = accounts.create_user(None, username=f"{prefix}-carla", first_name="Carla")
    accounts.grant_role(None, carla, program, Role.CLINICIAN)
    item = homework.create_template(None, key=f"{prefix}-breathing", fields=TEMPLATE_FIELDS)
    week_ago = clinic.today() - timedelta(days=7)
    out = []
    for i in range(count):
        child = clinic.register_client(
            None,
            program,
            ehr_id=f"{prefix}-{i}",
            given_name=f"Kid{i}",
            family_name="Test",
            birth_date=week_ago.replace(year=week_ago.year - 10),
            primary_clinician=carla,
        )
        mother = clinic.add_caregiver(
            None, child, given_name=f"Mom{i}", family_name="Test", relationship="mother"
        )
        session = clinic.record_session(carla, child, occurred_on=week_ago)
        given = homework.assign_homework(
            carla,
            session,
            template_version=item.current,
            assignee="youth",
            frequency_per_week=7,
            language="en",
        )
        issued = portal.invite(carla, child, channel="print", caregiver=mother)
        user = portal.accept_invitation(code=issued.code, pin=PIN, language="en")
        code = FamilyAccount.objects.get(user=user).sign_in_code
        out.append({"assignment": given.pk, "code": code, "user": user.pk})
    return {"families": out}


def reviews(prefix: str, count: int) -> dict[str, Any]:
    """Carla and Sam (her supervisor) in today's session with Kai, who was given `count`
    pieces of homework a week ago; each has a write token and a signed-in browser session."""
    from django.test import Client as HttpClient
    from django.utils import timezone

    from between.accounts import actions as accounts
    from between.accounts.models import Role
    from between.clinic import actions as clinic
    from between.homework import actions as homework
    from between.interop.api import tokens
    from tests.homework.factories import TEMPLATE_FIELDS

    org = clinic.create_organization(None, name=f"{prefix} County", slug=prefix)
    program = clinic.create_program(None, org, name="Harbor", code="HAR", kind="outpatient")
    staff = {}
    for role, name in ((Role.CLINICIAN, "carla"), (Role.SUPERVISOR, "sam")):
        staff[name] = accounts.create_user(None, username=f"{prefix}-{name}", first_name=name)
        accounts.grant_role(None, staff[name], program, role)
    carla = staff["carla"]
    item = homework.create_template(None, key=f"{prefix}-breathing", fields=TEMPLATE_FIELDS)
    today = clinic.today()
    kai = clinic.register_client(
        None,
        program,
        ehr_id=f"{prefix}-kai",
        given_name="Kai",
        family_name="Test",
        birth_date=today.replace(year=today.year - 10),
        primary_clinician=carla,
    )
    week_ago = clinic.record_session(carla, kai, occurred_on=today - timedelta(days=7))
    given = [
        homework.assign_homework(
            carla,
            week_ago,
            template_version=item.current if i == 0 else None,
            custom_title="" if i == 0 else f"Homework {i}",
            assignee="youth",
            frequency_per_week=7,
            language="en",
        ).pk
        for i in range(count)
    ]
    session = clinic.record_session(carla, kai, occurred_on=today)
    people = {}
    for name, user in staff.items():
        browser = HttpClient()
        browser.force_login(user)
        made = tokens.create_token(
            user, name=f"{name} write", scope="write", expires_at=timezone.now() + timedelta(1)
        )
        cookies = {key: morsel.value for key, morsel in browser.cookies.items()}
        people[name] = {"id": user.pk, "token": made.secret, "cookies": cookies}
    return {"session": session.pk, "assignments": given, "people": people}


def main() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, skip_checks=True)
    kinds = {"families": families, "reviews": reviews}
    made = {name: kinds[kind](name, count) for name, (kind, count) in WORLDS.items()}
    print(json.dumps(made))


if __name__ == "__main__":
    main()
