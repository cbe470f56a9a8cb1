"""The synthetic county: programs, staff, clients, caregivers, episodes, sessions and notes,
and the homework loop in them (assignments, practice logs, reviews, no-homework reasons).

Reproducible: one `random.Random(seed)` draws everything, and every date and timestamp is
derived from `end_date`, so the same parameters give the same rows (ids aside). Fast: rows are
written with `bulk_create` in batches inside one transaction, and the organization gets one audit
event for the whole generation instead of one per row. Bounded: sessions and notes are flushed
every few thousand rows, so a county of 25,000 children never sits in memory at once.

Only the organization, its programs, the homework library and the demo accounts go through
actions (they are few and their audit events are useful); the bulk rows are synthetic by
construction and skip validation.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from time import perf_counter

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from between.accounts import audit
from between.accounts.models import AuditAction, Membership, Role, User
from between.clinic import actions as clinic_actions
from between.clinic.models import Organization, Program
from between.homework.actions import load_library
from between.synth import demo, names
from between.synth.bulk import RowWriter, orm_write
from between.synth.clinicians import demo_habits, draw_habits
from between.synth.homework import HomeworkLoop
from between.synth.records import ClientWriter, StaffMember, plan_caseloads

Progress = Callable[[int, int], None]

# Kinds of the first five programs (so a small county has each), then drawn by these weights.
KIND_ORDER = ("outpatient", "school", "wraparound", "family", "day_treatment")
KIND_WEIGHTS = {
    "outpatient": 35,
    "school": 25,
    "wraparound": 15,
    "family": 15,
    "day_treatment": 10,
}
KIND_NAMES = {
    "outpatient": ("OUT", "{area} Children's Outpatient Clinic"),
    "school": ("SCH", "{area} School-Based Services"),
    "wraparound": ("WRAP", "{area} Wraparound"),
    "family": ("FAM", "{area} Family Services"),
    "day_treatment": ("DAY", "{area} Day Treatment Program"),
}
# Bigger clinics for outpatient programs, small teams for day treatment.
KIND_STAFFING = {
    "outpatient": 1.6,
    "school": 1.0,
    "wraparound": 0.8,
    "family": 0.9,
    "day_treatment": 0.7,
}
AREAS = (
    "Harbor", "North Coastal", "South Bay", "East County", "Central", "North Inland", "Mesa",
    "Valley", "Bayside", "Canyon", "Hillcrest", "Lakeside", "Riverside", "Seaview", "Pinecrest",
    "Oak Grove", "Cedar Park", "Sunset", "Palm Springs Road", "Mountain View", "Eastlake",
    "Westview", "Creekside", "Highland", "Shoreline", "Meadowbrook", "Fairview", "Brookside",
    "Granite Hills", "Willow Glen",
)  # fmt: skip


class CountyExists(ValueError):
    """An organization with this slug exists already: generation never touches it."""


@dataclass(frozen=True)
class CountyParams:
    programs: int = 4
    clinicians: int = 40
    clients: int = 600
    months: int = 12
    seed: int = 2026
    end_date: date | None = None
    slug: str = "demo-county"
    name: str = "Demo County (synthetic)"
    with_demo_accounts: bool = False

    def problems(self) -> list[str]:
        """What is wrong with these parameters, in words for the command line."""
        found = [
            f"{label} must be a positive number, not {value}"
            for label, value in (
                ("programs", self.programs),
                ("clinicians", self.clinicians),
                ("clients", self.clients),
                ("months", self.months),
            )
            if value < 1
        ]
        if self.programs >= 1 and self.clinicians < self.programs:
            found.append(
                f"clinicians ({self.clinicians}) must be at least programs ({self.programs}): "
                "every program needs a clinician"
            )
        if self.months > 120:
            found.append(f"months must be at most 120, not {self.months}")
        if not self.slug:
            found.append("the organization slug is empty")
        return found


@dataclass
class CountySummary:
    organization_id: int
    slug: str
    name: str
    seed: int
    end_date: date
    programs: int = 0
    clinicians: int = 0
    supervisors: int = 0
    clients: int = 0
    caregivers: int = 0
    episodes: int = 0
    sessions: int = 0
    scheduled_sessions: int = 0
    notes: int = 0
    spanish_notes: int = 0
    assignments: int = 0
    practice_logs: int = 0
    reviews: int = 0
    no_homework: int = 0
    elapsed_seconds: float = 0.0
    # When the synthetic Performance Improvement Project begins to lift homework use.
    pip_start: date | None = None
    warnings: list[str] = field(default_factory=list)
    demo_accounts: list[str] = field(default_factory=list)


def generate_county(
    params: CountyParams, progress: Progress | None = None, *, write: RowWriter = orm_write
) -> CountySummary:
    """Create a whole synthetic county; raise CountyExists if the slug is taken.

    `write` writes the buffered rows: `bulk_create` by default, or `synth.bulk.fast_write`
    (COPY on PostgreSQL) for benchmark counties; the rows are the same."""
    problems = params.problems()
    if problems:
        raise ValueError("; ".join(problems))
    if params.with_demo_accounts:
        demo.ensure_allowed()
    started = perf_counter()
    end_date = params.end_date or timezone.localdate()
    with transaction.atomic():
        if Organization.objects.filter(slug=params.slug).exists():
            raise CountyExists(f"An organization with the slug {params.slug!r} exists already.")
        load_library(None)  # idempotent: the library the homework is drawn from
        builder = _CountyBuilder(params, end_date, write)
        summary = builder.build(progress)
    summary.elapsed_seconds = round(perf_counter() - started, 2)
    return summary


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def ehr_prefix(slug: str) -> str:
    """'demo-county' -> 'DC': the first letters of the slug's words, for readable EHR ids."""
    letters = "".join(part[0] for part in slug.replace("_", "-").split("-") if part)
    return (letters[:3] or "X").upper()


