"""Role × URL × ownership: what every persona gets from every page, on program A and B objects.

Program A is Harbor Clinic (client Kai), program B is Bayside Center (client Nico, Olivia's).
Every URL pattern of the project must have its rows here: a new page fails
`test_it_covers_every_url_pattern` until someone decides who may open it.
The admin site's own routes are covered by `test_it_keeps_the_admin_site_to_admin_site_users`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from between.accounts import actions as account_actions
from between.audits import actions as audit_actions
from between.audits.models import CorrectiveAction, RecordReview, ReviewCycle, ReviewTool
from between.clinic import actions as clinic_actions
from between.clinic.models import ProgressNote, Session
from between.homework import actions as homework_actions
from between.homework.models import (
    Assignment,
    HomeworkTemplate,
    NoHomework,
    PracticeLog,
    Review,
)
from between.improvement import actions as improvement_actions
from between.improvement.models import Pip
from between.notify import actions as notify_actions
from between.notify.models import Alert
from between.training import actions as training_actions
from between.training.content import ensure_courses
from between.training.models import Attendance, Course
from tests.conftest import PASSWORD, County
from tests.homework.factories import TEMPLATE_FIELDS

PERSONAS = (
    "anonymous",
    "clinician",
    "supervisor",
    "reviewer",
    "analyst",
    "trainer",
    "admin",
    "family",
    "outsider",
)

# fmt: off
#  route                    method  object  anon clin  sup  rev  ana  trn  adm  fam  out
MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    # Families are sent on to their own pages (/family/today/).
    ("home",                  "GET",  "-",  302, 200, 200, 200, 200, 200, 200, 302, 200),
    ("healthz",               "GET",  "-",  200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("accounts:login",        "GET",  "-",  200, 302, 302, 302, 302, 302, 302, 302, 302),
    ("accounts:logout",       "GET",  "-",  405, 405, 405, 405, 405, 405, 405, 405, 405),
    ("accounts:logout",       "POST", "-",  302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("set_language",          "POST", "-",  302, 302, 302, 302, 302, 302, 302, 302, 302),
    # Two-step sign-in is for staff (families sign in by link or code): 404 for a family.
    # Without it set up, the code page sends staff on to set it up.
    ("accounts:mfa-verify",   "GET",  "-",  302, 302, 302, 302, 302, 302, 302, 404, 302),
    ("accounts:mfa-setup",    "GET",  "-",  302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("accounts:mfa-recovery-codes", "POST", "-", 302, 302, 302, 302, 302, 302, 302, 404, 302),
    ("accounts:security",     "GET",  "-",  302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("accounts:keepalive",    "POST", "-",  302, 204, 204, 204, 204, 204, 204, 204, 204),
    ("clinic:client-detail",  "GET",  "A",  302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("clinic:client-detail",  "GET",  "B",  302, 404, 404, 404, 404, 404, 404, 404, 200),
    # An empty form: 422 (invalid, nothing saved) for those who may write, 404 for the rest.
    ("clinic:client-detail",  "POST", "A",  302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("clinic:client-detail",  "POST", "B",  302, 404, 404, 404, 404, 404, 404, 404, 422),
    ("clinic:program-detail", "GET",  "A",  302, 200, 200, 200, 200, 200, 200, 404, 404),
    ("clinic:program-detail", "GET",  "B",  302, 404, 404, 404, 404, 404, 404, 404, 200),
    # The homework loop: the session page and its forms (empty or refused forms write nothing).
    ("homework:session-detail",     "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("homework:session-detail",     "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    ("homework:review-save",        "POST", "A", 302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("homework:review-save",        "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 422),
    ("homework:assignment-create",  "POST", "A", 302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("homework:assignment-create",  "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 422),
    # Re-assigning homework in the session it was given in is refused: a redirect, no write.
    ("homework:assignment-reassign", "POST", "A", 302, 302, 302, 404, 404, 404, 404, 404, 404),
    ("homework:assignment-reassign", "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 302),
    ("homework:no-homework-save",   "POST", "A", 302, 422, 422, 404, 404, 404, 404, 404, 404),
    ("homework:no-homework-save",   "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 422),
    ("homework:handout",            "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("homework:handout",            "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    # An empty log form: back to the timeline with the errors, nothing written.
    ("homework:log-create",         "POST", "A", 302, 302, 302, 404, 404, 404, 404, 404, 404),
    ("homework:log-create",         "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 302),
    ("homework:client-timeline",    "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("homework:client-timeline",    "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    ("homework:my-week",            "GET",  "-", 302, 200, 200, 404, 404, 404, 404, 404, 200),
    ("homework:supervision",        "GET",  "-", 302, 404, 200, 404, 404, 404, 404, 404, 404),
    ("homework:supervision-clinician", "GET", "A", 302, 404, 200, 404, 404, 404, 404, 404, 404),
    ("homework:supervision-clinician", "GET", "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
    # The library holds no client data: every staff role may read it; administrators edit it.
    ("homework:library-list",       "GET",  "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("homework:library-detail",     "GET",  "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("homework:favorite-toggle",    "POST", "-", 302, 302, 302, 302, 302, 302, 302, 404, 302),
    ("homework:library-create",     "GET",  "-", 302, 404, 404, 404, 404, 404, 200, 404, 404),
    ("homework:library-edit",       "GET",  "-", 302, 404, 404, 404, 404, 404, 200, 404, 404),
    ("homework:library-retire",     "POST", "-", 302, 404, 404, 404, 404, 404, 302, 404, 404),
    # SMS gateway webhooks: not for people; without a valid HMAC signature everyone gets 403.
    ("notify:sms-inbound",          "POST", "-", 403, 403, 403, 403, 403, 403, 403, 403, 403),
    ("notify:sms-status",           "POST", "-", 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # A staff alert: only its recipient may mark it read.
    ("notify:alert-read",           "POST", "A", 302, 302, 404, 404, 404, 404, 404, 404, 404),
    ("notify:alert-read",           "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 302),
    # Indicator dashboards: aggregates for every staff role of the program (suppressed without
    # record access); one clinician's own numbers for them, their supervisor, granted analysts.
    ("indicators:county",           "GET",  "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("indicators:program",          "GET",  "A", 302, 200, 200, 200, 200, 200, 200, 404, 404),
    ("indicators:program",          "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    ("indicators:clinician",        "GET",  "A", 302, 200, 200, 404, 404, 404, 404, 404, 404),
    ("indicators:clinician",        "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 200),
    # Medical Records Review: analysts and administrators run cycles of their programs;
    # reviewers see the cycles they review in and only the records given to them.
    ("audits:cycle-list",           "GET",  "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("audits:feedback",             "GET",  "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("audits:cycle-list",           "POST", "-", 302, 404, 404, 404, 422, 404, 422, 404, 404),
    ("audits:cycle-detail",         "GET",  "A", 302, 404, 404, 200, 200, 404, 200, 404, 404),
    # The sample is drawn already: a message and back to the cycle, nothing drawn twice.
    ("audits:cycle-sample",         "POST", "A", 302, 404, 404, 404, 302, 404, 302, 404, 404),
    ("audits:record-review",        "GET",  "A", 302, 404, 404, 200, 404, 404, 404, 404, 404),
    ("audits:record-review",        "POST", "A", 302, 404, 404, 302, 404, 404, 404, 404, 404),
    # An empty corrective-action form: a message and back to the cycle, nothing added.
    ("audits:corrective-action-create", "POST", "A", 302, 404, 404, 404, 302, 404, 302, 404, 404),
    # The owner (Sam) or the cycle's analysts mark it done.
    ("audits:corrective-action-done", "POST", "A", 302, 404, 302, 404, 302, 404, 302, 404, 404),
    # PIPs: analysts and administrators of every program of the PIP; nobody else sees one.
    ("improvement:pip-list",        "GET",  "-", 302, 404, 404, 404, 200, 404, 200, 404, 404),
    ("improvement:pip-list",        "POST", "-", 302, 404, 404, 404, 422, 404, 422, 404, 404),
    ("improvement:pip-detail",      "GET",  "A", 302, 404, 404, 404, 200, 404, 200, 404, 404),
    ("improvement:pip-detail",      "POST", "A", 302, 404, 404, 404, 422, 404, 422, 404, 404),
    ("improvement:pip-print",       "GET",  "A", 302, 404, 404, 404, 200, 404, 200, 404, 404),
    ("improvement:pip-docx",        "GET",  "A", 302, 404, 404, 404, 200, 404, 200, 404, 404),
    # Empty or refused forms: a message and back to the PIP, nothing written.
    ("improvement:period-create",   "POST", "A", 302, 404, 404, 404, 302, 404, 302, 404, 404),
    ("improvement:intervention-create", "POST", "A", 302, 404, 404, 404, 302, 404, 302, 404, 404),
    ("improvement:period-lock",     "POST", "A", 302, 404, 404, 404, 302, 404, 302, 404, 404),
    ("improvement:period-delete",   "POST", "A", 302, 404, 404, 404, 302, 404, 302, 404, 404),
    # Trainings: every staff member reads the courses and their own certificates; trainers
    # and administrators run the events of their programs.
    ("training:home",               "GET",  "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("training:home",               "POST", "-", 302, 404, 404, 404, 404, 422, 422, 404, 404),
    ("training:course-detail",      "GET",  "-", 302, 200, 200, 200, 200, 200, 200, 404, 200),
    ("training:event-detail",       "GET",  "A", 302, 404, 404, 404, 404, 200, 200, 404, 404),
    ("training:event-detail",       "POST", "A", 302, 404, 404, 404, 404, 422, 422, 404, 404),
    ("training:event-import",       "POST", "A", 302, 404, 404, 404, 404, 422, 422, 404, 404),
    # Carla's completed training: hers, and the event's trainers'.
    ("training:certificate",        "GET",  "A", 302, 200, 404, 404, 404, 200, 200, 404, 404),
]
# fmt: on

# Pages that need a signed-in user: anonymous visitors are sent to the sign-in page.
SIGN_IN_FIRST = {"home", "clinic:client-detail", "clinic:program-detail", "notify:alert-read"} | {
    row[0]
    for row in MATRIX
    if row[0].startswith(("homework:", "indicators:", "audits:", "improvement:", "training:"))
}


def _pip(county: County) -> Pip:
    """A PIP of program A with a locked baseline (so removing or locking it changes nothing)."""
    existing = Pip.objects.first()
    if existing is not None:
        return existing
    pip = improvement_actions.create_pip(
        county.analyst,
        title="Matrix PIP",
        programs=[county.harbor],
        indicator_keys=["homework_assigned"],
    )
    period = improvement_actions.add_period(
        county.analyst,
        pip,
        kind="baseline",
        label="Baseline",
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
    )
    improvement_actions.lock_period(county.analyst, period)
    return pip


def _training(county: County) -> Attendance:
    """Carla's completed training at a Harbor event run by Tomás the trainer."""
    existing = Attendance.objects.first()
    if existing is not None:
        return existing
    ensure_courses()
    event = training_actions.create_event(
        county.trainer,
        course=Course.objects.get(key="homework-effective"),
        program=county.harbor,
        held_on=date(2025, 2, 3),
        mode="in_person",
    )
    return training_actions.record_attendance(
        county.trainer, event, county.clinician, pre_score=5, post_score=9
    )


