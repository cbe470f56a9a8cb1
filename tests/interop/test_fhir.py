"""The FHIR facade: every resource validates with fhir.resources R4B, every code is one of ours,
searches filter and page, the record exports as one Bundle, and each read is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from between.accounts import actions as account_actions
from between.accounts.models import AuditEvent, Role
from between.clinic import actions as clinic_actions
from between.clinic.actions import today
from between.clinic.models import (
    ClientCaregiver,
    ProgramKind,
    Relationship,
    SessionStatus,
    SessionType,
)
from between.homework import actions as homework_actions
from between.homework.models import (
    Assignee,
    Completion,
    Difficulty,
    LogSource,
    ReviewCompletion,
    SkillArea,
    Target,
)
from between.interop.api.tokens import create_token
from between.interop.fhir import codes
from between.interop.fhir.kinds import KINDS
from between.interop.fhir.resources import task_status
from tests.conftest import make_user
from tests.homework.factories import attended, days_ago, give
from tests.interop.test_fhir_access import OBJECT_IDS
from tests.interop.test_fhir_fixtures import Record, fhir_get, parse, record

__all__ = ["record"]


def entries(bundle: dict[str, Any], resource_type: str | None = None) -> list[dict[str, Any]]:
    return [
        e["resource"]
        for e in bundle.get("entry", [])
        if resource_type is None or e["resource"]["resourceType"] == resource_type
    ]


def seen_codes(node: Any) -> set[tuple[str, str]]:
    return set(codes._system_codes(node))


# --- Every resource type validates -------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_it_reads_and_searches_each_type_as_valid_r4b(
    record: Record, client: HttpClient, kind: str
) -> None:
    client.force_login(record.county.supervisor)
    resource_id = OBJECT_IDS[kind.lower()](record, "A")
    read = fhir_get(client, f"{kind}/{resource_id}")
    assert read.status_code == 200, read.json_body
    assert read["Content-Type"] == "application/fhir+json"
    model = parse(read.json_body)
    assert model.__resource_type__ == kind
    assert model.id == str(resource_id)

    found = fhir_get(client, kind)
    assert found.status_code == 200, found.json_body
    bundle = Bundle.model_validate(found.json_body)
    assert bundle.type == "searchset"
    assert (bundle.total or 0) >= 1
    assert str(resource_id) in {e["id"] for e in entries(found.json_body, kind)}
    for entry in entries(found.json_body, kind):
        parse(entry)
    codes.Verifier().verify(found.json_body)


def test_it_describes_what_it_serves_in_the_capability_statement(client: HttpClient) -> None:
    response = fhir_get(client, "metadata")
    assert response.status_code == 200
    statement: Any = CapabilityStatement.model_validate(response.json_body)
    assert statement.fhirVersion == "4.3.0"
    assert statement.format == ["json"]
    served = {r.type: r for r in statement.rest[0].resource}
    assert set(served) == set(KINDS)
    for name, kind in KINDS.items():
        assert [i.code for i in served[name].interaction] == ["read", "search-type"]
        assert {p.name: p.type for p in served[name].searchParam} == {
            param: kind_type for param, (kind_type, _doc) in kind.params.items()
        }
    assert [op.name for op in served["Patient"].operation] == ["everything"]


SEARCH_EXAMPLES = {
    "_id": "1",
    "identifier": "H-1001",
    "patient": "Patient/1",
    "date": "ge2020-01-01",
    "practitioner": "Practitioner/1",
    "status": None,  # per type below
    "url": None,  # per type below
    "measure": "completion",
    "period": "ge2026-01-01",
    "reporter": "Organization/1",
}
URL_EXAMPLES = {
    "Measure": "https://between-sessions.example/fhir/Measure/completion",
    "CodeSystem": codes.system_url("homework-barrier"),
}
STATUS_EXAMPLES = {
    "Encounter": "finished",
    "ActivityDefinition": "active",
    "CarePlan": "active",
    "Task": "in-progress",
}


def test_it_accepts_every_search_parameter_it_lists(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.supervisor)
    for name, kind in KINDS.items():
        for param in kind.params:
            value = {"status": STATUS_EXAMPLES, "url": URL_EXAMPLES}.get(param, {}).get(name)
            value = value or SEARCH_EXAMPLES[param]
            response = fhir_get(client, name, **{param: value})
            assert response.status_code == 200, (name, param, response.json_body)
            Bundle.model_validate(response.json_body)


# --- Codes -------------------------------------------------------------------------------------


def test_it_mirrors_the_models_choices_in_its_code_systems() -> None:
    mirrored = {
        "session-type": SessionType,
        "session-status": SessionStatus,
        "program-kind": ProgramKind,
        "caregiver-relationship": Relationship,
        "skill-area": SkillArea,
        "homework-target": Target,
        "assignee": Assignee,
        "homework-completion": ReviewCompletion,
        "practice-completion": Completion,
        "practice-difficulty": Difficulty,
        "log-source": LogSource,
    }
    for name, choices in mirrored.items():
        assert set(codes.OWN_SYSTEMS[name]) == set(choices.values), name
    assert set(codes.ENCOUNTER_STATUS) == set(SessionStatus.values)
    assert set(codes.ENCOUNTER_STATUS.values()) <= codes.REQUIRED["encounter-status"]
    assert set(codes.CATALOG_SYSTEMS) == {"homework-barrier", "problem-solving-strategy"}
    for name in codes.OWN_SYSTEMS:
        assert codes.system_url(name).startswith(codes.CODE_SYSTEM_BASE)


def test_it_serves_every_code_system_it_prints(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.reviewer)
    found = fhir_get(client, "CodeSystem", _count=100).json_body
    served = {cs["url"]: cs for cs in entries(found, "CodeSystem")}
    names = [*codes.OWN_SYSTEMS, *codes.CATALOG_SYSTEMS]
    assert set(served) == {codes.system_url(name) for name in names}
    for name in codes.OWN_SYSTEMS:
        concepts = served[codes.system_url(name)]["concept"]
        assert {c["code"] for c in concepts} == set(codes.OWN_SYSTEMS[name]), name
    verifier = codes.Verifier()
    for name in codes.CATALOG_SYSTEMS:
        for concept in served[codes.system_url(name)]["concept"]:
            assert verifier.allowed(codes.system_url(name), concept["code"])
    barriers = fhir_get(client, "CodeSystem/homework-barrier").json_body
    assert {"code", "display", "designation", "property"} <= set(barriers["concept"][0])
    assert fhir_get(client, "CodeSystem/no-such-system").status_code == 404


def test_it_refuses_codes_outside_the_value_sets(db: None) -> None:
    with pytest.raises(codes.CodeError):
        codes.coding("session-type", "telepathy")
    with pytest.raises(codes.CodeError):
        codes.coding("no-such-system", "x")
    with pytest.raises(codes.CodeError):
        codes.required("task-status", "done")
    with pytest.raises(codes.CodeError):
        codes.external("urn:ietf:bcp:47", "fr")
    verifier = codes.Verifier()
    assert verifier.allowed(codes.system_url("homework-barrier"), "forgot")
    assert not verifier.allowed(codes.system_url("homework-barrier"), "dog-ate-it")
    assert not verifier.allowed("http://loinc.org", "1234-5")
    with pytest.raises(codes.CodeError):
        verifier.verify({"coding": [{"system": codes.system_url("assignee"), "code": "dog"}]})


def test_it_prints_only_codes_of_its_value_sets(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.clinician)
    bundle = fhir_get(client, f"Patient/{record.county.client.pk}/$everything").json_body
    printed = seen_codes(bundle)
    verifier = codes.Verifier()
    assert all(verifier.allowed(system, code) for system, code in printed)
    systems = {system for system, _code in printed}
    assert codes.system_url("homework-barrier") in systems
    assert codes.system_url("homework-completion") in systems
    assert codes.system_url("practice-completion") in systems


def test_it_maps_every_task_outcome_to_the_required_value_set(record: Record) -> None:
    for assignment in (record.breathing, record.caregiver_task, record.open_task):
        status = task_status(assignment, list(assignment.reviews.all()))
        assert status in codes.REQUIRED["task-status"]


# --- The resources say what they should --------------------------------------------------------


def test_it_keeps_the_patient_minimal(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.clinician)
    patient = fhir_get(client, f"Patient/{record.county.client.pk}").json_body
    assert set(patient) == {
        "resourceType",
        "id",
        "identifier",
        "active",
        "name",
        "birthDate",
        "managingOrganization",
        "communication",
    }
    assert patient["identifier"][0] == {
        "use": "usual",
        "system": "https://between-sessions.example/fhir/sid/test-county/client",
        "value": "H-1001",
    }
    assert patient["birthDate"] == "2015-03-14"
    assert patient["communication"][0]["language"]["coding"][0]["code"] == "es"
    caregiver = fhir_get(client, "RelatedPerson", patient=f"Patient/{record.county.client.pk}")
    person = entries(caregiver.json_body)[0]
    assert "telecom" not in person and "address" not in person
    assert person["relationship"][0]["coding"][0]["code"] == "mother"


def test_it_carries_why_homework_was_not_done_in_the_task(
    record: Record, client: HttpClient
) -> None:
    client.force_login(record.county.clinician)
    failed = fhir_get(client, f"Task/{record.breathing.pk}").json_body
    assert failed["status"] == "failed"
    assert failed["businessStatus"]["coding"][0]["code"] == "none"
    assert failed["statusReason"]["coding"][0]["code"] == "forgot"
    assert failed["statusReason"]["text"] == "Forgot; No time"
    assert failed["owner"] == {"reference": f"Patient/{record.county.client.pk}"}
    assert failed["instantiatesCanonical"].endswith("/ActivityDefinition/breathing|1")
    barriers = [
        e["valueCoding"]["code"] for e in failed["extension"] if e["url"].endswith("barrier")
    ]
    assert barriers == ["forgot", "no-time"]

    done = fhir_get(client, f"Task/{record.caregiver_task.pk}").json_body
    link = ClientCaregiver.objects.get(client=record.county.client)
    assert done["status"] == "completed"
    assert done["owner"] == {"reference": f"RelatedPerson/{link.pk}"}
    assert "statusReason" not in done
    assert fhir_get(client, f"Task/{record.open_task.pk}").json_body["status"] == "in-progress"


def test_it_searches_tasks_by_status_and_patient(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.supervisor)
    kai = f"Patient/{record.county.client.pk}"

    def ids(**params: Any) -> set[str]:
        return {e["id"] for e in entries(fhir_get(client, "Task", **params).json_body)}

    assert ids(patient=kai, status="failed") == {str(record.breathing.pk)}
    assert ids(patient=kai, status="completed,in-progress") == {
        str(record.caregiver_task.pk),
        str(record.open_task.pk),
    }
    assert ids(patient=kai, status="cancelled") == set()
    response = fhir_get(client, "Task", status="finished")
    assert response.status_code == 400
    assert response.json_body["resourceType"] == "OperationOutcome"
    plans = entries(fhir_get(client, "CarePlan", status="active").json_body)
    assert [p["id"] for p in plans] == [str(record.county.client.pk)]
    assert len(plans[0]["activity"]) == 3


def test_it_searches_encounters_and_observations_by_date(
    record: Record, client: HttpClient
) -> None:
    client.force_login(record.county.clinician)
    first = record.first_session.occurred_on
    found = fhir_get(client, "Encounter", date=[f"ge{first}", f"le{first}"]).json_body
    assert [e["id"] for e in entries(found)] == [str(record.first_session.pk)]
    encounter = entries(found)[0]
    assert encounter["status"] == "finished"
    assert encounter["length"]["value"] == 50
    by_clinician = fhir_get(
        client, "Encounter", practitioner=f"Practitioner/{record.county.clinician.pk}"
    )
    assert by_clinician.json_body["total"] == 2
    logs = fhir_get(client, "Observation", date=f"le{first + timedelta(days=2)}").json_body
    assert [e["id"] for e in entries(logs)] == [str(record.family_log.pk)]
    observation = entries(logs)[0]
    assert observation["valueCodeableConcept"]["coding"][0]["code"] == "done"
    assert observation["focus"] == [{"reference": f"Task/{record.caregiver_task.pk}"}]
    bad = fhir_get(client, "Observation", date="yesterday")
    assert bad.status_code == 400


def test_it_finds_a_patient_by_the_counties_identifier(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.clinician)
    system = "https://between-sessions.example/fhir/sid/test-county/client"
    found = fhir_get(client, "Patient", identifier=f"{system}|H-1001").json_body
    assert [e["id"] for e in entries(found)] == [str(record.county.client.pk)]
    assert (
        fhir_get(client, "Patient", identifier="https://elsewhere/client|H-1001").json_body["total"]
        == 0
    )
    # Nico is Bayside's: not found, not even by his EHR id.
    assert fhir_get(client, "Patient", identifier="B-2002").json_body["total"] == 0


def test_it_pages_with_links(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.supervisor)
    first = fhir_get(client, "Task", _count=2).json_body
    assert first["total"] == 3
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "previous" not in links
    second = client.get(links["next"]).json()
    assert len(entries(second)) == 1
    assert "next" not in {link["relation"] for link in second["link"]}
    assert {e["id"] for e in entries(first)} | {e["id"] for e in entries(second)} == {
        str(a.pk) for a in (record.breathing, record.caregiver_task, record.open_task)
    }
    assert fhir_get(client, "Task", _count=1000).status_code == 400
    unknown = fhir_get(client, "Task", owner="Patient/1")
    assert unknown.status_code == 400
    assert unknown.json_body["issue"][0]["code"] == "not-supported"


# --- The record as one Bundle ---------------------------------------------------------------------


def test_it_exports_the_clients_homework_record(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.clinician)
    kai = record.county.client
    before = AuditEvent.objects.count()
    response = fhir_get(client, f"Patient/{kai.pk}/$everything")
    assert response.status_code == 200
    bundle = Bundle.model_validate(response.json_body)
    assert bundle.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in response.json_body["entry"]]
    assert kinds.count("Patient") == 1
    assert kinds.count("RelatedPerson") == 1
    assert kinds.count("Encounter") == 2
    assert kinds.count("CarePlan") == 1
    assert kinds.count("Task") == 3
    assert kinds.count("Observation") == 2
    assert kinds.count("ActivityDefinition") == 1
    assert {"Organization", "Practitioner"} <= set(kinds)
    text = response.content.decode()
    assert "Nico" not in text and "+16195550100" not in text  # no other child, no phone
    assert "Private note" not in text
    events = AuditEvent.objects.order_by("pk")[before:]
    assert [(e.action, e.client_id) for e in events] == [("export", kai.pk)]
    # Every reference points into the bundle.
    inside = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in bundle.model_dump()["entry"]
    }
    references = {
        v for k, v in _walk(response.json_body) if k == "reference" and isinstance(v, str)
    }
    assert references <= inside


def _walk(node: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((key, value))
            found += _walk(value)
    elif isinstance(node, list):
        for item in node:
            found += _walk(item)
    return found


# --- Measures ---------------------------------------------------------------------------------


def test_it_defines_a_proportion_measure_for_every_indicator(
    record: Record, client: HttpClient
) -> None:
    from between.indicators.registry import INDICATORS

    client.force_login(record.county.analyst)
    found = fhir_get(client, "Measure").json_body
    assert found["total"] == len(INDICATORS)
    by_id = {m["id"]: m for m in entries(found)}
    for indicator in INDICATORS:
        measure = by_id[indicator.key.replace("_", "-")]
        assert measure["scoring"]["coding"][0]["code"] == "proportion"
        assert measure["description"] == str(indicator.definition)
        populations = {
            p["code"]["coding"][0]["code"]: p["criteria"]["description"]
            for p in measure["group"][0]["population"]
        }
        assert populations["numerator"] == str(indicator.numerator_text)
        assert populations["denominator"] == str(indicator.denominator_text)
        assert populations["denominator-exclusion"] == str(indicator.exclusions_text)
        assert "initial-population" in populations


def _report(client: HttpClient, record: Record, key: str = "homework-assigned") -> Any:
    month = record.second_session.occurred_on
    return fhir_get(client, f"MeasureReport/{key}.{record.county.harbor.pk}.{month:%Y-%m}")


def test_it_reports_exact_counts_to_viewers_with_record_access(
    record: Record, client: HttpClient
) -> None:
    from between.indicators import periods, registry, repository

    client.force_login(record.county.supervisor)
    response = _report(client, record)
    assert response.status_code == 200
    report = response.json_body
    month = periods.period_start("month", record.second_session.occurred_on)
    [cell] = repository.series(
        registry.get("homework_assigned"),
        grain="month",
        start=month,
        end=month,
        scope=repository.Scope(frozenset({record.county.harbor.pk})),
    )
    counts = {p["code"]["coding"][0]["code"]: p["count"] for p in report["group"][0]["population"]}
    assert counts == {"numerator": cell.numerator, "denominator": cell.denominator}
    assert report["type"] == "summary"
    assert report["measure"] == "https://between-sessions.example/fhir/Measure/homework-assigned"
    assert report["reporter"] == {"reference": f"Organization/{record.county.harbor.pk}"}
    assert report["period"]["start"] == month.isoformat()
    assert report["group"][0]["measureScore"]["value"] == pytest.approx(cell.rate)


def test_it_suppresses_small_cells_for_viewers_without_record_access(
    record: Record, client: HttpClient
) -> None:
    client.force_login(record.county.analyst)
    report = _report(client, record).json_body
    group = report["group"][0]
    assert "population" not in group and "measureScore" not in group
    assert group["extension"][0]["url"].endswith("/suppressed")
    month = record.second_session.occurred_on
    found = fhir_get(
        client,
        "MeasureReport",
        measure="homework-assigned",
        reporter=f"Organization/{record.county.harbor.pk}",
        period=f"eq{month:%Y-%m}",
    ).json_body
    assert found["total"] == 1
    outcome = entries(found, "OperationOutcome")[0]
    assert outcome["issue"][0]["code"] == "security"


def test_it_keeps_other_programs_reports_out_of_searches(
    record: Record, client: HttpClient
) -> None:
    client.force_login(record.county.clinician)
    bayside = f"Organization/{record.county.bayside.pk}"
    assert fhir_get(client, "MeasureReport", reporter=bayside).json_body["total"] == 0
    every = fhir_get(client, "MeasureReport", _count=100).json_body
    assert {e["reporter"]["reference"] for e in entries(every, "MeasureReport")} == {
        f"Organization/{record.county.harbor.pk}"
    }


# --- Access -----------------------------------------------------------------------------------


def test_it_answers_anonymous_callers_with_401(record: Record, client: HttpClient) -> None:
    response = fhir_get(client, f"Patient/{record.county.client.pk}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json_body["issue"][0]["code"] == "login"
    bad_token = client.get("/fhir/R4/Patient", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad_token.status_code == 401


def test_it_answers_families_with_403(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.family)
    response = fhir_get(client, "Task")
    assert response.status_code == 403
    assert response.json_body["issue"][0]["code"] == "forbidden"


def test_it_accepts_api_tokens(record: Record, client: HttpClient) -> None:
    issued = create_token(
        record.county.clinician,
        name="EHR bridge",
        scope="read",
        expires_at=timezone.now() + timedelta(days=30),
    )
    auth = f"Bearer {issued.secret}"
    response = client.get(f"/fhir/R4/Patient/{record.county.client.pk}", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200
    other = client.get(f"/fhir/R4/Patient/{record.county.other_client.pk}", HTTP_AUTHORIZATION=auth)
    assert other.status_code == 404


def test_it_refuses_and_audits_another_programs_record(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.outsider)
    for path in (
        f"Patient/{record.county.client.pk}",
        f"Task/{record.breathing.pk}",
        f"Observation/{record.family_log.pk}",
        f"Patient/{record.county.client.pk}/$everything",
        f"Practitioner/{record.county.clinician.pk}",
        f"Organization/{record.county.harbor.pk}",
        f"MeasureReport/completion.{record.county.harbor.pk}.{today():%Y-%m}",
    ):
        before = AuditEvent.objects.count()
        response = fhir_get(client, path)
        assert response.status_code == 404, path
        assert response.json_body["issue"][0]["code"] == "not-found"
        events = list(AuditEvent.objects.order_by("pk")[before:])
        assert [(e.action, e.outcome) for e in events] == [("deny", "denied")], path


def test_it_gives_analysts_aggregates_only(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.analyst)
    assert fhir_get(client, "Patient").json_body["total"] == 0
    assert fhir_get(client, f"Patient/{record.county.client.pk}").status_code == 404
    assert fhir_get(client, "Task").json_body["total"] == 0
    assert fhir_get(client, "Measure/completion").status_code == 200
    assert fhir_get(client, "MeasureReport").json_body["total"] > 0
    # An analyst granted record access sees the program's records and exact counts.
    granted = make_user("rae", "Rae", "Kim")
    account_actions.grant_role(
        None, granted, record.county.harbor, Role.ANALYST, has_record_access=True
    )
    client.force_login(granted)
    assert fhir_get(client, f"Patient/{record.county.client.pk}").status_code == 200
    assert "population" in _report(client, record).json_body["group"][0]


# --- Audit and query budgets ------------------------------------------------------------------


def test_it_leaves_one_audit_event_per_request(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.clinician)
    kai = record.county.client.pk
    for path, params in (
        (f"Patient/{kai}", {}),
        (f"Task/{record.breathing.pk}", {}),
        (f"Encounter/{record.first_session.pk}", {}),
        ("Task", {"patient": f"Patient/{kai}"}),
        ("Observation", {}),
    ):
        before = AuditEvent.objects.count()
        assert fhir_get(client, path, **params).status_code == 200
        events = list(AuditEvent.objects.order_by("pk")[before:])
        assert [(e.action, e.client_id) for e in events] == [("view", kai)], path
    for path in ("Measure", "MeasureReport", "ActivityDefinition"):
        before = AuditEvent.objects.count()
        fhir_get(client, path)
        assert AuditEvent.objects.count() == before, path


def _queries(client: HttpClient, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = fhir_get(client, path)
    assert response.status_code == 200, response.json_body
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "Patient",
        "RelatedPerson",
        "Encounter",
        "CarePlan",
        "Task",
        "Observation",
        "MeasureReport",
        "Practitioner",
        "ActivityDefinition",
        "$everything",
    ],
)
def test_it_searches_in_a_fixed_number_of_queries(
    record: Record, client: HttpClient, path: str
) -> None:
    client.force_login(record.county.supervisor)
    if path == "$everything":
        path = f"Patient/{record.county.client.pk}/$everything"
    few = _queries(client, path)
    county = record.county
    for i in range(3):
        child = clinic_actions.register_client(
            None,
            county.harbor,
            ehr_id=f"H-20{i}",
            given_name=f"Kid{i}",
            family_name="Test",
            birth_date=county.client.birth_date,
            primary_clinician=county.clinician,
        )
        clinic_actions.add_caregiver(None, child, given_name="Pat", family_name="Test")
        colleague = make_user(f"colleague{i}", "Col", f"League{i}")
        account_actions.grant_role(None, colleague, county.harbor, Role.CLINICIAN)
        session = attended(county, 5 - i, client=child, caregiver_attended=True)
        caregiver_task = give(session, record.item, assignee="caregiver")
        give(session, custom_title=f"Extra {i}")
        homework_actions.log_practice(
            county.clinician,
            caregiver_task,
            practiced_on=days_ago(1),
            completion="partly",
            source="clinician",
            idempotency_key=f"budget-{i}",
            count=2,
        )
    assert _queries(client, path) == few


# --- Errors -----------------------------------------------------------------------------------


def test_it_answers_errors_as_operation_outcomes(
    record: Record, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(record.county.clinician)
    posted = client.post("/fhir/R4/Patient", {})
    assert posted.status_code == 405
    assert posted.json()["resourceType"] == "OperationOutcome"
    xml = fhir_get(client, "Patient", _format="xml")
    assert xml.status_code == 406
    missing = fhir_get(client, "Patient/999999")
    assert missing.status_code == 404
    assert missing.json_body["issue"][0]["code"] == "not-found"

    # A code outside our value sets is our bug: a 500 OperationOutcome, never the resource.
    from between.interop.fhir import resources

    broken = dict(codes.ENCOUNTER_STATUS)
    broken[SessionStatus.ATTENDED] = "done"
    monkeypatch.setattr(codes, "ENCOUNTER_STATUS", broken)
    assert resources.codes.ENCOUNTER_STATUS is broken
    failed = fhir_get(client, f"Encounter/{record.first_session.pk}")
    assert failed.status_code == 500
    assert failed.json_body["issue"][0]["code"] == "exception"
    assert "Kai" not in failed.content.decode()


def test_it_reports_the_months_a_period_asks_for(record: Record, client: HttpClient) -> None:
    client.force_login(record.county.supervisor)
    harbor = f"Organization/{record.county.harbor.pk}"

    def starts(*period: str) -> list[str]:
        found = fhir_get(
            client, "MeasureReport", measure="completion", reporter=harbor, period=list(period)
        ).json_body
        return [r["period"]["start"] for r in entries(found, "MeasureReport")]

    assert starts("eq2025-10") == ["2025-10-01"]
    assert starts("ge2025-01-15", "le2025-03-01") == ["2025-03-01", "2025-02-01", "2025-01-01"]
    assert starts("gt2025-01-31", "lt2025-04-01") == ["2025-03-01", "2025-02-01"]
    assert len(starts()) == 12
    assert starts()[0] == f"{today():%Y-%m}-01"
    assert fhir_get(client, "MeasureReport", period="ne2025-01").status_code == 400
