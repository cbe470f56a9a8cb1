"""The outcome pages: clinician entry in the family's language, the client's scores with the
change from intake, the family's due questionnaires and form, and the analysis page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from between.accounts import actions as account_actions
from between.accounts.models import AuditEvent, Role
from between.clinic.actions import today
from between.clinic.models import Organization
from between.outcomes.models import Administration
from between.outcomes.seed import PSC_35
from between.outcomes.synth import plant_outcomes
from between.synth.generator import CountyParams, generate_county
from tests.conftest import County, make_user
from tests.homework.factories import attended
from tests.outcomes.factories import psc_answers, record


def entry_url(county: County) -> str:
    return reverse("outcomes:administration-create", args=[county.client.pk, PSC_35])


def posted(answers: dict[str, int | None], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"idempotency_key": fields.pop("key", "form-key-1")}
    data.update({f"item_{k}": str(v) for k, v in answers.items() if v is not None})
    data.update(fields)
    return data


def test_it_shows_the_questions_in_the_caregivers_language(
    county: County, client: HttpClient
) -> None:
    client.force_login(county.clinician)
    page = client.get(entry_url(county)).content.decode()
    # Maria, Kai's mother, speaks Spanish.
    assert "Se queja de dolores y malestares" in page
    assert "Algunas veces" in page
    english = client.get(entry_url(county) + "?language=en").content.decode()
    assert "Complains of aches and pains" in english


def test_it_saves_a_clinician_entry_and_shows_the_change(
    county: County, client: HttpClient
) -> None:
    client.force_login(county.clinician)
    intake_on = today() - timedelta(days=100)
    response = client.post(
        entry_url(county),
        posted(psc_answers(1), occasion="intake", administered_on=intake_on.isoformat()),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:client-outcomes", args=[county.client.pk])
    response = client.post(
        entry_url(county),
        posted(
            psc_answers(0, psc01=1),
            key="form-key-2",
            occasion="follow_up",
            administered_on=today().isoformat(),
        ),
    )
    assert response.status_code == 302
    intake, follow_up = Administration.objects.order_by("administered_on")
    assert (intake.total, follow_up.total) == (35, 1)
    assert follow_up.source == "clinician" and follow_up.language == "es"
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "-34" in text and "better" in text
    viewed = AuditEvent.objects.filter(action="view", client_id=county.client.pk)
    assert viewed.exists()


def test_it_answers_422_to_a_bad_form_and_writes_nothing(
    county: County, client: HttpClient
) -> None:
    client.force_login(county.clinician)
    bad = posted(psc_answers(1), occasion="intake", administered_on=today().isoformat())
    bad["item_psc01"] = "5"
    response = client.post(entry_url(county), bad)
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    future = posted(
        psc_answers(1), occasion="intake", administered_on=(today() + timedelta(days=3)).isoformat()
    )
    response = client.post(entry_url(county), future)
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    assert not Administration.objects.exists()


def test_it_keeps_a_resubmitted_form_once(county: County, client: HttpClient) -> None:
    client.force_login(county.clinician)
    data = posted(psc_answers(1), occasion="intake", administered_on=today().isoformat())
    assert client.post(entry_url(county), data).status_code == 302
    assert client.post(entry_url(county), data).status_code == 302
    assert Administration.objects.count() == 1


def family_form_url(county: County) -> str:
    return reverse("outcomes:family-form", args=[county.client.pk, PSC_35])


def test_it_lists_what_the_family_should_answer(county: County, client: HttpClient) -> None:
    attended(county, 120, is_intake=True)
    client.force_login(county.family)
    page = client.get(reverse("outcomes:family-due"))
    assert page.status_code == 200
    text = page.content.decode()
    assert family_form_url(county) in text
    # After the intake (120 days ago) the 90-day follow-up is due; the 180-day one comes later.
    record(county.clinician, county.client, on=today() - timedelta(days=119))
    text = client.get(reverse("outcomes:family-due")).content.decode()
    assert family_form_url(county) in text
    record(county.clinician, county.client, occasion="follow_up", on=today())
    text = client.get(reverse("outcomes:family-due")).content.decode()
    assert family_form_url(county) not in text
    due_on = (today() - timedelta(days=120) + timedelta(days=180)).isoformat()
    assert "Coming later" in text or due_on in text


def test_it_takes_the_familys_answers(county: County, client: HttpClient) -> None:
    client.force_login(county.family)
    page = client.get(family_form_url(county))
    assert page.status_code == 200
    assert 'lang="es"' in page.content.decode() or "Complains" in page.content.decode()
    # Four blanks: the family is asked to answer more, nothing is saved.
    few = psc_answers(1, psc01=None, psc02=None, psc03=None, psc04=None)
    response = client.post(family_form_url(county), posted(few))
    assert response.status_code == 422
    assert not Administration.objects.exists()
    response = client.post(family_form_url(county), posted(psc_answers(1, psc01=None)))
    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:family-due")
    saved = Administration.objects.get()
    assert (saved.source, saved.occasion, saved.total) == ("portal", "intake", 34)
    assert saved.entered_by == county.family
    # The same form sent again (a retry) saves nothing more.
    client.post(family_form_url(county), posted(psc_answers(1, psc01=None)))
    assert Administration.objects.count() == 1


def test_it_shows_the_analysis_with_small_counts_hidden(county: County, client: HttpClient) -> None:
    client.force_login(county.analyst)
    page = client.get(reverse("outcomes:analysis"))
    assert page.status_code == 200
    assert "nothing to analyse yet" in page.content.decode()
    record(county.clinician, county.client, on=date(2026, 6, 1))
    record(county.clinician, county.client, occasion="follow_up", on=date(2026, 9, 1))
    text = client.get(reverse("outcomes:analysis")).content.decode()
    assert "1–10" in text  # one child: the analyst has no record access
    assert "Too few children" in text


@pytest.fixture
def planted(db: None) -> Organization:
    summary = generate_county(
        CountyParams(
            programs=2, clinicians=12, clients=180, months=8, end_date=date(2025, 6, 30), seed=2
        )
    )
    organization = Organization.objects.get(pk=summary.organization_id)
    plant_outcomes(organization, effect=-10.0, seed=2)
    return organization


def test_it_shows_the_summary_and_limitations(planted: Organization, client: HttpClient) -> None:
    supervisor = make_user("sue", "Sue", "Lin")
    for program in planted.programs.all():
        account_actions.grant_role(None, supervisor, program, Role.SUPERVISOR)
    client.force_login(supervisor)
    page = client.get(reverse("outcomes:analysis"), {"exposure": "homework_assigned"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Children whose sessions more often included homework improved by" in text
    assert "Observational" in text
    assert "GEE" in text
    completion = client.get(reverse("outcomes:analysis"), {"exposure": "completion"})
    assert completion.status_code == 200


def test_it_lists_scores_in_a_fixed_number_of_queries(county: County, client: HttpClient) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county.clinician)
    url = reverse("outcomes:client-outcomes", args=[county.client.pk])
    record(county.clinician, county.client, on=date(2026, 6, 1))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for month in (7, 8, 9, 10):
        record(county.clinician, county.client, occasion="follow_up", on=date(2026, month, 1))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