def _cycle(county: County) -> ReviewCycle:
    """A sampled review cycle of program A: Kai's session, given to Rita the reviewer."""
    existing = ReviewCycle.objects.first()
    if existing is not None:
        return existing
    session = _session(county, "A")
    clinic_actions.add_progress_note(county.clinician, session, text="Practiced breathing.")
    cycle = audit_actions.create_cycle(
        county.analyst,
        name="Matrix review",
        organization=county.organization,
        tool_version=ReviewTool.objects.get(key="homework").versions.all()[0],
        period_start=session.occurred_on,
        period_end=session.occurred_on,
        programs=[county.harbor],
        reviewers=[county.reviewer],
        sampling_rule="share",
        sample_share=1.0,
        seed=1,
        double_share=0,
    )
    audit_actions.draw_sample(county.analyst, cycle)
    audit_actions.add_corrective_action(
        county.analyst,
        cycle,
        description="Coach on documenting homework",
        owner=county.supervisor,
        due_on=session.occurred_on,
    )
    return cycle


def _session(county: County, side: str) -> Session:
    return Session.objects.get(client=county.client if side == "A" else county.other_client)


def _assignment(county: County, side: str) -> Assignment:
    return Assignment.objects.get(session=_session(county, side))


URL_ARGUMENTS: dict[str, Callable[[County, str], dict[str, int | str]]] = {
    "homework:session-detail": lambda c, side: {"session_id": _session(c, side).pk},
    "homework:review-save": lambda c, side: {
        "session_id": _session(c, side).pk,
        "assignment_id": _assignment(c, side).pk,
    },
    "homework:assignment-create": lambda c, side: {"session_id": _session(c, side).pk},
    "homework:assignment-reassign": lambda c, side: {
        "session_id": _session(c, side).pk,
        "assignment_id": _assignment(c, side).pk,
    },
    "homework:no-homework-save": lambda c, side: {"session_id": _session(c, side).pk},
    "homework:handout": lambda c, side: {"assignment_id": _assignment(c, side).pk},
    "homework:log-create": lambda c, side: {"assignment_id": _assignment(c, side).pk},
    "homework:client-timeline": lambda c, side: {
        "client_id": (c.client if side == "A" else c.other_client).pk
    },
    "homework:supervision-clinician": lambda c, side: {
        "clinician_id": (c.clinician if side == "A" else c.outsider).pk
    },
    "notify:alert-read": lambda c, side: {
        "alert_id": Alert.objects.get(recipient=c.clinician if side == "A" else c.outsider).pk
    },
    "homework:library-detail": lambda c, side: {"template_id": _template().pk},
    "homework:library-edit": lambda c, side: {"template_id": _template().pk},
    "homework:library-retire": lambda c, side: {"template_id": _template().pk},
    "homework:favorite-toggle": lambda c, side: {"template_id": _template().pk},
    "clinic:client-detail": lambda county, side: {
        "client_id": (county.client if side == "A" else county.other_client).pk
    },
    "clinic:program-detail": lambda county, side: {
        "program_id": (county.harbor if side == "A" else county.bayside).pk
    },
    "audits:cycle-detail": lambda county, side: {"cycle_id": _cycle(county).pk},
    "audits:cycle-sample": lambda county, side: {"cycle_id": _cycle(county).pk},
    "audits:corrective-action-create": lambda county, side: {"cycle_id": _cycle(county).pk},
    "audits:corrective-action-done": lambda county, side: {
        "action_id": CorrectiveAction.objects.get(cycle=_cycle(county)).pk
    },
    "audits:record-review": lambda county, side: {
        "review_id": RecordReview.objects.get(sampled__cycle=_cycle(county)).pk
    },
    "improvement:pip-detail": lambda county, side: {"pip_id": _pip(county).pk},
    "improvement:pip-print": lambda county, side: {"pip_id": _pip(county).pk},
    "improvement:pip-docx": lambda county, side: {"pip_id": _pip(county).pk},
    "improvement:period-create": lambda county, side: {"pip_id": _pip(county).pk},
    "improvement:intervention-create": lambda county, side: {"pip_id": _pip(county).pk},
    "improvement:period-lock": lambda county, side: {"period_id": _pip(county).periods.get().pk},
    "improvement:period-delete": lambda county, side: {"period_id": _pip(county).periods.get().pk},
    "training:course-detail": lambda county, side: {"key": "homework-effective"},
    "training:event-detail": lambda county, side: {"event_id": _training(county).event_id},
    "training:event-import": lambda county, side: {"event_id": _training(county).event_id},
    "training:certificate": lambda county, side: {"attendance_id": _training(county).pk},
    "indicators:program": lambda county, side: {
        "program_id": (county.harbor if side == "A" else county.bayside).pk
    },
    "indicators:clinician": lambda county, side: {
        "clinician_id": (county.clinician if side == "A" else county.outsider).pk
    },
}

