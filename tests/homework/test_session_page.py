"""The session page: review first, then assign or say why not, the note sentence, the handout;
its forms with and without htmx, double submissions, concurrent edits and query budgets.

The scenario: a week ago Carla gave Kai belly breathing (in Spanish, his family's language)
and the family logged two days; today is the next session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from between.accounts import actions as account_actions
from between.accounts.models import Role, User
from between.clinic import actions as clinic_actions
from between.clinic.models import Session
from between.homework import actions
from between.homework.models import Assignment, HomeworkTemplate, NoHomework, Review
from tests.conftest import County, make_user
from tests.homework.factories import attended, days_ago, give, library_item

HTMX = {"HX-Request": "true"}


@dataclass
class Visit:
    county: County
    breathing: HomeworkTemplate
    given: Assignment
    today: Session

    @property
    def url(self) -> str:
        return reverse("homework:session-detail", args=[self.today.pk])

    def review_url(self, assignment: Assignment | None = None) -> str:
        target = assignment or self.given
        return reverse("homework:review-save", args=[self.today.pk, target.pk])

    @property
    def assign_url(self) -> str:
        return reverse("homework:assignment-create", args=[self.today.pk])

    @property
    def no_homework_url(self) -> str:
        return reverse("homework:no-homework-save", args=[self.today.pk])


def log_day(assignment: Assignment, ago: int, completion: str = "done", **extra: Any) -> None:
    actions.log_practice(
        None,
        assignment,
        practiced_on=days_ago(ago),
        completion=completion,
        source="portal",
        idempotency_key=f"{assignment.pk}-{ago}",
        **extra,
    )


@pytest.fixture
def visit(county: County) -> Visit:
    breathing = library_item()
    given = give(attended(county, 7), breathing, language="es", frequency_per_week=5)
    log_day(given, 6)
    log_day(given, 4, "partly", count=2)
    return Visit(county, breathing, given, attended(county, 0, caregiver_attended=True))


def review_form(
    assignment: Assignment, completion: str, version: int | str = "", **extra: Any
) -> dict[str, Any]:
    prefix = f"r{assignment.pk}-"
    data = {f"{prefix}completion": completion, f"{prefix}version": version}
    data.update({prefix + name: value for name, value in extra.items()})
    return data


def assign_form(visit: Visit, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "template": visit.breathing.pk,
        "assignee": "both",
        "frequency_per_week": 5,
        "due_on": "",
        "language": "es",
        "rationale_explained": "on",
        "practiced_in_session": "on",
        "written_copy_given": "on",
        "confidence": "8",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def html_of(response: Any) -> str:
    return response.content.decode()


def us(day: date) -> str:
    return f"{day:%m/%d/%Y}"


# --- what the page shows ----------------------------------------------------------------------


def test_it_shows_open_homework_with_the_familys_logs(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    response = client.get(visit.url)
    html = html_of(response)
    assert response.status_code == 200
    [card] = response.context["cards"]
    assert (card["assignment"], card["days_done"], len(card["logs"])) == (visit.given, 2, 2)
    assert f'id="assignment-{visit.given.pk}"' in html
    assert "Family logged 2 times; practiced on 2." in html
    assert 'class="log-partly"' in html and "(2)" in html
    assert "Same as last time" in html
    # The picker offers the library; the form suggests the family's language and "both".
    assert f'name="template" value="{visit.breathing.pk}"' in html
    form = response.context["assign_form"]
    assert (form.initial["language"], form.initial["assignee"]) == ("es", "both")
    assert form.initial["due_on"] == days_ago(-7)
    assert "No homework today?" in html
    assert response.context["note"] == ""


def test_it_reads_only_for_a_supervisor_of_a_missed_session(
    visit: Visit, client: HttpClient
) -> None:
    missed = attended(visit.county, 1, status="no_show")
    client.force_login(visit.county.supervisor)
    response = client.get(reverse("homework:session-detail", args=[missed.pk]))
    assert response.status_code == 200
    assert response.context["can_write"] is False
    assert "Same as last time" not in html_of(response)


def test_it_writes_the_note_sentence_for_the_ehr(visit: Visit, client: HttpClient) -> None:
    county = visit.county
    actions.review_assignment(
        county.clinician,
        visit.today,
        visit.given,
        completion="partial",
        barrier_codes=["forgot", "no-time"],
        strategy_code="reminder",
    )
    new = give(
        visit.today,
        visit.breathing,
        assignee="both",
        frequency_per_week=5,
        language="es",
        confidence=8,
        rationale_explained=True,
        practiced_in_session=True,
        written_copy_given=True,
    )
    client.force_login(county.clinician)
    response = client.get(visit.url)
    expected = (
        f'Reviewed homework assigned {us(days_ago(7))} ("Belly breathing"): completed partly; '
        "barriers: forgot and no time; plan agreed: set a reminder. "
        f'Assigned homework "Belly breathing" for youth and caregiver, 5 times per week until '
        f"{us(new.due_on)}, in Spanish; rationale explained, practiced in session and written "
        "copy given; family's confidence 8/10."
    )
    assert response.context["note"] == expected
    assert '<textarea id="note-sentence" readonly rows="4" lang="en">Reviewed homework' in html_of(
        response
    )
    # Once homework is given, the "why not" form is gone.
    assert "No homework today?" not in html_of(response)


# --- reviewing -----------------------------------------------------------------------------------


def test_it_saves_a_review_and_returns_to_the_card(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    data = review_form(visit.given, "none", barriers=["too-hard"], strategy="smaller-step")
    response = client.post(visit.review_url(), data)
    assert response.status_code == 302
    assert response["Location"] == f"{visit.url}#assignment-{visit.given.pk}"
    review = Review.objects.get()
    assert (review.completion, review.strategy and review.strategy.code) == ("none", "smaller-step")
    assert [b.code for b in review.barriers.all()] == ["too-hard"]
    page = html_of(client.get(visit.url))
    assert "Reviewed: Not done." in page
    assert "Update review" in page


def test_it_answers_an_htmx_review_with_the_page_body(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    response = client.post(visit.review_url(), review_form(visit.given, "full"), headers=HTMX)
    html = html_of(response)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{visit.url}#assignment-{visit.given.pk}"
    assert "<html" not in html
    assert "Reviewed: Done fully." in html
    assert "Reviewed homework assigned" in html
    assert Review.objects.get().completion == "full"


@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_a_missed_review_without_barriers(
    visit: Visit, client: HttpClient, htmx: bool
) -> None:
    client.force_login(visit.county.clinician)
    response = client.post(
        visit.review_url(), review_form(visit.given, "partial"), headers=HTMX if htmx else {}
    )
    html = html_of(response)
    assert response.status_code == 422
    assert "Pick at least one barrier, or describe another." in html
    assert ("<html" in html) is not htmx
    assert not Review.objects.exists()


def test_it_refuses_to_review_another_clients_homework_on_this_page(
    visit: Visit, client: HttpClient
) -> None:
    county = visit.county
    lena = clinic_actions.register_client(
        None,
        county.harbor,
        ehr_id="H-1003",
        given_name="Lena",
        family_name="Ortiz",
        birth_date=date(2014, 4, 4),
        primary_clinician=county.clinician,
    )
    lenas = give(attended(county, 7, client=lena))
    client.force_login(county.clinician)
    response = client.post(visit.review_url(lenas), review_form(lenas, "full"))
    assert response.status_code == 422
    assert "That homework belongs to another client." in html_of(response)
    assert not Review.objects.exists()
    lenas.refresh_from_db()
    assert lenas.is_open


def test_it_tells_the_second_reviewer_someone_else_saved_first(
    visit: Visit, client: HttpClient
) -> None:
    county = visit.county
    other = HttpClient()
    client.force_login(county.clinician)
    other.force_login(county.supervisor)
    # Both open the page before anyone has reviewed: the form carries no version.
    for browser in (client, other):
        assert browser.get(visit.url).context["cards"][0]["form"].initial["version"] is None
    assert client.post(visit.review_url(), review_form(visit.given, "full")).status_code == 302
    response = other.post(
        visit.review_url(), review_form(visit.given, "none", barriers=["forgot"]), headers=HTMX
    )
    assert response.status_code == 422
    assert "Someone else changed this review since you opened it." in html_of(response)
    review = Review.objects.get()
    assert (review.completion, review.reviewed_by, review.version) == ("full", county.clinician, 1)


def test_it_tells_the_second_editor_of_a_review_instead_of_losing_an_edit(
    visit: Visit, client: HttpClient
) -> None:
    county = visit.county
    actions.review_assignment(county.clinician, visit.today, visit.given, completion="full")
    other = HttpClient()
    client.force_login(county.clinician)
    other.force_login(county.supervisor)
    seen = [
        b.get(visit.url).context["cards"][0]["form"].initial["version"] for b in (client, other)
    ]
    assert seen == [1, 1]
    edit = review_form(visit.given, "partial", 1, barriers=["no-time"], strategy="reminder")
    assert client.post(visit.review_url(), edit).status_code == 302
    late = other.post(visit.review_url(), review_form(visit.given, "none", 1, barriers=["forgot"]))
    assert late.status_code == 422
    assert "Someone else changed this review since you opened it." in html_of(late)
    review = Review.objects.get()
    assert (review.completion, review.version) == ("partial", 2)
    assert [b.code for b in review.barriers.all()] == ["no-time"]
    # After reloading, the supervisor's edit goes through.
    fresh = other.get(visit.url).context["cards"][0]["form"].initial["version"]
    assert (
        other.post(visit.review_url(), review_form(visit.given, "full", fresh)).status_code == 302
    )
    assert Review.objects.get().version == 3


# --- assigning ----------------------------------------------------------------------------------


def test_it_assigns_from_the_library(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    response = client.post(visit.assign_url, assign_form(visit))
    assert response.status_code == 302
    assert response["Location"] == f"{visit.url}#assign"
    new = Assignment.objects.filter(session=visit.today).get()
    assert (new.template_version, new.language, new.quality_count, new.confidence) == (
        visit.breathing.current,
        "es",
        3,
        8,
    )
    assert new.due_on == days_ago(-7)
    page = html_of(client.get(visit.url))
    assert page.count("Homework assigned.") == 1
    assert f"<code>{new.code}</code>" in page
    assert f'href="/assignments/{new.pk}/handout/?lang=es"' in page


def test_it_assigns_custom_homework_by_htmx(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    data = assign_form(visit, template=None, custom_title="Kindness diary", confidence="")
    response = client.post(visit.assign_url, data, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{visit.url}#assign"
    assert "<html" not in html_of(response)
    assert "Kindness diary" in html_of(response)
    new = Assignment.objects.filter(session=visit.today).get()
    assert (new.template_version, new.title, new.confidence) == (None, "Kindness diary", None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"template": None}, "Choose a library item or give a title."),
        ({"due_on": "2000-01-01"}, "The end date cannot be before the session."),
        ({"frequency_per_week": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"confidence": "11"}, "Select a valid choice."),
        ({"assignee": "neighbor"}, "Select a valid choice."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_a_bad_assignment_and_writes_nothing(
    visit: Visit, client: HttpClient, changes: dict[str, Any], message: str, htmx: bool
) -> None:
    client.force_login(visit.county.clinician)
    response = client.post(
        visit.assign_url, assign_form(visit, **changes), headers=HTMX if htmx else {}
    )
    assert response.status_code == 422
    assert message in html_of(response)
    assert not Assignment.objects.filter(session=visit.today).exists()


def test_it_refuses_a_retired_item_from_a_stale_picker(visit: Visit, client: HttpClient) -> None:
    actions.set_template_retired(visit.county.admin, visit.breathing, True)
    client.force_login(visit.county.clinician)
    response = client.post(visit.assign_url, assign_form(visit))
    assert response.status_code == 422
    assert "That library item is not available." in html_of(response)
    assert not Assignment.objects.filter(session=visit.today).exists()


def test_it_makes_one_assignment_from_a_double_submitted_form(
    visit: Visit, client: HttpClient
) -> None:
    client.force_login(visit.county.clinician)
    data = assign_form(visit)
    first = client.post(visit.assign_url, data)
    second = client.post(visit.assign_url, data, headers=HTMX)
    assert (first.status_code, second.status_code) == (302, 200)
    assert Assignment.objects.filter(session=visit.today).count() == 1


def test_it_gives_the_same_homework_again_once(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    url = reverse("homework:assignment-reassign", args=[visit.today.pk, visit.given.pk])
    first = client.post(url)
    second = client.post(url, headers=HTMX)
    assert first.status_code == 302
    assert second.status_code == 200
    assert second["HX-Push-Url"] == f"{visit.url}#assign"
    again = Assignment.objects.filter(session=visit.today).get()
    assert (again.template_version, again.language, again.frequency_per_week) == (
        visit.breathing.current,
        "es",
        5,
    )


def test_it_explains_why_homework_cannot_be_given_again_here(
    visit: Visit, client: HttpClient
) -> None:
    client.force_login(visit.county.clinician)
    url = reverse("homework:assignment-reassign", args=[visit.given.session_id, visit.given.pk])
    response = client.post(url, follow=True)
    assert "That homework was given in this session already." in html_of(response)
    assert Assignment.objects.count() == 1


# --- no homework --------------------------------------------------------------------------------


def test_it_records_why_no_homework_was_given(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    response = client.post(visit.no_homework_url, {"reason": "crisis", "detail": "safety plan"})
    assert response.status_code == 302
    assert response["Location"] == f"{visit.url}#no-homework"
    assert NoHomework.objects.get().reason == "crisis"
    htmx = client.post(visit.no_homework_url, {"reason": "declined"}, headers=HTMX)
    assert htmx.status_code == 200
    assert htmx["HX-Push-Url"] == f"{visit.url}#no-homework"
    assert "No new homework assigned: client or family declined." in html_of(htmx)
    assert list(NoHomework.objects.values_list("reason", flat=True)) == ["declined"]


def test_it_refuses_an_unknown_reason(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    response = client.post(visit.no_homework_url, {"reason": "bored"}, headers=HTMX)
    assert response.status_code == 422
    assert response.context["no_homework_form"].errors["reason"]
    assert not NoHomework.objects.exists()


def test_it_refuses_a_reason_once_homework_was_given(visit: Visit, client: HttpClient) -> None:
    give(visit.today, visit.breathing)
    client.force_login(visit.county.clinician)
    response = client.post(visit.no_homework_url, {"reason": "declined"})
    assert response.status_code == 422
    assert "Homework was assigned in this session." in html_of(response)
    assert not NoHomework.objects.exists()


# --- the handout --------------------------------------------------------------------------------


def test_it_prints_the_handout_in_spanish(visit: Visit, client: HttpClient) -> None:
    client.force_login(visit.county.clinician)
    url = reverse("homework:handout", args=[visit.given.pk])
    response = client.get(url, {"lang": "es"})
    html = html_of(response)
    assert response.status_code == 200
    assert '<article class="handout" lang="es">' in html
    assert "<h1>Respiración con la barriga</h1>" in html
    for step in ["Siéntate cómodo.", "Inhala contando cuatro.", "Exhala contando seis."]:
        assert f"<li>{step}</li>" in html
    assert "Respirar despacio calma el cuerpo." in html
    assert f"<strong>{visit.given.code}</strong>" in html
    assert len(response.context["days"]) == 7
    english = html_of(client.get(url, {"lang": "en"}))
    assert '<article class="handout" lang="en">' in english
    assert "<li>Breathe in for four.</li>" in english


def test_it_prints_the_handout_in_the_assignments_language_by_default(
    visit: Visit, client: HttpClient
) -> None:
    custom = give(visit.today, custom_instructions="Draw one feeling a day.", language="en")
    client.force_login(visit.county.clinician)
    spanish = html_of(client.get(reverse("homework:handout", args=[visit.given.pk])))
    assert 'lang="es"' in spanish and "Siéntate cómodo." in spanish
    english = html_of(client.get(reverse("homework:handout", args=[custom.pk])))
    assert "<h1>Draw your feelings</h1>" in english
    assert "Draw one feeling a day." in english


# --- query budgets ------------------------------------------------------------------------------

# Measured on SQLite and PostgreSQL (the same counts). The session page reads the session,
# its open homework with logs and reviews (prefetched), the barrier and strategy catalogs once,
# today's homework and the picker; the supervisor view reads the clinicians, then one grouped
# query of session counts and one of assignment quality for all of them. Every staff page also
# asks whether an emergency grant is open (the banner), and the view's audit event reads its
# chain's last hash (PostgreSQL: and claims a chain first, one more query).
SESSION_PAGE_QUERIES = 18
SUPERVISION_QUERIES = 7


def count_queries(client: HttpClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def more_open_homework(visit: Visit, how_many: int) -> None:
    """More homework given to Kai on earlier days, each with logs, some reviewed today."""
    county = visit.county
    for n in range(how_many):
        given = give(attended(county, 8 + n), visit.breathing)
        for ago in (2, 3, 5):
            log_day(given, ago, count=n)
        if n % 2:
            actions.review_assignment(
                county.clinician,
                visit.today,
                given,
                completion="partial",
                barrier_codes=["forgot", "no-time"],
                strategy_code="reminder",
            )
    for n in range(how_many):
        library_item(f"extra-{n}", title_en=f"Extra {n}")


def test_it_keeps_the_session_page_queries_flat(
    visit: Visit, client: HttpClient, django_assert_max_num_queries: Any
) -> None:
    client.force_login(visit.county.clinician)
    small = count_queries(client, visit.url)
    more_open_homework(visit, 6)
    give(visit.today, visit.breathing)
    with django_assert_max_num_queries(SESSION_PAGE_QUERIES):
        response = client.get(visit.url)
    assert len(response.context["cards"]) == 7
    assert count_queries(client, visit.url) == small


def add_clinician(county: County, n: int) -> User:
    """Another Harbor clinician with a client, three sessions and homework in two of them."""
    clinician = make_user(f"clinician{n}", "Clin", f"Ician{n}")
    account_actions.grant_role(None, clinician, county.harbor, Role.CLINICIAN)
    child = clinic_actions.register_client(
        None,
        county.harbor,
        ehr_id=f"H-5{n:03}",
        given_name="Child",
        family_name=f"N{n}",
        birth_date=date(2015, 1, 1),
        primary_clinician=clinician,
    )
    first = give(attended(county, 20, client=child, clinician=clinician), rationale_explained=True)
    second = attended(county, 10, client=child, clinician=clinician)
    actions.review_assignment(clinician, second, first, completion="full")
    give(second, written_copy_given=True)
    attended(county, 3, client=child, clinician=clinician)
    return clinician


def test_it_keeps_the_supervision_queries_flat(
    visit: Visit, client: HttpClient, django_assert_max_num_queries: Any
) -> None:
    url = reverse("homework:supervision")
    client.force_login(visit.county.supervisor)
    small = count_queries(client, url)
    for n in range(6):
        add_clinician(visit.county, n)
    for days in (30, 90):
        with django_assert_max_num_queries(SUPERVISION_QUERIES):
            response = client.get(url, {"days": days})
        assert len(response.context["rows"]) == 7
    assert count_queries(client, url) == small
    drill = reverse("homework:supervision-clinician", args=[visit.county.clinician.pk])
    small_drill = count_queries(client, drill)
    more_open_homework(visit, 4)
    assert count_queries(client, drill) == small_drill
