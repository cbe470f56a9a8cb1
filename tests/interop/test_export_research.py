"""`between export research`: a de-identified dataset with no identifier of the county in it.

The main test exports a synthetic county (plus the named personas, a 95-year-old, outcome
forms, a training and sentinel free text in every free-text field), collects every identifier
the database holds and searches every output file for each of them.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from pytest_django import DjangoDbBlocker

from between.accounts import actions as account_actions
from between.accounts.models import AuditEvent, Role, User
from between.clinic import actions as clinic_actions
from between.clinic.models import (
    Caregiver,
    Client,
    Episode,
    Organization,
    Program,
    ProgressNote,
    Session,
)
from between.homework.models import Assignment, NoHomework, PracticeLog, Review
from between.interop.export import columns
from between.interop.export.pseudonyms import HEX_DIGITS, PREFIXES, Pseudonymizer
from between.outcomes.models import Administration
from between.outcomes.synth import plant_outcomes
from between.synth.generator import CountyParams, generate_county
from between.training import actions as training_actions
from between.training.models import Course, TrainingEvent
from tests.conftest import make_user

KEY = "research-key-for-tests-only-" + "abcdefghij" * 3
OTHER_KEY = "another-research-key-for-tests-" + "klmnopqrst" * 3
END = date(2026, 6, 30)
SENTINELS = {
    "log_note": "Sentinel practice note about Grandma Zelda",
    "barrier_other": "Sentinel barrier: car broke down on Quimby Street",
    "strategy_other": "Sentinel strategy: call Aunt Philippa on Tuesdays",
    "custom_title": "Sentinel custom title Yarrowby",
    "custom_instructions": "Sentinel instructions: meet at Wexford Park",
    "no_homework_detail": "Sentinel detail: hospital visit at Mercy Ward",
    "location": "Sentinel room 4B Larkspur Annex",
    "invalid_reason": "Sentinel reason typed by Dr Quenneville",
}
PSEUDONYM = re.compile(rf"^({'|'.join(PREFIXES.values())})-[0-9a-f]{{{HEX_DIGITS}}}$")


@dataclass
class Export:
    folder: Path

    def files(self) -> list[Path]:
        return sorted(self.folder.iterdir())

    def table(self, name: str) -> list[dict[str, str]]:
        with (self.folder / name).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def header(self, name: str) -> list[str]:
        with (self.folder / name).open(newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle))


def export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str, key: str = KEY, name: str = "out"
) -> Export:
    monkeypatch.setenv("BETWEEN_RESEARCH_KEY", key)
    folder = tmp_path / name
    call_command("export", "research", "--out", str(folder), *args)
    return Export(folder)


def build_county() -> Organization:
    """A small synthetic county, named personas (Kai Lopez, his mother Maria with a phone and
    an email, a 95-year-old), outcome forms, a training, and sentinel text in every free-text
    field. Free text is written straight to the rows: the point is only that it exists."""
    summary = generate_county(
        CountyParams(programs=2, clinicians=4, clients=30, months=3, end_date=END, seed=11)
    )
    organization = Organization.objects.get(pk=summary.organization_id)
    plant_outcomes(organization, effect=-5.0, seed=3)
    personas = clinic_actions.create_organization(None, name="Test County", slug="test-county")
    harbor = clinic_actions.create_program(
        None, personas, name="Harbor Clinic", code="HAR", kind="outpatient"
    )
    carla = make_user("carla", "Carla", "Reyes")
    tomas = make_user("tomas", "Tomás", "Vega")
    account_actions.grant_role(None, carla, harbor, Role.CLINICIAN)
    account_actions.grant_role(None, tomas, harbor, Role.TRAINER)
    kai = clinic_actions.register_client(
        None,
        harbor,
        ehr_id="H-1001",
        given_name="Kai",
        family_name="Lopez",
        birth_date=date(2015, 3, 14),
        primary_clinician=carla,
    )
    clinic_actions.add_caregiver(
        None,
        kai,
        given_name="Maria",
        family_name="Lopez",
        phone="+16195550100",
        email="maria.lopez@example.org",
        is_primary=True,
    )
    clinic_actions.register_client(
        None,
        harbor,
        ehr_id="H-1930",
        given_name="Eudora",
        family_name="Abernathy",
        birth_date=date(1930, 5, 5),
        primary_clinician=carla,
    )
    course = Course.objects.order_by("key").first()
    assert course is not None
    event = training_actions.create_event(
        tomas,
        course=course,
        program=harbor,
        held_on=date(2026, 5, 12),
        mode="in_person",
        location=SENTINELS["location"],
    )
    training_actions.record_attendance(tomas, event, carla, pre_score=4, post_score=9)
    PracticeLog.objects.filter(pk=PracticeLog.objects.order_by("pk")[0].pk).update(
        note=SENTINELS["log_note"]
    )
    Review.objects.filter(pk=Review.objects.order_by("pk")[0].pk).update(
        barrier_other=SENTINELS["barrier_other"], strategy_other=SENTINELS["strategy_other"]
    )
    Assignment.objects.filter(pk=Assignment.objects.order_by("pk")[0].pk).update(
        custom_title=SENTINELS["custom_title"],
        custom_instructions=SENTINELS["custom_instructions"],
    )
    NoHomework.objects.filter(pk=NoHomework.objects.order_by("pk")[0].pk).update(
        detail=SENTINELS["no_homework_detail"]
    )
    Administration.objects.filter(pk=Administration.objects.order_by("pk")[0].pk).update(
        invalid_reason=SENTINELS["invalid_reason"]
    )
    return organization


@pytest.fixture(scope="module")
def county_rows(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[int]:
    """Built once for this module (in a transaction rolled back at its end): each test then
    runs in a savepoint inside it, as usual."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_county().pk
        transaction.set_rollback(True)


