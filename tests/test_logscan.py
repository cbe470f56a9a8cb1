"""The log scanner (tests/logscan.py) finds a planted leak and passes clean records."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from tests.conftest import County
from tests.logscan import (
    Collector,
    JsonLinesHandler,
    Scanner,
    SyntheticValue,
    format_report,
    read_records,
    scan_records,
    skip_reason,
)

KAI = [
    SyntheticValue("name", "Kai", "Client.given_name"),
    SyntheticValue("name", "Lopez", "Client.family_name"),
    SyntheticValue("full name", "Kai Lopez", "Client"),
]
MARIA = [
    SyntheticValue("name", "María", "Caregiver.given_name"),
    SyntheticValue("phone", "+16195550100", "Caregiver.phone"),
    SyntheticValue("email", "maria.lopez@example.org", "Caregiver.email"),
]


def record(text: str, logger: str = "between.notify.delivery") -> dict[str, str]:
    return {"logger": logger, "level": "WARNING", "test": "tests/x.py::test_y", "text": text}


def leaked(text: str, values: list[SyntheticValue]) -> list[str]:
    return [leak.value.text for leak in scan_records([record(text)], Scanner(values))]


def test_it_finds_a_planted_client_name() -> None:
    leaks = scan_records(
        [record("message 12 attempt 3 failed: no number for Lopez")], Scanner(KAI + MARIA)
    )

    assert [(leak.value.text, leak.logger) for leak in leaks] == [
        ("Lopez", "between.notify.delivery")
    ]


def test_it_finds_a_full_name_even_when_the_given_name_is_too_short_to_scan_alone() -> None:
    assert leaked("reminder for KAI   LOPEZ queued", KAI) == ["Lopez", "Kai Lopez"]
    assert leaked("kai is here", KAI) == []


def test_it_matches_names_without_their_accents_and_in_any_case() -> None:
    assert leaked("sms from maria", MARIA) == ["María"]
    assert leaked("SMS FROM MARÍA", MARIA) == ["María"]


def test_it_finds_a_phone_in_any_common_spelling() -> None:
    for text in (
        "to +16195550100",
        "to +1 (619) 555-0100",
        "to 619.555.0100",
        "to 6195550100 failed",
        "gateway said: {'to': '619-555-0100'}",
    ):
        assert leaked(text, MARIA) == ["+16195550100"], text


def test_it_finds_an_email_address() -> None:
    # The given name inside the address is found too: "." is a word boundary.
    assert set(leaked("bounce from Maria.Lopez@example.org", MARIA)) == {
        "maria.lopez@example.org",
        "María",
    }
    assert leaked("bounce from jmaria.lopez@example.org.uk", MARIA[2:]) == []


def test_it_finds_a_name_inside_a_traceback() -> None:
    traceback = (
        "ERROR django.request Internal Server Error: /api/v1/clients/12\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "ValueError: bad family name 'Lopez'"
    )

    assert leaked(traceback, KAI) == ["Lopez"]


def test_it_passes_records_that_carry_only_ids() -> None:
    clean = [
        record("message 12 attempt 3 failed: timeout"),
        record("Not Found: /api/v1/clients/4711", logger="django.request"),
        record("sms inbound 9: stopped", logger="between.notify.views"),
        # Digits that contain the phone's digits but are a longer number, and words that
        # contain a name without being it.
        record("request id 461955501001 took 16195550100123 ns; lopezian"),
    ]

    assert scan_records(clean, Scanner(KAI + MARIA)) == []


def test_it_skips_short_and_generic_names_and_says_why() -> None:
    assert skip_reason("name", "Kai") == "shorter than 4 characters (matches ordinary words)"
    assert skip_reason("name", "Client") == "a generic placeholder word, not a name"
    assert skip_reason("name", "Lopez") is None
    assert skip_reason("phone", "555") == "fewer than 7 digits"

    scanner = Scanner([*KAI, SyntheticValue("name", "Test", "Client.family_name")])

    assert {v.text for v in scanner.values} == {"Lopez", "Kai Lopez"}
    assert scanner.skipped == {
        "name: shorter than 4 characters (matches ordinary words)": 1,
        "name: a generic placeholder word, not a name": 1,
    }


def test_it_collects_people_from_the_models(county: County) -> None:
    collector = Collector()
    collector.collect(county.client)
    collector.collect(county.caregiver)

    texts = {(v.kind, v.text) for v in collector.values}

    assert {("name", "Lopez"), ("full name", "Kai Lopez"), ("phone", "+16195550100")} <= texts
    assert ("full name", "Maria Lopez") in texts


def test_it_collects_a_family_users_name_only_when_it_is_already_loaded(county: County) -> None:
    collector = Collector()
    caregiver = type(county.caregiver).objects.get(pk=county.caregiver.pk)
    county.family.first_name, county.family.last_name = "Mariana", "Lopez-Diaz"
    caregiver.user = county.family

    collector.collect(caregiver)

    assert ("full name", "Mariana Lopez-Diaz") in {(v.kind, v.text) for v in collector.values}
    uncached = Collector()
    uncached.collect(type(county.caregiver).objects.get(pk=county.caregiver.pk))
    assert "Mariana" not in {v.text for v in uncached.values}


def test_it_writes_records_with_their_tracebacks(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    handler = JsonLinesHandler(path, lambda: "tests/x.py::test_y")
    logger = logging.getLogger("between.logscan_selftest")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError("caregiver Lopez has no phone")
        except ValueError:
            logger.exception("delivery failed for message %s", 12)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        handler.close()

    records = list(read_records(path))
    leaks = scan_records(records, Scanner(KAI))

    assert [json.loads(line)["logger"] for line in path.read_text().splitlines()] == [
        "between.logscan_selftest"
    ]
    assert "Traceback" in records[0]["text"]
    assert [leak.value.text for leak in leaks] == ["Lopez"]
    report = "\n".join(format_report(leaks, path))
    assert "logger between.logscan_selftest: 1 value(s): Lopez" in report
