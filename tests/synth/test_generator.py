"""The synthetic county generator and `between synth`: reproducible, realistic, safe to re-run."""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Min
from django.test import RequestFactory, override_settings
from django.utils.timezone import localtime

from between.accounts.models import AuditEvent, Membership, Role, User
from between.clinic.models import (
    Caregiver,
    Client,
    ClientCaregiver,
    Episode,
    Organization,
    Program,
    ProgressNote,
    Session,
)
from between.homework.actions import load_library
from between.homework.models import Assignment, NoHomework, PracticeLog, Review
from between.synth.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoAccountsRefused
from between.synth.generator import (
    CountyExists,
    CountyParams,
    CountySummary,
    ehr_prefix,
    generate_county,
)

END = date(2025, 6, 30)
SMALL: dict[str, Any] = {
    "programs": 2,
    "clinicians": 4,
    "clients": 50,
    "months": 3,
    "end_date": END,
}
# Big enough for shares (languages, homework habits) to settle near their targets.
MEDIUM: dict[str, Any] = {
    "programs": 3,
    "clinicians": 12,
    "clients": 180,
    "months": 4,
    "end_date": END,
}
SMALL_ARGS = ["--programs", "2", "--clinicians", "4", "--clients", "50", "--months", "3"]


def small(slug: str = "small-county", *, seed: int = 11, **changes: Any) -> CountySummary:
    return generate_county(CountyParams(**{**SMALL, "seed": seed, "slug": slug, **changes}))


def digest(slug: str) -> str:
    """A fingerprint of everything generated for one organization, except ids and usernames
    (which carry the slug)."""
    org = Organization.objects.get(slug=slug)
    parts: list[Any] = [
        Program.objects.filter(organization=org)
        .order_by("code")
        .values_list("code", "name", "kind"),
        Membership.objects.filter(program__organization=org)
        .order_by("program__code", "role", "user__email")
        .values_list(
            "program__code",
            "role",
            "user__first_name",
            "user__last_name",
            "user__email",
            "created_at",
        ),
        Client.objects.filter(organization=org)
        .order_by("ehr_id")
        .values_list(
            "ehr_id",
            "given_name",
            "family_name",
            "birth_date",
            "preferred_language",
            "diagnosis_group",
            "program__code",
            "primary_clinician__email",
            "created_at",
        ),
        Caregiver.objects.filter(organization=org)
        .order_by("ehr_id")
        .values_list(
            "ehr_id",
            "given_name",
            "family_name",
            "language",
            "phone",
            "email",
            "messaging_consent_at",
        ),
        ClientCaregiver.objects.filter(client__organization=org)
        .order_by("client__ehr_id", "caregiver__ehr_id")
        .values_list("client__ehr_id", "caregiver__ehr_id", "relationship", "is_primary"),
        Episode.objects.filter(client__organization=org)
        .order_by("ehr_id")
        .values_list("ehr_id", "client__ehr_id", "opened_on", "closed_on"),
        Session.objects.filter(program__organization=org)
        .order_by("ehr_id")
        .values_list(
            "ehr_id",
            "client__ehr_id",
            "clinician__email",
            "occurred_on",
            "session_type",
            "is_intake",
            "status",
            "youth_attended",
            "caregiver_attended",
            "duration_minutes",
            "created_at",
        ),
        ProgressNote.objects.filter(session__program__organization=org)
        .order_by("ehr_id")
        .values_list(
            "ehr_id", "session__ehr_id", "author__email", "language", "text", "written_at"
        ),
        *homework_rows(org),
    ]
    # EHR ids start with the slug's initials ("DC-000123" in demo-county): compare the rest.
    text = repr([list(rows) for rows in parts]).replace(f"'{ehr_prefix(slug)}-", "'")
    return hashlib.sha256(text.encode()).hexdigest()