@pytest.fixture
def synthetic(county_rows: int, db: None) -> Organization:
    return Organization.objects.get(pk=county_rows)


# --- What counts as an identifier ------------------------------------------------------------

WORD = re.compile(r"[^\W_]+")


def words(value: str) -> Iterator[str]:
    yield from WORD.findall(value.casefold())


def one_word_or_more(value: str, strings: set[str], names: set[str]) -> None:
    """A one-word id ("carla", "HAR") is searched as a word, a longer one ("OUT-001",
    "ana.pham-3.demo-county") as a string: its words alone ("out", "county") are not ids."""
    (names if len(list(words(value))) == 1 else strings).add(value)


def identifiers() -> tuple[set[str], set[str]]:
    """(strings that must not occur anywhere, words that must not occur as whole words).

    Full names, contact details, ids, dates and free text are searched as substrings. Single
    names are searched as whole words: "Ana" is a name, and also the start of "analysis".
    """
    strings: set[str] = set()
    names: set[str] = set()
    for given, family, ehr_id, birth in Client.objects.values_list(
        "given_name", "family_name", "ehr_id", "birth_date"
    ):
        strings |= {f"{given} {family}", ehr_id}
        strings |= {f"{birth:%Y-%m-%d}", f"{birth:%m/%d/%Y}", f"{birth:%Y%m%d}"}
        names |= {given, family}
    for given, family, ehr_id, phone, email in Caregiver.objects.values_list(
        "given_name", "family_name", "ehr_id", "phone", "email"
    ):
        strings |= {f"{given} {family}", ehr_id, email, phone, phone[-10:]}
        names |= {given, family}
    for username, first, last, email in User.objects.values_list(
        "username", "first_name", "last_name", "email"
    ):
        strings |= {f"{first} {last}", email}
        names |= {first, last}
        one_word_or_more(username, strings, names)
    for name, slug in Organization.objects.values_list("name", "slug"):
        strings |= {name, slug}
    for name, code in Program.objects.values_list("name", "code"):
        strings.add(name)
        one_word_or_more(code, strings, names)
    for model in (Episode, Session, ProgressNote):
        strings |= set(model.objects.values_list("ehr_id", flat=True))
    strings |= set(Assignment.objects.values_list("code", flat=True))
    strings |= set(PracticeLog.objects.values_list("idempotency_key", flat=True))
    strings |= set(TrainingEvent.objects.values_list("location", flat=True))
    strings |= {
        text
        for model, field in (
            (PracticeLog, "note"),
            (Review, "barrier_other"),
            (Review, "strategy_other"),
            (Assignment, "custom_title"),
            (Assignment, "custom_instructions"),
            (NoHomework, "detail"),
            (Administration, "invalid_reason"),
        )
        for text in model.objects.values_list(field, flat=True)
    }
    for text in ProgressNote.objects.values_list("text", flat=True):
        # Distinctive pieces of every note: its sentences of 40 characters or more.
        strings |= {s.strip() for s in re.split(r"[.!?]\s", text) if len(s.strip()) >= 40}
    strings = {s.casefold().strip() for s in strings if len(s.strip()) >= 3}
    whole_words = {w for name in names for w in words(name) if len(w) >= 3}
    return strings, whole_words