POST_DATA: dict[str, dict[str, str]] = {"set_language": {"language": "es", "next": "/"}}


def route_names(
    resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""
) -> Iterator[str]:
    """Every URL pattern's name (namespaced), recursing into includes; unnamed ones by path."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin site's own routes: see the admin test below
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from route_names(entry, inner, prefix + str(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            yield f"{namespace}{entry.name}" if entry.name else f"<unnamed {prefix}{entry.pattern}>"


# Matrices kept beside their own fixtures, in the same shape, run through the same helpers.
OTHER_MATRICES = (
    "tests.portal.test_access:PORTAL_MATRIX",
    "tests.outcomes.test_access:OUTCOMES_MATRIX",
    "tests.interop.test_imports_access:IMPORTS_MATRIX",
    "tests.interop.test_api_access:API_MATRIX",
    "tests.interop.test_fhir_access:FHIR_MATRIX",
    "tests.emergency.test_access:EMERGENCY_MATRIX",
    "tests.trail.test_access:TRAIL_MATRIX",
    "tests.amendments.test_access:AMENDMENTS_MATRIX",
)


def _other_matrix_routes() -> set[str]:
    import importlib

    routes: set[str] = set()
    for reference in OTHER_MATRICES:
        module, name = reference.split(":")
        routes |= {row[0] for row in getattr(importlib.import_module(module), name)}
    return routes


def test_it_covers_every_url_pattern() -> None:
    in_project = set(route_names())
    in_matrix = {row[0] for row in MATRIX} | _other_matrix_routes()
    assert in_project - in_matrix == set(), "URL patterns missing from the access matrix"
    assert in_matrix - in_project == set(), "rows for URL patterns that no longer exist"


def test_it_finds_the_included_routes() -> None:
    # Guards the enumeration itself: included, namespaced routes are found.
    assert {"accounts:login", "clinic:client-detail"} <= set(route_names())


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in MATRIX:
        if row[2] == "A":
            assert row[outsider] == 404, row


def _template() -> HomeworkTemplate:
    return HomeworkTemplate.objects.get(key="matrix-breathing")


def clinical_counts() -> dict[str, int]:
    models = (Session, ProgressNote, Assignment, PracticeLog, Review, NoHomework)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def homework_county(county: County) -> County:
    """The personas plus one attended session with homework on each side, and a library item."""
    template = homework_actions.create_template(
        None, key="matrix-breathing", fields=TEMPLATE_FIELDS
    )
    sides = ((county.clinician, county.client), (county.outsider, county.other_client))
    for clinician, client in sides:
        notify_actions.raise_alert(clinician, kind="family_locked_out", client=client)
        session = clinic_actions.record_session(clinician, client, occurred_on=date(2026, 11, 2))
        homework_actions.assign_homework(
            clinician,
            session,
            template_version=template.current,
            assignee="youth",
            frequency_per_week=7,
            language="en",
        )
    return county


def sign_in_as(http: HttpClient, county: County, persona: str) -> None:
    http.logout()
    if persona != "anonymous":
        http.force_login(county.persona(persona))


def request(http: HttpClient, method: str, route: str, url: str) -> Any:
    if method == "POST":
        return http.post(url, POST_DATA.get(route, {}))
    return http.get(url)


@pytest.mark.parametrize(
    "row", MATRIX, ids=[f"{route}-{method}-{side}" for route, method, side, *_ in MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    homework_county: County, client: HttpClient, row: tuple[Any, ...]
) -> None:
    county = homework_county
    route, method, side, *expected = row
    arguments = URL_ARGUMENTS[route](county, side) if route in URL_ARGUMENTS else {}
    before = clinical_counts()
    url = reverse(route, kwargs=arguments)
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, county, persona)
        response = request(client, method, route, url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif persona == "anonymous" and route in SIGN_IN_FIRST:
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    # No request in the matrix writes clinical data.
    assert clinical_counts() == before


def test_it_keeps_the_admin_site_to_admin_site_users(county: County, client: HttpClient) -> None:
    for persona in PERSONAS:
        sign_in_as(client, county, persona)
        response = client.get("/admin/")
        assert response.status_code == 302, persona
        assert response["Location"].startswith("/admin/login/"), persona
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
    # Clinical records are not in the admin site at all.
    assert client.get("/admin/clinic/client/").status_code == 404