def homework_rows(org: Organization) -> list[Any]:
    """The homework of an organization, named by session EHR ids and library keys. Handout
    codes (and the practice-log keys made from them) are left out: they are unique across the
    database, so a second county from the same seed draws its own."""
    assignments = Assignment.objects.filter(client__organization=org)
    # Two assignments of one session are told apart by their order of creation.
    in_order = ("session__ehr_id", "id")
    return [
        assignments.order_by(*in_order).values_list(
            "session__ehr_id",
            "template_version__template__key",
            "template_version__number",
            "custom_title",
            "assignee",
            "frequency_per_week",
            "due_on",
            "language",
            "rationale_explained",
            "designed_together",
            "practiced_in_session",
            "written_copy_given",
            "obstacles_discussed",
            "confidence",
            "assigned_by__email",
            "closed_at",
            "created_at",
        ),
        PracticeLog.objects.filter(assignment__in=assignments)
        .order_by("assignment__session__ehr_id", "assignment_id", "practiced_on")
        .values_list(
            "assignment__session__ehr_id",
            "practiced_on",
            "completion",
            "count",
            "rating",
            "note",
            "source",
            "logged_by__email",
            "created_at",
        ),
        Review.objects.filter(assignment__in=assignments)
        .order_by("session__ehr_id", "assignment__session__ehr_id", "assignment_id")
        .values_list(
            "session__ehr_id",
            "assignment__session__ehr_id",
            "completion",
            "barrier_other",
            "strategy__code",
            "strategy_other",
            "reviewed_by__email",
            "version",
            "created_at",
        ),
        Review.barriers.through.objects.filter(review__assignment__in=assignments)
        .order_by("review__session__ehr_id", "review__assignment_id", "barrier__code")
        .values_list("review__session__ehr_id", "barrier__code"),
        NoHomework.objects.filter(session__program__organization=org)
        .order_by("session__ehr_id")
        .values_list("session__ehr_id", "reason", "detail", "recorded_by__email", "recorded_at"),
    ]


def run_synth(*args: str) -> str:
    out = StringIO()
    call_command("synth", *args, "--quiet", stdout=out, stderr=StringIO())
    return out.getvalue()


def table_counts() -> dict[str, int]:
    models = (
        Organization,
        Program,
        User,
        Membership,
        Client,
        Caregiver,
        Session,
        ProgressNote,
        Assignment,
        PracticeLog,
        Review,
        NoHomework,
    )
    return {model.__name__: model.objects.count() for model in models} | {
        "audit": AuditEvent.objects.count()
    }


# -- reproducible --------------------------------------------------------------------------


def test_it_makes_the_same_county_from_the_same_seed(db: None) -> None:
    small("county-a", seed=5)
    small("county-b", seed=5)
    assert digest("county-a") == digest("county-b")
    # The homework is part of what is compared, and there is some of each kind.
    org = Organization.objects.get(slug="county-a")
    assert all(rows.exists() for rows in homework_rows(org))


def test_it_makes_a_different_county_from_another_seed(db: None) -> None:
    small("county-a", seed=5)
    small("county-b", seed=6)
    assert digest("county-a") != digest("county-b")


def test_it_refuses_an_existing_slug(db: None) -> None:
    small("county-a")
    with pytest.raises(CountyExists):
        small("county-a")


# -- sized by the parameters ---------------------------------------------------------------


def test_it_creates_the_numbers_asked_for(db: None) -> None:
    calls: list[tuple[int, int]] = []
    summary = generate_county(
        CountyParams(**SMALL, seed=3, slug="sized"), progress=lambda *a: calls.append(a)
    )
    org = Organization.objects.get(slug="sized")
    programs = Program.objects.filter(organization=org)
    assert programs.count() == summary.programs == 2
    members = Membership.objects.filter(program__organization=org)
    assert members.filter(role=Role.CLINICIAN).count() == summary.clinicians == 4
    for program in programs:
        assert members.filter(program=program, role=Role.SUPERVISOR).count() == 1
        assert members.filter(program=program, role=Role.CLINICIAN).exists()
    assert Client.objects.filter(organization=org).count() == summary.clients == 50
    assert Episode.objects.filter(client__organization=org).count() == 50
    assert Caregiver.objects.filter(organization=org).count() == summary.caregivers
    assert Session.objects.filter(program__organization=org).count() == summary.sessions
    assert ProgressNote.objects.filter(session__program__organization=org).count() == summary.notes
    assert calls[-1] == (50, 50)
    assert summary.warnings == []


def test_it_keeps_caseloads_between_10_and_25(db: None) -> None:
    generate_county(CountyParams(**MEDIUM, seed=4))
    caseloads = Counter(Client.objects.values_list("primary_clinician", flat=True))
    assert len(caseloads) == 12
    assert all(10 <= size <= 25 for size in caseloads.values()), caseloads


def test_it_warns_when_caseloads_cannot_be_realistic(db: None) -> None:
    summary = small(clients=12)
    assert any("outside the realistic 10-25" in warning for warning in summary.warnings)
    assert Client.objects.count() == 12


def test_it_mixes_program_kinds(db: None) -> None:
    generate_county(CountyParams(programs=5, clinicians=5, clients=50, months=1, end_date=END))
    kinds = set(Program.objects.values_list("kind", flat=True))
    assert kinds == {"outpatient", "school", "wraparound", "family", "day_treatment"}