def leaks(folder: Path, strings: set[str], whole_words: set[str]) -> list[tuple[str, str]]:
    found = []
    for path in sorted(folder.iterdir()):
        content = path.read_text(encoding="utf-8").casefold()
        found += [(path.name, s) for s in strings if s in content]
        found += [(path.name, w) for w in set(words(content)) & whole_words]
    return found


def test_it_leaves_out_every_identifier_of_the_county(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = export(tmp_path, monkeypatch, "--dates", "month")
    strings, whole_words = identifiers()
    assert len(strings) > 500 and len(whole_words) > 100  # the search has something to find
    assert all(sentinel.casefold() in strings for sentinel in SENTINELS.values())
    found = leaks(out.folder, strings, whole_words)
    assert found == [], found
    # The files are not empty: the search looked at data, not only at headers.
    counts = {path.name: len(path.read_text().splitlines()) for path in out.files()}
    for table in columns.TABLES:
        assert counts[table.file] > 1, table.file
    # And the search finds an identifier when there is one.
    kai = Client.objects.get(ehr_id="H-1001")
    note = ProgressNote.objects.order_by("pk")[0].text
    planted = f"{kai.full_name.upper()}|+16195550100|x,{kai.given_name},y|{note}"
    (out.folder / "planted.txt").write_text(planted)
    found = leaks(out.folder, strings, whole_words)
    assert {hit for name, hit in found if name == "planted.txt"} >= {"kai lopez", "kai"}
    assert any("6195550100" in hit for _name, hit in found)
    assert len(found) >= 5


def test_it_writes_no_pseudonym_that_is_an_id_and_each_row_its_own(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = export(tmp_path, monkeypatch)
    ids = {
        str(pk)
        for model in (Client, Session, User, Program, Assignment)
        for pk in model.objects.values_list("pk", flat=True)
    }
    for table in columns.TABLES:
        rows = out.table(table.file)
        for column in table.columns:
            if column.type != "pseudonym":
                continue
            values = [row[column.name] for row in rows if row[column.name]]
            assert values, (table.file, column.name)
            assert all(PSEUDONYM.match(v) for v in values), (table.file, column.name)
            assert not ids & set(values)
    for name, model in (
        ("clients.csv", Client),
        ("sessions.csv", Session),
        ("assignments.csv", Assignment),
        ("outcomes.csv", Administration),
        ("programs.csv", Program),
    ):
        first = out.header(name)[0]
        values = [row[first] for row in out.table(name)]
        assert len(values) == len(set(values)) == model.objects.count(), name


def test_it_gives_the_same_pseudonyms_with_the_same_key_and_others_with_another(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = export(tmp_path, monkeypatch, name="first")
    again = export(tmp_path, monkeypatch, name="again")
    other = export(tmp_path, monkeypatch, key=OTHER_KEY, name="other")
    for table in columns.TABLES:
        assert (first.folder / table.file).read_bytes() == (again.folder / table.file).read_bytes()
    sessions = {row["session_id"] for row in first.table("sessions.csv")}
    assert sessions.isdisjoint(row["session_id"] for row in other.table("sessions.csv"))
    assert len(other.table("sessions.csv")) == len(sessions)


def test_it_reduces_dates_to_the_year_unless_months_are_asked_for(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_year = export(tmp_path, monkeypatch, name="year")
    by_month = export(tmp_path, monkeypatch, "--dates", "month", name="month")
    for table in columns.TABLES:
        for column in table.columns:
            if column.type != "period":
                continue
            years = {row[column.name] for row in by_year.table(table.file)}
            months = {row[column.name] for row in by_month.table(table.file)}
            assert years and all(re.fullmatch(r"\d{4}", v) for v in years), table.file
            assert months and all(re.fullmatch(r"\d{4}-\d{2}", v) for v in months), table.file
    full_date = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}")
    for path in [*by_year.files(), *by_month.files()]:
        if path.suffix == ".csv":
            assert not full_date.search(path.read_text()), path.name
    assert "Safe Harbor standard" in (by_year.folder / "README.txt").read_text()
    assert "LIMITED DATA SET" in (by_month.folder / "README.txt").read_text()
    birth_years = {row["birth_year"] for row in by_year.table("clients.csv")}
    assert "90+" in birth_years and "1930" not in birth_years
    assert birth_years - {"90+"} <= {str(y) for y in range(2000, 2027)}


def test_it_describes_every_column_of_every_file(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = export(tmp_path, monkeypatch)
    dictionary = out.table(columns.DICTIONARY_FILE)
    described = {(row["file"], row["column"]) for row in dictionary}
    present = {
        (path.name, column)
        for path in out.files()
        if path.suffix == ".csv" and path.name != columns.DICTIONARY_FILE
        for column in out.header(path.name)
    }
    assert present == described
    assert all(row["type"] and row["meaning"] and row["deidentification"] for row in dictionary)
    readme = (out.folder / "README.txt").read_text()
    assert "Format version: 1.0" in readme and "Exported on: " in readme
    assert KEY not in readme and all(KEY not in p.read_text() for p in out.files())


def test_it_suppresses_small_cells_in_the_indicator_tables(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = export(tmp_path, monkeypatch)
    rows = out.table("indicators_by_month.csv")
    shown = [row for row in rows if not row["hidden_because"]]
    hidden = [row for row in rows if row["hidden_because"]]
    assert shown and hidden
    for row in shown:
        numerator, denominator = int(row["numerator"]), int(row["denominator"])
        for count in (numerator, denominator, denominator - numerator):
            assert count == 0 or count > 10, row
    assert all(row["numerator"] == row["denominator"] == row["rate"] == "" for row in hidden)
    assert {row["indicator_key"] for row in rows} >= {"homework_assigned", "completion"}


def test_it_agrees_with_the_registry_on_the_session_flags(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = export(tmp_path, monkeypatch, "--organization", synthetic.slug)
    sessions = out.table("sessions.csv")
    assert len(sessions) == Session.objects.filter(client__organization=synthetic).count()
    assigned = sum(row["homework_assigned"] == "1" for row in sessions)
    eligible = sum(row["counts_for_homework_assigned"] == "1" for row in sessions)
    expected = (
        Session.objects.filter(client__organization=synthetic, status="attended", is_intake=False)
        .exclude(no_homework__reason__in=("crisis", "intake", "not_indicated"))
        .count()
    )
    assert eligible == expected
    with_homework = Session.objects.filter(
        client__organization=synthetic, assignments__isnull=False
    ).distinct()
    assert 0 < assigned <= with_homework.count()
    assert not any(row["clinician_id"] == "" for row in sessions)


def test_it_audits_the_export_with_counts_only(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = export(tmp_path, monkeypatch)
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.object_type == "interop_export.research"
    clients = len(out.table("clients.csv"))
    assert f"cl={clients}," in event.detail
    assert re.fullmatch(r"research:year:([a-z]+=\d+,?)+", event.detail)


def test_it_refuses_without_a_key(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BETWEEN_RESEARCH_KEY", raising=False)
    monkeypatch.delenv("BETWEEN_RESEARCH_KEY_FILE", raising=False)
    with pytest.raises(CommandError, match="BETWEEN_RESEARCH_KEY"):
        call_command("export", "research", "--out", str(tmp_path / "out"))
    monkeypatch.setenv("BETWEEN_RESEARCH_KEY", "short")
    with pytest.raises(CommandError, match="at least 32"):
        call_command("export", "research", "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_it_reads_the_key_from_a_file(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "key"
    secret.write_text(KEY + "\n")
    monkeypatch.delenv("BETWEEN_RESEARCH_KEY", raising=False)
    monkeypatch.setenv("BETWEEN_RESEARCH_KEY_FILE", str(secret))
    call_command("export", "research", "--out", str(tmp_path / "from-file"))
    from_file = Export(tmp_path / "from-file").table("clients.csv")
    monkeypatch.delenv("BETWEEN_RESEARCH_KEY_FILE")
    assert export(tmp_path, monkeypatch).table("clients.csv") == from_file


def test_it_refuses_a_folder_that_is_not_empty(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.csv").write_text("x")
    with pytest.raises(CommandError, match="empty folder"):
        export(tmp_path, monkeypatch)


def test_it_makes_pseudonyms_with_hmac_sha256_and_a_prefix_per_entity() -> None:
    pseudonyms = Pseudonymizer(KEY.encode())
    expected = hmac.new(KEY.encode(), b"client:5", hashlib.sha256).hexdigest()[:HEX_DIGITS]
    assert pseudonyms.of("client", 5) == f"CL-{expected}"
    assert pseudonyms.of("session", 5).startswith("SE-")
    assert pseudonyms.of("session", 5)[3:] != expected
    assert pseudonyms.of("clinician", None) == ""
    many = {pseudonyms.of("session", pk) for pk in range(1, 200_001)}
    assert len(many) == 200_000


def test_it_leaves_nothing_behind_when_an_export_fails(
    synthetic: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("between.interop.export.management.commands.export.export_research", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        export(tmp_path, monkeypatch)
    assert list(tmp_path.iterdir()) == []
