"""Imports from the EHR: validation report, atomic upsert, idempotent re-import, Excel, dates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from between.accounts import actions as account_actions
from between.accounts.models import AuditEvent, Membership, Role, User
from between.clinic.models import Caregiver, Client, ClientCaregiver, Program, ProgressNote, Session
from between.interop.imports import actions
from between.interop.imports.dates import ImpossibleDate, NotADate, parse_date
from between.interop.imports.models import BatchStatus, ImportBatch, ImportProfile, StaffLink
from tests.conftest import County
from tests.interop.imports_helpers import SESSION_HEADER, run_import, write_csv


def clinical_audit_count() -> int:
    return AuditEvent.objects.filter(object_type__startswith="clinic.").count()


@pytest.fixture
def sessions_file(tmp_path: Path, county: County) -> Path:
    return write_csv(
        tmp_path / "sessions.csv",
        SESSION_HEADER,
        [
            ["S-1", "H-1001", "carla", "03/04/2025", "attended"],
            ["S-2", "H-1001", "carla", "2025-03-11", "attended"],
            ["S-3", "H-1001", "sam", "Mar 18 2025", "no_show"],
        ],
    )


def test_it_imports_sessions_into_the_clients_open_episode(
    county: County, sessions_file: Path
) -> None:
    report = run_import(None, county.organization, "sessions", sessions_file)
    assert report.ok, report.errors
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (3, 0, 0)
    sessions = Session.objects.filter(ehr_id__startswith="S-").order_by("ehr_id")
    assert [(s.ehr_id, s.occurred_on, s.clinician.username) for s in sessions] == [
        ("S-1", date(2025, 3, 4), "carla"),
        ("S-2", date(2025, 3, 11), "carla"),
        ("S-3", date(2025, 3, 18), "sam"),
    ]
    episode = county.client.episodes.get()
    assert {s.episode_id for s in sessions} == {episode.pk}
    assert {s.program_id for s in sessions} == {county.harbor.pk}
    assert report.batch is not None and report.batch.status == BatchStatus.COMMITTED
    assert AuditEvent.objects.filter(object_type="clinic.session", action="create").count() == 3


def test_it_changes_nothing_when_the_same_file_is_imported_again(
    county: County, sessions_file: Path
) -> None:
    run_import(None, county.organization, "sessions", sessions_file)
    audits = clinical_audit_count()
    before = list(Session.objects.order_by("pk").values())
    again = run_import(None, county.organization, "sessions", sessions_file)
    assert again.ok
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 3)
    assert list(Session.objects.order_by("pk").values()) == before
    assert clinical_audit_count() == audits  # no change, so no audit of a change
    assert ImportBatch.objects.filter(status=BatchStatus.COMMITTED).count() == 2


def test_it_updates_only_the_changed_row_and_audits_it(
    county: County, sessions_file: Path, tmp_path: Path
) -> None:
    run_import(None, county.organization, "sessions", sessions_file)
    changed = write_csv(
        tmp_path / "changed.csv",
        SESSION_HEADER,
        [
            ["S-1", "H-1001", "carla", "03/04/2025", "attended"],
            ["S-2", "H-1001", "carla", "2025-03-11", "no_show"],
            ["S-3", "H-1001", "sam", "Mar 18 2025", "no_show"],
        ],
    )
    report = run_import(None, county.organization, "sessions", changed)
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (0, 1, 2)
    assert Session.objects.get(ehr_id="S-2").status == "no_show"
    update = AuditEvent.objects.get(object_type="clinic.session", action="update")
    assert update.detail == "import:status"
    assert update.client_id == county.client.pk


def test_it_reports_every_bad_row_with_its_line_and_writes_nothing(
    county: County, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        SESSION_HEADER,
        [
            ["S-1", "H-1001", "carla", "03/04/2025", "attended"],  # line 2: fine
            ["S-2", "H-1001", "nobody", "03/05/2025", "attended"],  # 3: unknown clinician
            ["S-3", "H-1001", "carla", "02/30/2025", "attended"],  # 4: impossible date
            ["S-1", "H-1001", "carla", "03/06/2025", "attended"],  # 5: duplicate id
            ["", "H-1001", "carla", "03/07/2025", "attended"],  # 6: missing session_id
            ["S-6", "H-9999", "carla", "03/07/2025", "attended"],  # 7: unknown client
            ["S-7", "H-1001", "carla", "someday", "attended"],  # 8: not a date
            ["S-8", "H-1001", "olivia", "03/08/2025", "attended"],  # 9: not on Harbor's staff
            ["S-9", "H-1001", "carla", "03/08/2099", "attended"],  # 10: future, not scheduled
            ["S-10", "H-1001", "carla", "03/08/2025", "chatted"],  # 11: unknown status
        ],
    )
    audits = AuditEvent.objects.count()
    report = run_import(None, county.organization, "sessions", path)
    assert report.errors == [
        (3, "unknown clinician nobody in clinician"),
        (4, "impossible date in occurred_on"),
        (5, "duplicate id (first on line 2)"),
        (6, "missing required field session_id"),
        (7, "unknown client H-9999"),
        (8, "occurred_on is not a date"),
        (9, "clinician olivia is not on the staff of program HAR"),
        (10, "occurred_on is in the future but the session is not scheduled"),
        (11, "unknown value for status"),
    ]
    assert report.error_count == 9 and report.rows == 10
    assert not Session.objects.filter(ehr_id__startswith="S-").exists()
    batch = report.batch
    assert batch is not None and batch.status == BatchStatus.FAILED
    assert batch.errors[0] == [3, "unknown clinician nobody in clinician"]
    assert not batch.is_committable
    assert AuditEvent.objects.count() == audits


def test_it_keeps_names_and_dates_out_of_the_report(county: County, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "clients.csv",
        ["client_id", "given_name", "family_name", "birth_date", "program_code"],
        [
            ["H-2001", "Zed", "Quill", "02/30/2014", "HAR"],
            ["H-2002", "Ysolde", "", "01/02/2014", "HAR"],
            ["H-2003", "Xan", "Voss", "01/02/2099", "HAR"],
            ["H-2004", "Wren", "Ulm", "01/02/2014", "NOPE"],
            ["H-2005", "Vera", "Toll", "01/02/2014", "BAY"],
        ],
    )
    report = actions.validate_import(
        county.admin, county.organization, "clients", path, program_ids={county.harbor.pk}
    )
    assert report.errors == [
        (2, "impossible date in birth_date"),
        (3, "missing required field family_name"),
        (4, "birth_date is in the future"),
        (5, "unknown program NOPE"),
        (6, "program BAY is not one you administer"),
    ]
    assert report.batch is not None
    stored = str(report.batch.errors) + report.batch.file_name
    for secret in ("Zed", "Quill", "Ysolde", "Xan", "2014", "2099"):
        assert secret not in stored


def test_it_reports_a_missing_column_on_the_header_line(county: County, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["session_id", "client_id"], [["S-1", "H-1001"]])
    report = actions.validate_import(None, county.organization, "sessions", path)
    assert report.errors == [
        (1, "Missing column(s) for required field(s): clinician, occurred_on.")
    ]


def test_it_imports_a_county_from_scratch_in_order(county: County, tmp_path: Path) -> None:
    org = county.organization
    programs = write_csv(
        tmp_path / "programs.csv",
        ["Program Code", "Name", "Kind"],
        [["MESA", "Mesa Clinic", "Outpatient clinic"], ["HAR", "Harbor Clinic", "outpatient"]],
    )
    report = run_import(None, org, "programs", programs)
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (1, 0, 1)
    mesa = Program.objects.get(code="MESA")
    staff = write_csv(
        tmp_path / "staff.csv",
        ["staff_id", "username", "given_name", "family_name", "email", "program_code", "role"],
        [
            ["E-77", "dana", "Dana", "Ruiz", "dana@example.org", "MESA", "clinician"],
            ["E-77", "dana", "Dana", "Ruiz", "dana@example.org", "HAR", "Clinician"],
            ["E-78", "lee", "Lee", "Park", "", "MESA", "supervisor"],
        ],
    )
    report = run_import(None, org, "staff", staff)
    assert report.ok, report.errors
    dana = User.objects.get(username="dana")
    assert set(Membership.objects.filter(user=dana).values_list("program__code", flat=True)) == {
        "MESA",
        "HAR",
    }
    assert StaffLink.objects.get(ehr_id="E-77").user == dana
    clients = write_csv(
        tmp_path / "clients.csv",
        [
            "client_id",
            "given_name",
            "family_name",
            "birth_date",
            "program_code",
            "primary_clinician",
            "preferred_language",
            "opened_on",
        ],
        [
            ["M-1", "Ada", "Cole", "3/4/15", "MESA", "E-77", "Spanish", "01/05/2025"],
            ["M-2", "Ben", "Cole", "Jun 1, 2013", "MESA", "dana", "en", ""],
        ],
    )
    assert run_import(None, org, "clients", clients).ok
    ada = Client.objects.get(ehr_id="M-1")
    assert (ada.birth_date, ada.preferred_language, ada.primary_clinician) == (
        date(2015, 3, 4),
        "es",
        dana,
    )
    assert ada.episodes.get().opened_on == date(2025, 1, 5)
    caregivers = write_csv(
        tmp_path / "caregivers.csv",
        ["caregiver_id", "client_id", "given_name", "family_name", "relationship", "is_primary"],
        [
            ["C-1", "M-1", "Rosa", "Cole", "mother", "yes"],
            ["C-1", "M-2", "Rosa", "Cole", "mother", "Y"],
            ["C-2", "M-1", "Tom", "Cole", "father", "no"],
        ],
    )
    report = run_import(None, org, "caregivers", caregivers)
    assert report.ok, report.errors
    rosa = Caregiver.objects.get(ehr_id="C-1")
    assert set(rosa.clients.values_list("ehr_id", flat=True)) == {"M-1", "M-2"}
    assert ClientCaregiver.objects.get(caregiver=rosa, client=ada).is_primary
    sessions = write_csv(
        tmp_path / "sessions.csv",
        [
            "session_id",
            "client_id",
            "clinician",
            "occurred_on",
            "session_type",
            "caregiver_attended",
            "duration_minutes",
        ],
        [["MS-1", "M-1", "E-77", "04/01/2025", "family", "yes", "50"]],
    )
    assert run_import(None, org, "sessions", sessions).ok
    session = Session.objects.get(ehr_id="MS-1")
    assert (session.program, session.session_type, session.duration_minutes) == (mesa, "family", 50)
    notes = write_csv(
        tmp_path / "notes.csv",
        ["note_id", "session_id", "text", "author", "written_at"],
        [
            [
                "N-1",
                "MS-1",
                "Practiced praise; homework: 5 minutes daily.",
                "dana",
                "04/01/2025 3:15 PM",
            ]
        ],
    )
    report = run_import(None, org, "notes", notes)
    assert report.ok, report.errors
    note = ProgressNote.objects.get(ehr_id="N-1")
    assert (note.session, note.author) == (session, dana)
    assert note.written_at.astimezone().hour in range(24)
    for kind, path in (
        ("programs", programs),
        ("staff", staff),
        ("clients", clients),
        ("caregivers", caregivers),
        ("sessions", sessions),
        ("notes", notes),
    ):
        again = run_import(None, org, kind, path)
        assert (again.counts.created, again.counts.updated) == (0, 0), kind


def test_it_refuses_caregiver_rows_that_disagree(county: County, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "caregivers.csv",
        ["caregiver_id", "client_id", "given_name", "family_name"],
        [["C-1", "H-1001", "Rosa", "Cole"], ["C-1", "B-2002", "Rosa", "Kole"]],
    )
    report = actions.validate_import(None, county.organization, "caregivers", path)
    assert report.errors == [(3, "caregiver C-1 has other details on line 2")]


def test_it_reads_an_excel_workbook(county: County, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Session ID", "Client ID", "Clinician", "Occurred On", "Minutes"])
    sheet.append([101, "H-1001", "carla", datetime(2025, 3, 4), 45])
    sheet.append([102, "H-1001", "carla", "3/5/25", None])
    sheet.append([None, None, None, None, None])  # a blank row is skipped
    sheet.append([103, "H-1001", "carla", "02/29/2025", 30])
    path = tmp_path / "sessions.xlsx"
    book.save(path)
    profile = actions.save_profile(
        None, name="excel", kind="sessions", mapping={"duration_minutes": "Minutes"}
    )
    report = actions.validate_import(None, county.organization, "sessions", path, profile=profile)
    assert report.errors == [(5, "impossible date in occurred_on")]
    good = tmp_path / "good.xlsx"
    sheet.delete_rows(5)
    book.save(good)
    report = run_import(None, county.organization, "sessions", good, profile=profile)
    assert report.ok, report.errors
    assert dict(
        Session.objects.filter(ehr_id__in=["101", "102"]).values_list("ehr_id", "duration_minutes")
    ) == {
        "101": 45,
        "102": None,
    }


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-04",
        "03/04/2025",
        "3/4/25",
        "3/4/2025",
        "03-04-2025",
        "Mar 4 2025",
        "Mar 4, 2025",
        "March 4, 2025",
        "4-Mar-2025",
        "04 Mar 2025",
        "20250304",
    ],
)
def test_it_understands_the_common_us_date_formats(text: str) -> None:
    assert parse_date(text, today=date(2026, 1, 1)) == date(2025, 3, 4)


@pytest.mark.parametrize("text", ["02/30/2025", "13/01/2025", "2025-02-29", "Feb 30 2025"])
def test_it_calls_dates_that_do_not_exist_impossible(text: str) -> None:
    with pytest.raises(ImpossibleDate):
        parse_date(text)


def test_it_reads_two_digit_birth_years_in_the_last_century() -> None:
    assert parse_date("3/4/87", today=date(2026, 1, 1)) == date(1987, 3, 4)
    assert parse_date("3/4/27", today=date(2026, 1, 1)) == date(2027, 3, 4)
    with pytest.raises(NotADate):
        parse_date("next week")


def test_it_saves_a_profile_and_reuses_it(county: County, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ehr.csv",
        ["Visit #", "MRN", "Rendering Provider", "DOS"],
        [["V-1", "H-1001", "carla", "04-Mar-2025"]],
    )
    call_command(
        "import", "sessions", str(path), "--save-profile", "avatar-visits",
        "--map", "session_id=Visit #", "--map", "client_id=MRN",
        "--map", "clinician=Rendering Provider", "--map", "occurred_on=DOS",
        "--date-format", "%d-%b-%Y",
    )  # fmt: skip
    profile = ImportProfile.objects.get(name="avatar-visits")
    assert profile.mapping["client_id"] == "MRN" and profile.date_format == "%d-%b-%Y"
    assert Session.objects.get(ehr_id="V-1").occurred_on == date(2025, 3, 4)
    second = write_csv(
        tmp_path / "ehr2.csv",
        ["Visit #", "MRN", "Rendering Provider", "DOS"],
        [["V-2", "H-1001", "carla", "11-Mar-2025"]],
    )
    call_command("import", "sessions", str(second), "--profile", "avatar-visits")
    assert Session.objects.get(ehr_id="V-2").occurred_on == date(2025, 3, 11)
    with pytest.raises(CommandError, match="No import profile"):
        call_command("import", "sessions", str(second), "--profile", "nope")


def test_it_writes_nothing_on_a_dry_run(county: County, sessions_file: Path) -> None:
    audits = AuditEvent.objects.count()
    call_command("import", "sessions", str(sessions_file), "--dry-run")
    assert not Session.objects.filter(ehr_id__startswith="S-").exists()
    assert not ImportBatch.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_it_fails_the_command_on_bad_rows(county: County, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", SESSION_HEADER, [["S-1", "H-1001", "zoe", "1/2/25", ""]])
    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import", "sessions", str(path))


def test_it_commits_a_batch_only_once(county: County, sessions_file: Path) -> None:
    report = run_import(None, county.organization, "sessions", sessions_file)
    assert report.batch is not None
    with pytest.raises(Exception, match="committed already"):
        actions.commit_import(None, report.batch, sessions_file)
    assert Session.objects.filter(ehr_id__startswith="S-").count() == 3


def test_it_commits_nothing_when_the_database_changed_since_validation(
    county: County, sessions_file: Path
) -> None:
    report = actions.validate_import(None, county.organization, "sessions", sessions_file)
    assert report.ok and report.batch is not None
    account_actions.revoke_role(None, county.supervisor, county.harbor, Role.SUPERVISOR)
    result = actions.commit_import(None, report.batch, sessions_file)
    assert result.errors == [(4, "unknown clinician sam in clinician")]
    assert not Session.objects.filter(ehr_id__startswith="S-").exists()
    assert ImportBatch.objects.get().status == BatchStatus.FAILED


def test_it_reports_progress_through_the_file(county: County, sessions_file: Path) -> None:
    calls: list[tuple[str, int, int | None]] = []
    actions.validate_import(
        None,
        county.organization,
        "sessions",
        sessions_file,
        dry_run=True,
        progress=lambda *call: calls.append(call),
    )
    assert calls and calls[-1] == (
        "validate",
        sessions_file.stat().st_size,
        sessions_file.stat().st_size,
    )