# -- realistic -----------------------------------------------------------------------------


def test_it_gives_about_40_percent_spanish_speaking_caregivers(db: None) -> None:
    generate_county(CountyParams(**MEDIUM, seed=5))
    languages = Counter(Caregiver.objects.values_list("language", flat=True))
    assert 0.3 <= languages["es"] / sum(languages.values()) <= 0.5


def test_it_covers_every_diagnosis_group_and_age(db: None) -> None:
    small()
    groups = set(Client.objects.values_list("diagnosis_group", flat=True))
    assert groups == {"disruptive", "anxiety", "depression", "trauma", "adhd", "other"}
    assert all(4 <= client.age_on(END) <= 17 for client in Client.objects.all())


def test_it_gives_each_client_one_or_two_caregivers_one_primary(db: None) -> None:
    small()
    for client in Client.objects.annotate(n=Count("caregiver_links")):
        assert client.n in (1, 2)
        assert client.caregiver_links.filter(is_primary=True).count() == 1
    consent = Caregiver.objects.filter(messaging_consent_at__isnull=False).count()
    assert 0.5 <= consent / Caregiver.objects.count() <= 0.9
    assert all(
        p.startswith("+1") and p[-4:-2] == "01"
        for p in Caregiver.objects.exclude(phone="").values_list("phone", flat=True)
    )
    assert all(
        e.endswith("@example.org")
        for e in Caregiver.objects.exclude(email="").values_list("email", flat=True)
    )


def test_it_records_missed_and_upcoming_sessions(db: None) -> None:
    small()
    statuses = Counter(Session.objects.values_list("status", flat=True))
    assert statuses["cancelled"] and statuses["no_show"] and statuses["scheduled"]
    past = sum(statuses.values()) - statuses["scheduled"]
    assert 0.7 <= statuses["attended"] / past <= 0.9
    assert not Session.objects.exclude(status="scheduled").filter(occurred_on__gt=END).exists()
    scheduled = Session.objects.filter(status="scheduled")
    assert not scheduled.filter(occurred_on__lte=END).exists()
    assert not scheduled.filter(occurred_on__gt=END + timedelta(days=14)).exists()
    assert not scheduled.filter(episode__closed_on__isnull=False).exists()
    assert Episode.objects.filter(closed_on__isnull=False).exists()


def test_it_flags_the_first_session_of_each_episode_as_intake(db: None) -> None:
    small()
    intakes = Session.objects.filter(is_intake=True)
    assert intakes.count() == Client.objects.count()
    first_days = dict(Session.objects.values_list("client").annotate(first=Min("occurred_on")))
    for session in intakes:
        assert session.status == "attended"
        assert session.occurred_on == first_days[session.client_id]


def test_it_keeps_attendance_consistent_with_the_session(db: None) -> None:
    small()
    for session in Session.objects.all():
        if session.status == "attended":
            assert session.youth_attended or session.caregiver_attended
            assert session.duration_minutes is not None
            assert 30 <= session.duration_minutes <= 60
            if session.session_type == "group":
                assert not session.caregiver_attended
            if session.session_type == "family":
                assert session.caregiver_attended
        else:
            assert not (session.youth_attended or session.caregiver_attended)
            assert session.duration_minutes is None
    types = set(Session.objects.values_list("session_type", flat=True))
    assert types == {"individual", "family", "group"}


def test_it_writes_a_note_for_each_attended_session_in_both_languages(db: None) -> None:
    small()
    attended = Session.objects.filter(status="attended")
    assert ProgressNote.objects.count() == attended.count()
    assert not ProgressNote.objects.exclude(session__status="attended").exists()
    assert not ProgressNote.objects.exclude(author=F("session__clinician")).exists()
    languages = Counter(ProgressNote.objects.values_list("language", flat=True))
    assert languages["en"] and languages["es"]
    # Spanish notes only for families with a Spanish-speaking caregiver.
    spanish = ProgressNote.objects.filter(language="es")
    assert not spanish.exclude(session__client__caregiver_links__caregiver__language="es").exists()


