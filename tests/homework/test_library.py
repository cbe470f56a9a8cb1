"""The homework library: the shipped items, versions, retiring, search and favorites, and the
library pages (browsing for every staff role, editing for administrators only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.urls import reverse

from between.accounts.models import AuditAction, AuditEvent
from between.homework import actions
from between.homework.library import library_queryset
from between.homework.models import (
    Assignment,
    Favorite,
    HomeworkTemplate,
    SkillArea,
    TemplateVersion,
)
from tests.conftest import County
from tests.homework.factories import TEMPLATE_FIELDS, attended, days_ago, give, library_item

SHIPPED = json.loads(actions.LIBRARY_FILE.read_text(encoding="utf-8"))


def keys(templates: Any) -> list[str]:
    return [t.key for t in templates]


def small_library(tmp_path: Path, items: list[dict[str, Any]]) -> Path:
    path = tmp_path / "library.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


# --- loading the shipped library ----------------------------------------------------------------


def test_it_loads_every_shipped_item_with_every_skill_area(db: None) -> None:
    result = actions.load_library()
    assert len(SHIPPED) >= 60
    assert (result.created, result.revised, result.unchanged) == (len(SHIPPED), 0, 0)
    assert HomeworkTemplate.objects.count() == len(SHIPPED)
    versions = TemplateVersion.objects.all()
    assert {v.number for v in versions} == {1}
    assert {v.skill_area for v in versions} == set(SkillArea.values)
    # Our Spanish is in-house: every item waits for professional review, in both languages.
    assert all(v.spanish_needs_review for v in versions)
    assert all(v.title_es and len(v.steps_es) == len(v.steps_en) >= 1 for v in versions)
    breathing = HomeworkTemplate.objects.get(key="belly-breathing").current
    assert breathing is not None
    assert breathing.title_es == "Respiración de panza"


def test_it_loads_the_library_twice_without_changing_anything(db: None) -> None:
    actions.load_library()
    versions = TemplateVersion.objects.count()
    events = AuditEvent.objects.count()
    again = actions.load_library()
    assert (again.created, again.revised, again.unchanged) == (0, 0, len(SHIPPED))
    assert TemplateVersion.objects.count() == versions
    assert AuditEvent.objects.count() == events


def test_it_makes_a_new_version_of_a_changed_item_and_keeps_the_given_one(
    county: County, tmp_path: Path
) -> None:
    items = [json.loads(json.dumps(item)) for item in SHIPPED[:2]]
    actions.load_library(path=small_library(tmp_path, items))
    template = HomeworkTemplate.objects.get(key=items[0]["key"])
    given = give(attended(county, 3), template)

    items[0]["en"]["title"] = "Balloon breathing"
    result = actions.load_library(path=small_library(tmp_path, items))

    assert (result.created, result.revised, result.unchanged) == (0, 1, 1)
    template.refresh_from_db()
    assert template.current is not None
    assert (template.current.number, template.current.title_en) == (2, "Balloon breathing")
    given.refresh_from_db()
    assert given.template_version is not None
    assert given.template_version.number == 1
    assert given.title_in("en") == SHIPPED[0]["en"]["title"]
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(template.pk), detail="version:2"
    ).exists()


def test_it_makes_no_version_for_a_revision_that_changes_nothing(county: County) -> None:
    template = library_item()
    first = template.current
    same = actions.revise_template(county.admin, template, dict(TEMPLATE_FIELDS))
    assert same == first
    assert template.versions.count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE, actor=county.admin).exists()


def test_it_carries_unchanged_fields_into_a_revision(county: County) -> None:
    template = library_item()
    version = actions.revise_template(county.admin, template, {"minutes": 10})
    assert (version.number, version.minutes, version.title_en) == (2, 10, "Belly breathing")
    assert version.created_by == county.admin
    assert version.steps_es == TEMPLATE_FIELDS["steps_es"]


def test_it_refuses_steps_that_differ_between_the_languages(county: County) -> None:
    template = library_item()
    with pytest.raises(ValidationError):
        actions.revise_template(county.admin, template, {"steps_es": ["Solo un paso."]})
    assert template.versions.count() == 1


# --- retiring -----------------------------------------------------------------------------------


def test_it_hides_a_retired_item_but_keeps_its_homework_working(county: County) -> None:
    template = library_item()
    given = give(attended(county, 7), template)
    actions.set_template_retired(county.admin, template, True)

    assert keys(library_queryset(county.clinician)) == []
    assert keys(library_queryset(county.admin, include_retired=True)) == ["breathing"]
    # The family can still log, and the clinician can still review, the homework given.
    _log, created = actions.log_practice(
        None,
        given,
        practiced_on=days_ago(5),
        completion="done",
        source="portal",
        idempotency_key="retired-1",
    )
    assert created
    today = attended(county, 0)
    review = actions.review_assignment(county.clinician, today, given, completion="full")
    assert review.assignment.title == "Belly breathing"
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, detail="retire").count() == 1


def test_it_refuses_to_give_a_retired_item_again(county: County) -> None:
    template = library_item()
    given = give(attended(county, 7), template)
    actions.set_template_retired(county.admin, template, True)
    today = attended(county, 0)
    with pytest.raises(ValidationError, match="retired"):
        actions.reassign(county.clinician, today, given)
    with pytest.raises(ValidationError, match="retired"):
        give(today, template)
    assert Assignment.objects.filter(session=today).count() == 0

    actions.set_template_retired(county.admin, template, False)
    assert keys(library_queryset(county.clinician)) == ["breathing"]
    assert actions.reassign(county.clinician, today, given).session == today


# --- search, filters and favorites -------------------------------------------------------------


@pytest.fixture
def shelf(county: County) -> County:
    """Three items: breathing (relaxation, youth 5–17, CBT), praise (caregiver skills, for
    caregivers of children 2–12, PMT) and thought detective (cognitive, youth 10–17, TF-CBT)."""
    library_item()
    library_item(
        "praise",
        skill_area="caregiver",
        target="caregiver",
        age_min=2,
        age_max=12,
        ebp_tags=["Parent Management Training"],
        title_en="Labeled praise",
        title_es="Elogio específico",
        rationale_en="Praise what you want to see more of.",
        rationale_es="Elogie lo que quiere ver más seguido.",
        short_name_en="Praise",
        short_name_es="Elogio",
        help_en="",
        help_es="",
    )
    library_item(
        "thought-detective",
        skill_area="cognitive",
        age_min=10,
        ebp_tags=["TF-CBT"],
        title_en="Thought detective",
        title_es="Detective de pensamientos",
        rationale_en="Check the evidence for a worried thought.",
        rationale_es="Busca pruebas de un pensamiento preocupado.",
        short_name_en="Detective",
        short_name_es="Detective",
        help_en="",
        help_es="",
    )
    return county


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["breathing", "praise", "thought-detective"]),
        ({"q": "praise"}, ["praise"]),
        ({"q": "pensamientos"}, ["thought-detective"]),
        ({"q": "respiración"}, ["breathing"]),
        ({"q": "Respiración", "language": "en"}, []),
        ({"q": "calm the body", "language": "en"}, ["breathing"]),
        ({"skill": "cognitive"}, ["thought-detective"]),
        ({"target": "caregiver"}, ["praise"]),
        ({"age": 4}, ["praise"]),
        ({"age": 15}, ["breathing", "thought-detective"]),
        ({"tag": "CBT"}, ["breathing"]),
        ({"tag": "tf-cbt"}, ["thought-detective"]),
        ({"skill": "relaxation", "age": 3}, []),
    ],
)
def test_it_filters_the_library(
    shelf: County, filters: dict[str, Any], expected: list[str]
) -> None:
    found = keys(library_queryset(shelf.clinician, **filters))
    # Sorted by English title: Belly breathing, Labeled praise, Thought detective.
    assert found == expected


def test_it_lists_a_clinicians_favorites_first_and_alone(shelf: County) -> None:
    detective = HomeworkTemplate.objects.get(key="thought-detective")
    assert actions.toggle_favorite(shelf.clinician, detective) is True
    assert keys(library_queryset(shelf.clinician)) == ["thought-detective", "breathing", "praise"]
    assert keys(library_queryset(shelf.clinician, favorites=True)) == ["thought-detective"]
    # Favorites are each clinician's own.
    assert keys(library_queryset(shelf.supervisor, favorites=True)) == []
    assert keys(library_queryset(shelf.supervisor))[0] == "breathing"


def test_it_toggles_a_favorite_off_again(shelf: County) -> None:
    praise = HomeworkTemplate.objects.get(key="praise")
    assert actions.toggle_favorite(shelf.clinician, praise) is True
    assert actions.toggle_favorite(shelf.clinician, praise) is False
    assert not Favorite.objects.exists()
    assert actions.toggle_favorite(shelf.clinician, praise) is True
    assert Favorite.objects.count() == 1


def test_it_shows_the_library_to_staff_only(shelf: County) -> None:
    assert len(keys(library_queryset(shelf.reviewer))) == 3
    assert keys(library_queryset(shelf.family)) == []


# --- who may change the library ----------------------------------------------------------------


def test_it_lets_only_administrators_change_the_library(county: County) -> None:
    template = library_item()
    for persona in ("clinician", "supervisor", "analyst", "family"):
        actor = county.persona(persona)
        with pytest.raises(PermissionDenied):
            actions.create_template(actor, key=f"by-{persona}", fields=TEMPLATE_FIELDS)
        with pytest.raises(PermissionDenied):
            actions.revise_template(actor, template, {"minutes": 9})
        with pytest.raises(PermissionDenied):
            actions.set_template_retired(actor, template, True)
    template.refresh_from_db()
    assert keys(HomeworkTemplate.objects.all()) == ["breathing"]
    assert (template.versions.count(), template.is_retired) == (1, False)

    created = actions.create_template(county.admin, key="by-admin", fields=TEMPLATE_FIELDS)
    assert created.current is not None
    assert created.current.created_by == county.admin
    assert AuditEvent.objects.filter(
        actor=county.admin, action=AuditAction.CREATE, object_id=str(created.pk)
    ).exists()


# --- the library pages --------------------------------------------------------------------------

LIST = reverse("homework:library-list")


def edit_form(**changes: Any) -> dict[str, Any]:
    """The administrator's edit form, filled in from the test item."""
    data: dict[str, Any] = {
        **{k: v for k, v in TEMPLATE_FIELDS.items() if not isinstance(v, list)},
        "key": "breathing",
        "ebp_tags": "CBT, MATCH-ADTC",
        "steps_en": "\n".join(TEMPLATE_FIELDS["steps_en"]),
        "steps_es": "\n".join(TEMPLATE_FIELDS["steps_es"]),
        "spanish_needs_review": "on",
    }
    data.update(changes)
    return data


