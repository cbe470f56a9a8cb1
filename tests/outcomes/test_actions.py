"""Recording a questionnaire: who may, what is checked, scores stored, idempotency, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from between.accounts.models import AuditEvent
from between.clinic.actions import today
from between.outcomes import actions
from between.outcomes.models import Administration, Instrument
from between.outcomes.seed import CAREGIVER_EFFECTIVENESS, PSC_35, get_instrument, seed_instruments
from tests.conftest import County
from tests.outcomes.factories import psc_answers, record


def test_it_seeds_both_instruments(db: None) -> None:
    assert set(Instrument.objects.values_list("key", flat=True)) == {
        PSC_35,
        CAREGIVER_EFFECTIVENESS,
    }
    psc = Instrument.objects.get(key=PSC_35)
    assert len(psc.items) == 35 and psc.higher_is_better is False
    assert psc.intervals_days == [90, 180]
    assert "free to use" in psc.license_note_en
    # A flushed database gets them back; seeding twice creates nothing.
    Instrument.objects.all().delete()
    assert get_instrument(PSC_35).key == PSC_35
    assert Instrument.objects.count() == 2
    assert seed_instruments() == 0


def test_it_records_and_scores_a_clinician_entry(county: County) -> None:
    administration = record(county.clinician, county.client, value=1, psc04=2, psc07=None)
    assert administration.total == 35  # 33 items at 1, one at 2, one blank
    assert administration.subscales["attention"] == 5
    assert administration.is_valid and administration.missing_count == 1
    assert administration.age_years == 11  # Kai was born on 14 March 2015
    assert administration.entered_by == county.clinician
    event = AuditEvent.objects.filter(object_type="outcomes.administration").get()
    assert event.action == "create"
    assert event.client_id == county.client.pk
    assert event.actor == county.clinician


def test_it_lets_the_family_and_the_supervisor_record(county: County) -> None:
    record(county.family, county.client, source="portal")
    record(county.supervisor, county.client, occasion="follow_up", on=date(2026, 11, 1))
    assert Administration.objects.filter(client=county.client).count() == 2


@pytest.mark.parametrize("persona", ["outsider", "reviewer", "analyst", "trainer", "admin"])
def test_it_refuses_those_who_may_not_record(county: County, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        record(county.persona(persona), county.client)
    assert not Administration.objects.exists()
    denied = AuditEvent.objects.get(action="deny", actor=county.persona(persona))
    assert denied.client_id == county.client.pk


def test_it_refuses_the_family_for_another_child(county: County) -> None:
    with pytest.raises(PermissionDenied):
        record(county.family, county.other_client, source="portal")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"psc01": 3}, "Answer psc01 with one of the given choices."),
        ({"psc01": "1"}, "Answer psc01 with one of the given choices."),
        ({"psc01": True}, "Answer psc01 with one of the given choices."),
        ({"psc99": 1}, "These are not questions of Pediatric Symptom Checklist (PSC-35): psc99."),
        ({}, "Answer at least one question."),
        ({"psc01": None}, "Answer at least one question."),
    ],
)
def test_it_checks_every_answer_against_the_options(
    county: County, answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.record_administration(
            county.clinician,
            county.client,
            get_instrument(PSC_35),
            answers,
            "intake",
            date(2026, 9, 1),
            "clinician",
        )
    assert error.value.messages == [message]
    assert not Administration.objects.exists()


def test_it_checks_the_occasion_the_date_and_the_source(county: County) -> None:
    clinician, kai = county.clinician, county.client
    for changes, message in (
        ({"occasion": "discharge"}, "Choose intake or follow-up."),
        ({"source": "fax"}, "Unknown source of the answers."),
        ({"on": today() + timedelta(days=1)}, "The date cannot be in the future."),
        ({"on": date(2015, 1, 1)}, "The date is before the child's birth."),
    ):
        with pytest.raises(ValidationError) as error:
            record(clinician, kai, **changes)
        assert error.value.messages == [message]
    record(clinician, kai, on=date(2026, 9, 1))
    with pytest.raises(ValidationError, match="intake score already"):
        record(clinician, kai, on=date(2026, 9, 2))
    with pytest.raises(ValidationError, match="cannot come before the intake"):
        record(clinician, kai, occasion="follow_up", on=date(2026, 8, 1))
    assert Administration.objects.count() == 1


def test_it_keeps_a_form_with_too_many_blanks_unscored(county: County) -> None:
    administration = record(
        county.clinician, county.client, psc01=None, psc02=None, psc03=None, psc04=None
    )
    assert not administration.is_valid
    assert administration.total is None
    assert administration.invalid_reason.startswith("4 items are blank")
    # An unscored intake does not count as the intake: another can be recorded.
    assert record(county.clinician, county.client, on=date(2026, 9, 2)).is_valid


def test_it_records_a_resubmitted_form_once(county: County) -> None:
    first = record(county.family, county.client, source="portal", key="form-1")
    again = record(county.family, county.client, source="portal", key="form-1")
    assert again.pk == first.pk
    assert Administration.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="outcomes.administration").count() == 1
    with pytest.raises(ValidationError, match="another questionnaire"):
        actions.record_administration(
            county.family,
            county.client,
            get_instrument(CAREGIVER_EFFECTIVENESS),
            {"yss01": 4},
            "intake",
            date(2026, 9, 1),
            "portal",
            idempotency_key="form-1",
        )


def test_it_stores_answers_for_every_item(county: County) -> None:
    administration = actions.record_administration(
        county.clinician,
        county.client,
        get_instrument(PSC_35),
        {"psc01": 2},
        "intake",
        date(2026, 9, 1),
        "clinician",
    )
    assert administration.answers == psc_answers(None, psc01=2)
    assert not administration.is_valid  # 34 blanks