def test_it_writes_the_homework_cases_a_detector_must_tell_apart(db: None) -> None:
    generate_county(CountyParams(**MEDIUM, seed=6))
    texts = list(ProgressNote.objects.values_list("text", flat=True))

    def share(pattern: str) -> float:
        return sum(bool(re.search(pattern, text)) for text in texts) / len(texts)

    assert share(r"Assigned |Homework: |HW: |Home practice: |to practice ") > 0.05
    assert share(r"Reviewed last week's|HW review|Reviewed homework|Homework review") > 0.01
    assert share(r"No homework|Homework not assigned|No home practice|Did not assign") > 0
    assert share(r"Will consider assigning|Plan to introduce|May assign") > 0
    assert share(r"math homework|school homework|homework from school|turning in homework") > 0
    assert share(r"Se asignó|Tarea: |Se dejó de tarea|Tarea para") > 0
    assert share(r"No se asignó tarea|Sin tarea|No se dejó tarea") > 0
    assert share(r"tarea de matemáticas|tareas escolares|tarea de la escuela|no entrega") > 0
    # Clinicians differ: some write homework into most notes, some almost never.
    rates = []
    for clinician in User.objects.filter(memberships__role=Role.CLINICIAN):
        notes = list(ProgressNote.objects.filter(author=clinician).values_list("text", flat=True))
        assigned = [re.search(r"Assigned |HW: |Homework: |Se asignó|Tarea: ", t) for t in notes]
        rates.append(sum(map(bool, assigned)) / len(notes))
    assert max(rates) - min(rates) > 0.15


def test_it_gives_readable_ehr_ids_and_timestamps_from_the_end_date(db: None) -> None:
    generate_county(CountyParams(**SMALL, seed=2))
    assert all(
        re.fullmatch(r"DC-\d{6}", e) for e in Client.objects.values_list("ehr_id", flat=True)
    )
    assert all(
        re.fullmatch(r"S-\d{7}", e) for e in Session.objects.values_list("ehr_id", flat=True)
    )
    latest_session = max(Session.objects.values_list("created_at", flat=True))
    latest_client = max(Client.objects.values_list("created_at", flat=True))
    latest_note = max(ProgressNote.objects.values_list("written_at", flat=True))
    assert localtime(max(latest_session, latest_client, latest_note)).date() <= END


def test_it_writes_one_audit_event_for_the_generation(db: None) -> None:
    load_library(None)  # loading it is audited once per template; the generator reloads it
    before = AuditEvent.objects.count()
    small(seed=42)
    events = AuditEvent.objects.filter(detail="synth:seed=42")
    assert events.count() == 1
    assert events.get().object_type == "clinic.organization"
    # Organization and programs through actions; no event per client, session, note or
    # homework row, and the unchanged library makes none.
    assert AuditEvent.objects.count() - before == 1 + 1 + 2


# -- demo accounts -------------------------------------------------------------------------


def test_it_creates_no_demo_accounts_without_the_flag(db: None) -> None:
    small()
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_it_creates_demo_accounts_that_sign_in_with_their_roles(db: None) -> None:
    summary = small(with_demo_accounts=True)
    assert summary.demo_accounts == [username for username, _ in DEMO_ACCOUNTS]
    for username, _ in DEMO_ACCOUNTS:
        # django-axes throttles by address: authentication needs the request, as at sign-in.
        request = RequestFactory().post("/accounts/sign-in/")
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
    programs = list(Program.objects.order_by("code"))
    first, second = (p for p in programs if p.code.endswith("-001") or p.code.endswith("-002"))

    def holds(username: str, role: str) -> set[str]:
        rows = Membership.objects.filter(user__username=username, role=role)
        return set(rows.values_list("program__code", flat=True))

    codes = {p.code for p in programs}
    assert holds("demo-clinician", Role.CLINICIAN) == {first.code}
    assert holds("demo-supervisor", Role.SUPERVISOR) == {first.code, second.code}
    for username, role in [
        ("demo-reviewer", Role.REVIEWER),
        ("demo-analyst", Role.ANALYST),
        ("demo-trainer", Role.TRAINER),
        ("demo-admin", Role.ADMIN),
    ]:
        assert holds(username, role) == codes
    assert not Membership.objects.filter(
        user__username="demo-analyst", has_record_access=True
    ).exists()
    admin = User.objects.get(username="demo-admin")
    assert admin.is_staff and admin.is_superuser

    clinician = User.objects.get(username="demo-clinician")
    caseload = Client.objects.filter(primary_clinician=clinician)
    assert caseload.count() == 15
    assert not Session.objects.filter(client__in=caseload).exclude(clinician=clinician).exists()
    assert Session.objects.filter(client__in=caseload, status="scheduled").exists()

    family = User.objects.get(username="demo-family")
    caregiver = Caregiver.objects.get(user=family)
    assert caregiver.client_links.filter(
        is_primary=True, client__primary_clinician=clinician
    ).exists()
    assert holds("demo-family", Role.FAMILY) == {first.code}


