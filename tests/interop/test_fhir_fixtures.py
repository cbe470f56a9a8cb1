"""A homework record on each side for the FHIR tests, set up through actions.

Kai (Harbor, Carla's client): two weeks ago breathing practice (youth, from the library) and a
caregiver task for Maria; Maria logged practice in the portal, Carla on paper; a week ago Carla
reviewed them (breathing not done: forgot, no time; the caregiver task done fully) and gave new
breathing practice, still open. Nico (Bayside, Olivia's client): one assignment with a log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as HttpClient
from fhir.resources.R4B import get_fhir_model_class

from between.clinic import actions as clinic_actions
from between.clinic.models import Session
from between.homework import actions as homework_actions
from between.homework.models import Assignment, HomeworkTemplate, PracticeLog
from between.indicators.actions import refresh_summary
from tests.conftest import County
from tests.homework.factories import attended, days_ago, give, library_item


@dataclass
class Record:
    county: County
    item: HomeworkTemplate
    first_session: Session
    second_session: Session
    breathing: Assignment  # reviewed: not done
    caregiver_task: Assignment  # reviewed: done fully
    open_task: Assignment
    family_log: PracticeLog
    nico_session: Session
    nico_task: Assignment
    nico_log: PracticeLog


@pytest.fixture
def record(county: County) -> Record:
    item = library_item()
    first = attended(county, 14, duration_minutes=50)
    breathing = give(first, item, written_copy_given=True, rationale_explained=True)
    caregiver_task = give(first, assignee="caregiver", custom_title="Praise three times a day")
    family_log, _ = homework_actions.log_practice(
        county.family,
        caregiver_task,
        practiced_on=days_ago(12),
        completion="done",
        source="portal",
        idempotency_key="fhir-family",
        count=3,
        rating=8,
    )
    homework_actions.log_practice(
        county.clinician,
        breathing,
        practiced_on=days_ago(11),
        completion="not",
        source="paper",
        idempotency_key="fhir-paper",
    )
    second = attended(county, 7, session_type="family", caregiver_attended=True)
    homework_actions.review_assignment(
        county.clinician,
        second,
        breathing,
        completion="none",
        barrier_codes=["forgot", "no-time"],
        strategy_code="reminder",
    )
    homework_actions.review_assignment(county.clinician, second, caregiver_task, completion="full")
    open_task = give(second, item)
    nico_session = attended(county, 10, client=county.other_client, clinician=county.outsider)
    nico_task = give(nico_session, item)
    nico_log, _ = homework_actions.log_practice(
        county.outsider,
        nico_task,
        practiced_on=days_ago(9),
        completion="partly",
        source="clinician",
        idempotency_key="fhir-nico",
    )
    clinic_actions.add_caregiver(
        None, county.other_client, given_name="Eva", family_name="Hart", relationship="father"
    )
    refresh_summary()
    return Record(
        county=county,
        item=item,
        first_session=first,
        second_session=second,
        breathing=breathing,
        caregiver_task=caregiver_task,
        open_task=open_task,
        family_log=family_log,
        nico_session=nico_session,
        nico_task=nico_task,
        nico_log=nico_log,
    )


def fhir_get(http: HttpClient, path: str, **params: Any) -> Any:
    """GET /fhir/R4/<path>; `.json_body` is the parsed JSON (for any status)."""
    response: Any = http.get(f"/fhir/R4/{path}", params)
    response.json_body = json.loads(response.content) if response.content else None
    return response


def parse(resource: dict[str, Any]) -> Any:
    """The resource parsed back by its fhir.resources R4B model (raises if it does not validate)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)