def test_it_filters_the_library_page_by_query_string(shelf: County, client: HttpClient) -> None:
    client.force_login(shelf.clinician)
    response = client.get(LIST, {"skill": "caregiver"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "Labeled praise" in html
    assert "Belly breathing" not in html
    assert response.context["total"] == 1


def test_it_answers_htmx_with_the_results_alone(shelf: County, client: HttpClient) -> None:
    client.force_login(shelf.clinician)
    response = client.get(LIST, {"q": "pensamientos"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Thought detective" in html
    assert "Labeled praise" not in html
    assert response.templates[0].name == "homework/_library_results.html"


def test_it_ignores_an_invalid_filter_instead_of_failing(shelf: County, client: HttpClient) -> None:
    client.force_login(shelf.clinician)
    response = client.get(LIST, {"age": "old"})
    assert response.status_code == 200
    assert response.context["total"] == 3


def test_it_stars_a_favorite_from_the_library_page(shelf: County, client: HttpClient) -> None:
    praise = HomeworkTemplate.objects.get(key="praise")
    client.force_login(shelf.clinician)
    url = reverse("homework:favorite-toggle", args=[praise.pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert client.get(LIST).context["page"].object_list[0] == praise


def test_it_shows_an_item_in_both_languages(shelf: County, client: HttpClient) -> None:
    praise = HomeworkTemplate.objects.get(key="praise")
    client.force_login(shelf.clinician)
    response = client.get(reverse("homework:library-detail", args=[praise.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Labeled praise" in html
    assert "Elogio específico" in html
    assert "Spanish awaiting professional review" in html
    # Clinicians do not see the administration panel.
    assert reverse("homework:library-edit", args=[praise.pk]) not in html


def test_it_saves_an_administrators_edit_as_a_new_version(
    county: County, client: HttpClient
) -> None:
    template = library_item()
    client.force_login(county.admin)
    url = reverse("homework:library-edit", args=[template.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["steps_en"] == "\n".join(TEMPLATE_FIELDS["steps_en"])

    response = client.post(url, edit_form(title_en="Balloon breathing", key="ignored"))

    assert response.status_code == 302
    assert response["Location"] == reverse("homework:library-detail", args=[template.pk])
    template.refresh_from_db()
    assert template.key == "breathing"  # the key is the identity: not editable
    assert template.current is not None
    assert (template.current.number, template.current.title_en) == (2, "Balloon breathing")
    assert template.current.ebp_tags == ["CBT", "MATCH-ADTC"]
    detail = client.get(response["Location"]).content.decode()
    assert "v2" in detail and "v1" in detail


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age_min": "12", "age_max": "6"}, "age_max"),
        ({"steps_es": "Un solo paso."}, "steps_es"),
        ({"title_en": ""}, "title_en"),
        ({"minutes": "0"}, "minutes"),
    ],
)
def test_it_refuses_a_bad_edit_with_field_errors(
    county: County, client: HttpClient, changes: dict[str, str], field: str
) -> None:
    template = library_item()
    client.force_login(county.admin)
    response = client.post(
        reverse("homework:library-edit", args=[template.pk]), edit_form(**changes)
    )
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert 'class="error"' in response.content.decode()
    assert template.versions.count() == 1


def test_it_creates_an_item_from_the_new_item_form(county: County, client: HttpClient) -> None:
    client.force_login(county.admin)
    url = reverse("homework:library-create")
    response = client.post(url, edit_form(key="new-breathing"))
    created = HomeworkTemplate.objects.get(key="new-breathing")
    assert response.status_code == 302
    assert created.current is not None
    assert created.current.steps_es == TEMPLATE_FIELDS["steps_es"]
    # The same key again is an error on the key field, and nothing is written.
    again = client.post(url, edit_form(key="new-breathing"))
    assert again.status_code == 422
    assert again.context["form"].errors["key"]
    assert TemplateVersion.objects.count() == 1


def test_it_retires_and_restores_an_item_from_its_page(county: County, client: HttpClient) -> None:
    template = library_item()
    client.force_login(county.admin)
    url = reverse("homework:library-retire", args=[template.pk])
    assert client.post(url, {"retire": "1"}).status_code == 302
    template.refresh_from_db()
    assert template.is_retired
    # Administrators still find it, marked retired; clinicians no longer do.
    assert '<span class="badge">retired</span>' in client.get(LIST).content.decode()
    client.force_login(county.clinician)
    assert client.get(reverse("homework:library-detail", args=[template.pk])).status_code == 404
    client.force_login(county.admin)
    client.post(url, {"retire": "0"})
    template.refresh_from_db()
    assert not template.is_retired


def test_it_keeps_the_editing_pages_from_clinicians(county: County, client: HttpClient) -> None:
    template = library_item()
    client.force_login(county.clinician)
    edit = reverse("homework:library-edit", args=[template.pk])
    assert client.post(edit, edit_form(title_en="Mine now")).status_code == 404
    assert client.post(reverse("homework:library-create"), edit_form(key="x")).status_code == 404
    assert template.versions.count() == 1


def test_it_gives_a_family_404_on_the_library_pages(county: County, client: HttpClient) -> None:
    template = library_item()
    client.force_login(county.family)
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("homework:library-detail", args=[template.pk])).status_code == 404
    favorite = reverse("homework:favorite-toggle", args=[template.pk])
    assert client.post(favorite).status_code == 404
    assert not Favorite.objects.exists()


def test_it_refuses_a_library_load_by_a_clinician(county: County, tmp_path: Path) -> None:
    path = small_library(tmp_path, SHIPPED[:2])
    with pytest.raises(PermissionDenied):
        actions.load_library(county.clinician, path=path)
    assert not HomeworkTemplate.objects.exists()
    actions.load_library(county.admin, path=path)
    assert AuditEvent.objects.filter(actor=county.admin, action=AuditAction.CREATE).count() == 2