def test_it_refuses_demo_accounts_in_production(db: None) -> None:
    with override_settings(PRODUCTION=True):
        with pytest.raises(DemoAccountsRefused, match="BETWEEN_MODE"):
            small(with_demo_accounts=True)
        for flag in ("--demo", "--demo-accounts"):
            with pytest.raises(CommandError, match="BETWEEN_MODE"):
                run_synth(flag, *SMALL_ARGS, "--end-date", END.isoformat())
    assert not Organization.objects.exists()


def test_it_refuses_a_second_set_of_demo_accounts(db: None) -> None:
    small("county-a", with_demo_accounts=True)
    with pytest.raises(CommandError, match="Demo accounts exist already"):
        run_synth("--demo-accounts", *SMALL_ARGS, "--slug", "county-b")
    assert not Organization.objects.filter(slug="county-b").exists()


# -- the command ---------------------------------------------------------------------------


def test_it_builds_the_demo_preset_once_and_then_does_nothing(db: None) -> None:
    # The one full-size run of the file (about 10 s): the preset `make demo` uses.
    started = time.perf_counter()
    first = run_synth("--demo", "--end-date", END.isoformat())
    assert time.perf_counter() - started < 60
    assert "Created Demo County (synthetic) (demo-county): seed 2026" in first
    assert "http://127.0.0.1:8000/" in first
    assert all(username in first for username, _ in DEMO_ACCOUNTS)
    assert DEMO_PASSWORD in first
    org = Organization.objects.get(slug="demo-county")
    assert org.programs.count() == 4
    clinicians = Membership.objects.filter(program__organization=org, role=Role.CLINICIAN)
    assert clinicians.count() == 40
    assert org.clients.count() == 600
    assert Client.objects.filter(primary_clinician__username="demo-clinician").count() == 15
    before = table_counts()

    again = run_synth("--demo", "--end-date", END.isoformat())

    assert table_counts() == before
    assert "exists already; nothing changed" in again
    assert "demo-clinician" in again
    assert DEMO_PASSWORD in again


def test_it_does_nothing_when_a_county_without_demo_accounts_exists(db: None) -> None:
    run_synth(*SMALL_ARGS, "--slug", "plain")
    before = table_counts()
    again = run_synth(*SMALL_ARGS, "--slug", "plain", "--seed", "99")
    assert table_counts() == before
    assert "exists already; nothing changed" in again
    assert "demo-" not in again


def test_it_prints_a_summary_of_what_it_made(db: None) -> None:
    output = run_synth(*SMALL_ARGS, "--seed", "9", "--slug", "summary-county")
    assert "Created Summary County (synthetic) (summary-county): seed 9" in output
    for label in (
        "programs",
        "clinicians",
        "clients",
        "caregivers",
        "sessions",
        "notes",
        "homework assignments",
        "practice logs",
        "homework reviews",
        "no-homework reasons",
        "elapsed",
    ):
        assert label in output
    assert "demo-" not in output
    assert Organization.objects.get(slug="summary-county").clients.count() == 50


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--programs", "0", "--clinicians", "4", "--clients", "50"],
            "Programs must be a positive",
        ),
        (["--programs", "3", "--clinicians", "2", "--clients", "50"], "at least programs"),
        (["--programs", "2", "--clinicians", "4", "--clients", "-1"], "Clients must be a positive"),
        ([*SMALL_ARGS, "--months", "0"], "Months must be a positive"),
        (["--programs", "2", "--clinicians", "4"], "Give --clients"),
        ([*SMALL_ARGS, "--end-date", "30/06/2025"], "not a date"),
        ([*SMALL_ARGS, "--end-date", "2999-01-01"], "in the future"),
        ([*SMALL_ARGS, "--slug", "not a slug"], "not a slug"),
        (["--programs", "two"], "invalid int value"),
    ],
)
def test_it_rejects_bad_arguments(db: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run_synth(*args)
    assert not Organization.objects.exists()


def test_it_plants_outcomes_on_request(db: None) -> None:
    from between.outcomes.models import Administration

    out = run_synth(
        "--programs", "1", "--clinicians", "2", "--clients", "30", "--months", "6",
        "--seed", "5", "--end-date", "2025-06-30", "--outcome-effect", "-6",
    )  # fmt: skip
    assert "planted change -6 points per unit of homework exposure" in out
    forms = Administration.objects.all()
    assert forms.count() > 0 and {f.occasion for f in forms} == {"intake", "follow_up"}
    run_synth("--slug", "other", "--clients", "20", "--clinicians", "2", "--programs", "1")
    assert Administration.objects.count() == forms.count()  # no effect asked: none planted
