"""Demo sign-ins for a synthetic county: one account per role, one shared published password.

Created through the account and clinic actions (so they are audited like any account), and
refused in production: a published password must never open a real deployment.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from between.accounts.actions import create_user, grant_role
from between.accounts.models import Membership, Role, User
from between.clinic.actions import link_family_account
from between.clinic.models import ClientCaregiver, Organization, Program

# Published on purpose (README, command output): demo data only, refused in production.
DEMO_PASSWORD = "demo-between-2026"  # noqa: S105

DEMO_ACCOUNTS: list[tuple[str, str]] = [
    ("demo-clinician", "own caseload (15 children): sessions, notes, homework to review"),
    ("demo-supervisor", "clinicians and every client of the first two programs"),
    ("demo-reviewer", "records sampled into a review cycle (none until a cycle exists)"),
    ("demo-analyst", "program counts, small cells (1-10) suppressed; no records"),
    ("demo-trainer", "staff of every program"),
    ("demo-admin", "programs and staff; the admin site at /admin/"),
    ("demo-family", "their child's first name and next session; never notes"),
]
DEMO_USERNAMES = [username for username, _ in DEMO_ACCOUNTS]

# Synthetic staff names for the demo personas (generic, common names).
_STAFF = {
    "demo-clinician": ("Dana", "Morales", Role.CLINICIAN),
    "demo-supervisor": ("Grace", "Whitfield", Role.SUPERVISOR),
    "demo-reviewer": ("Laura", "Bennett", Role.REVIEWER),
    "demo-analyst": ("Marcus", "Hill", Role.ANALYST),
    "demo-trainer": ("Elena", "Castillo", Role.TRAINER),
    "demo-admin": ("Robert", "Ellis", Role.ADMIN),
}


class DemoAccountsRefused(RuntimeError):
    """Demo accounts cannot be made here (production mode, or they exist already)."""


@dataclass(frozen=True)
class DemoStaff:
    """The demo accounts the generator builds the county around."""

    clinician: User
    supervisor: User


def ensure_allowed() -> None:
    if settings.PRODUCTION:
        raise DemoAccountsRefused(
            "Demo accounts share a published password and are refused when BETWEEN_MODE=production."
        )
    existing = sorted(
        User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
    )
    if existing:
        raise DemoAccountsRefused(
            f"Demo accounts exist already ({', '.join(existing)}); a database holds one set."
        )


def _create(
    username: str,
    first_name: str,
    last_name: str,
    *,
    preferred_language: str = "en",
    is_admin_site_user: bool = False,
) -> User:
    return create_user(
        None,
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=f"{username}@example.org",
        password=DEMO_PASSWORD,
        preferred_language=preferred_language,
        is_admin_site_user=is_admin_site_user,
        # The password is published on purpose; the validators would reject it as common.
        check_password=False,
    )


def create_staff_accounts(programs: list[Program]) -> DemoStaff:
    """demo-clinician (first program) and demo-supervisor (first two programs)."""
    ensure_allowed()
    first, last, _role = _STAFF["demo-clinician"]
    clinician = _create("demo-clinician", first, last)
    grant_role(None, clinician, programs[0], Role.CLINICIAN)
    first, last, _role = _STAFF["demo-supervisor"]
    supervisor = _create("demo-supervisor", first, last)
    for program in programs[:2]:
        grant_role(None, supervisor, program, Role.SUPERVISOR)
    return DemoStaff(clinician=clinician, supervisor=supervisor)


def create_remaining_accounts(
    organization: Organization, programs: list[Program], staff: DemoStaff
) -> list[str]:
    """Reviewer, analyst, trainer and admin in every program; the family account. Runs after
    the clients exist (the family account belongs to one of demo-clinician's families)."""
    for username in ("demo-reviewer", "demo-analyst", "demo-trainer", "demo-admin"):
        first, last, role = _STAFF[username]
        user = _create(username, first, last, is_admin_site_user=username == "demo-admin")
        for program in programs:
            grant_role(None, user, program, role)
    created = ["demo-clinician", "demo-supervisor", "demo-reviewer", "demo-analyst"]
    created += ["demo-trainer", "demo-admin"]
    if _create_family_account(organization, staff.clinician):
        created.append("demo-family")
    return created


def _create_family_account(organization: Organization, clinician: User) -> bool:
    """Link demo-family to the primary caregiver of one of demo-clinician's children, best
    one with an open episode, a scheduled session, messaging consent and open homework with
    practice logged (so the family's pages have something to show)."""
    links = ClientCaregiver.objects.filter(
        client__organization=organization,
        client__primary_clinician=clinician,
        is_primary=True,
        caregiver__user__isnull=True,
    ).order_by("client__ehr_id")
    ready = links.filter(
        caregiver__messaging_consent_at__isnull=False,
        client__episodes__closed_on__isnull=True,
        client__sessions__status="scheduled",
    )
    practicing = ready.filter(
        client__assignments__closed_at__isnull=True, client__assignments__logs__isnull=False
    )
    link = (
        practicing.select_related("caregiver").first()
        or ready.select_related("caregiver").first()
        or links.select_related("caregiver").first()
    )
    if link is None:
        return False
    caregiver = link.caregiver
    user = _create(
        "demo-family",
        caregiver.given_name,
        caregiver.family_name,
        preferred_language=caregiver.language if caregiver.language in ("en", "es") else "en",
    )
    link_family_account(None, caregiver, user)
    return True


def demo_accounts_of(organization: Organization) -> list[tuple[str, str]]:
    """The demo sign-ins (username, what it shows) that belong to this organization."""
    present = set(
        Membership.objects.filter(
            program__organization=organization, user__username__in=DEMO_USERNAMES
        ).values_list("user__username", flat=True)
    )
    return [(username, shows) for username, shows in DEMO_ACCOUNTS if username in present]