class _CountyBuilder:
    def __init__(self, params: CountyParams, end_date: date, write: RowWriter) -> None:
        self.params = params
        self.write = write
        self.rng = random.Random(params.seed)
        self.end_date = end_date
        self.window_start = months_before(end_date, params.months)
        self.zone: tzinfo = timezone.get_default_timezone()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def build(self, progress: Progress | None) -> CountySummary:
        params = self.params
        organization = clinic_actions.create_organization(None, name=params.name, slug=params.slug)
        summary = CountySummary(
            organization_id=organization.pk,
            slug=organization.slug,
            name=organization.name,
            seed=params.seed,
            end_date=self.end_date,
        )
        programs = self._programs(organization)
        demo_staff = demo.create_staff_accounts(programs) if params.with_demo_accounts else None
        clinicians, supervisors = self._staff(programs, demo_staff)
        warning = plan_caseloads(
            self.rng, clinicians, params.clients, fixed={0: 15} if demo_staff else {}
        )
        if warning:
            summary.warnings.append(warning)
        homework = HomeworkLoop(
            rng=self.rng,
            seed=params.seed,
            slug=params.slug,
            window_start=self.window_start,
            end_date=self.end_date,
            at=self.at,
            write=self.write,
        )
        writer = ClientWriter(
            rng=self.rng,
            organization=organization,
            end_date=self.end_date,
            window_start=self.window_start,
            at=self.at,
            prefix=ehr_prefix(params.slug),
            homework=homework,
            write=self.write,
        )
        done = 0
        for clinician in clinicians:
            for _ in range(clinician.caseload):
                writer.add_client(clinician)
                done += 1
                if progress is not None:
                    progress(done, params.clients)
        writer.flush()

        summary.pip_start = homework.pip_start
        summary.programs = len(programs)
        summary.clinicians = len(clinicians)
        summary.supervisors = len(supervisors)
        summary.clients = writer.counts["clients"]
        summary.caregivers = writer.counts["caregivers"]
        summary.episodes = writer.counts["episodes"]
        summary.sessions = writer.counts["sessions"]
        summary.scheduled_sessions = writer.counts["scheduled"]
        summary.notes = writer.counts["notes"]
        summary.spanish_notes = writer.counts["spanish_notes"]
        summary.assignments = homework.counts["assignments"]
        summary.practice_logs = homework.counts["practice_logs"]
        summary.reviews = homework.counts["reviews"]
        summary.no_homework = homework.counts["no_homework"]
        if demo_staff is not None:
            summary.demo_accounts = demo.create_remaining_accounts(
                organization, programs, demo_staff
            )
        audit.record(None, AuditAction.CREATE, organization, detail=f"synth:seed={params.seed}")
        return summary

    def _programs(self, organization: Organization) -> list[Program]:
        rng = self.rng
        areas = list(AREAS)
        rng.shuffle(areas)
        kinds = list(KIND_WEIGHTS)
        weights = list(KIND_WEIGHTS.values())
        programs = []
        for index in range(self.params.programs):
            kind = KIND_ORDER[index] if index < len(KIND_ORDER) else rng.choices(kinds, weights)[0]
            prefix, pattern = KIND_NAMES[kind]
            area = areas[index % len(areas)]
            if index >= len(areas):
                area = f"{area} {index // len(areas) + 1}"
            programs.append(
                clinic_actions.create_program(
                    None,
                    organization,
                    name=pattern.format(area=area),
                    code=f"{prefix}-{index + 1:03d}",
                    kind=kind,
                )
            )
        return programs

    def _staff(
        self, programs: list[Program], demo_staff: demo.DemoStaff | None
    ) -> tuple[list[StaffMember], list[User]]:
        """One supervisor per program and the clinicians, spread over programs by size."""
        rng = self.rng
        per_program = [1] * len(programs)
        weights = [KIND_STAFFING[p.kind] for p in programs]
        for _ in range(self.params.clinicians - len(programs)):
            per_program[rng.choices(range(len(programs)), weights)[0]] += 1

        new_users: list[User] = []
        memberships: list[Membership] = []
        clinicians: list[StaffMember] = []
        supervisors: list[User] = []
        password = make_password(None)
        # Two in five clinicians speak Spanish; most Spanish-speaking families see one of them
        # (the others work with interpreters).
        count = self.params.clinicians
        bilingual = set(rng.sample(range(count), round(0.4 * count)))
        for index, program in enumerate(programs):
            joined = self.window_start - timedelta(days=rng.randint(60, 1500))
            if demo_staff is not None and index < 2:
                supervisors.append(demo_staff.supervisor)
            else:
                user = self._staff_user(len(new_users) + 1, joined, password)
                new_users.append(user)
                supervisors.append(user)
                memberships.append(self._membership(user, program, Role.SUPERVISOR, joined))
            for slot in range(per_program[index]):
                is_bilingual = len(clinicians) in bilingual
                habits = draw_habits(rng)
                if demo_staff is not None and index == 0 and slot == 0:
                    # The demo clinician: bilingual, with middling homework habits.
                    user, is_bilingual, habits = demo_staff.clinician, True, demo_habits()
                else:
                    joined = self.window_start - timedelta(days=rng.randint(30, 2500))
                    user = self._staff_user(
                        len(new_users) + 1, joined, password, spanish=is_bilingual
                    )
                    new_users.append(user)
                    memberships.append(self._membership(user, program, Role.CLINICIAN, joined))
                member = StaffMember(
                    user=user,
                    program=program,
                    is_bilingual=is_bilingual,
                    habits=habits,
                    spanish_share=0.6 if is_bilingual else 0.27,
                )
                clinicians.append(member)
        User.objects.bulk_create(new_users)
        Membership.objects.bulk_create(memberships)
        return clinicians, supervisors

    def _staff_user(
        self, number: int, joined: date, password: str, *, spanish: bool = False
    ) -> User:
        rng = self.rng
        person = names.pick_adult(
            rng,
            spanish=rng.random() < (0.7 if spanish else 0.15),
            is_female=rng.random() < 0.75,
        )
        given, family = names.ascii_slug(person.given_name), names.ascii_slug(person.family_name)
        return User(
            username=f"{given}.{family}-{number}.{self.params.slug}"[:150],
            first_name=person.given_name,
            last_name=person.family_name,
            email=f"{given}.{family}.{number}@example.org",
            preferred_language="es" if spanish and rng.random() < 0.25 else "en",
            password=password,
            date_joined=self.at(joined, 9),
        )

    def _membership(self, user: User, program: Program, role: str, joined: date) -> Membership:
        return Membership(user=user, program=program, role=role, created_at=self.at(joined, 9))
