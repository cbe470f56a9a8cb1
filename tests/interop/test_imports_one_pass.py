"""`import_file`, the one-pass import of `between import`: the same rows, counts, audit events
and report as validating and then committing, reading the file once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from between.accounts.models import AuditEvent
from between.clinic.models import Session
from between.interop.imports import actions
from between.interop.imports.models import BatchStatus, ImportBatch
from tests.conftest import County
from tests.interop.imports_helpers import SESSION_HEADER, run_import, write_csv

GOOD = [
    ["S-1", "H-1001", "carla", "03/04/2025", "attended"],
    ["S-2", "H-1001", "carla", "2025-03-11", "attended"],
    ["S-3", "H-1001", "sam", "Mar 18 2025", "no_show"],
]


def _sessions() -> list[tuple[object, ...]]:
    return list(
        Session.objects.filter(ehr_id__startswith="S-")
        .order_by("ehr_id")
        .values_list("ehr_id", "occurred_on", "clinician__username", "status", "episode_id")
    )


@pytest.mark.parametrize("one_pass", [False, True], ids=["two passes", "one pass"])
def test_it_writes_what_validating_then_committing_writes(
    county: County, tmp_path: Path, one_pass: bool
) -> None:
    path = write_csv(tmp_path / "s.csv", SESSION_HEADER, GOOD)
    if one_pass:
        report = actions.import_file(None, county.organization, "sessions", path)
    else:
        report = run_import(None, county.organization, "sessions", path)
    assert report.ok, report.errors
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (3, 0, 0)
    episode = county.client.episodes.get().pk
    assert [(e, str(d), u, s, ep) for e, d, u, s, ep in _sessions()] == [
        ("S-1", "2025-03-04", "carla", "attended", episode),
        ("S-2", "2025-03-11", "carla", "attended", episode),
        ("S-3", "2025-03-18", "sam", "no_show", episode),
    ]
    assert AuditEvent.objects.filter(object_type="clinic.session", action="create").count() == 3
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.COMMITTED and batch.rows == 3 and batch.created == 3
    assert batch.validated_at is not None and batch.committed_at is not None
    assert AuditEvent.objects.filter(
        object_type="interop_imports.importbatch", action="create", object_id=str(batch.pk)
    ).exists()
    again = actions.import_file(None, county.organization, "sessions", path)
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 3)


def test_it_reports_every_bad_row_and_writes_nothing(county: County, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        SESSION_HEADER,
        [
            ["S-1", "H-1001", "carla", "03/04/2025", "attended"],
            ["S-2", "H-1001", "nobody", "03/05/2025", "attended"],
            ["S-3", "H-1001", "carla", "02/30/2025", "attended"],
            ["S-1", "H-1001", "carla", "03/06/2025", "attended"],
            ["S-6", "H-9999", "carla", "03/07/2025", "attended"],
            ["S-10", "H-1001", "carla", "03/08/2025", "chatted"],
        ],
    )
    validated = actions.validate_import(None, county.organization, "sessions", path, dry_run=True)
    audits = AuditEvent.objects.count()
    report = actions.import_file(None, county.organization, "sessions", path)
    assert report.errors == validated.errors
    assert report.error_count == validated.error_count == 5
    assert not Session.objects.filter(ehr_id__startswith="S-").exists()
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and not batch.is_committable
    assert batch.errors[0] == [3, "unknown clinician nobody in clinician"]
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize(
    "ids, expected",
    [
        # The first chunk is written, then its id comes again in a later chunk.
        (["S-1", "S-2", "S-3", "S-1"],
         [(5, "duplicate id (first on line 2)")]),
        # Twice in one chunk of new rows: not written at all (the unique index would refuse it).
        (["S-1", "S-2", "S-3", "S-3"],
         [(5, "duplicate id (first on line 4)")]),
        # A bad row after the repeat: both reported.
        (["S-1", "S-1", "S-2", "S-3 13/45/2025"],
         [(3, "duplicate id (first on line 2)"), (5, "impossible date in occurred_on")]),
    ],
)  # fmt: skip
def test_it_finds_repeated_ids_across_and_within_chunks(
    county: County,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ids: list[str],
    expected: list[tuple[int, str]],
) -> None:
    monkeypatch.setattr(actions, "CHUNK_ROWS", 2)
    path = write_csv(
        tmp_path / "dup.csv",
        SESSION_HEADER,
        [[*_id_and_day(ehr, i), "attended"] for i, ehr in enumerate(ids)],
    )
    report = actions.import_file(None, county.organization, "sessions", path)
    assert report.errors == expected
    assert not Session.objects.filter(ehr_id__startswith="S-").exists()
    assert ImportBatch.objects.get().status == BatchStatus.FAILED


def _id_and_day(cell: str, i: int) -> list[str]:
    """ "S-3" -> S-3 on March i+1; "S-3 13/45/2025" -> S-3 on that (impossible) day."""
    ehr, *day = cell.split()
    return [ehr, "H-1001", "carla", day[0] if day else f"03/0{i + 1}/2025"]


def test_the_command_imports_in_one_pass(
    county: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "s.csv", SESSION_HEADER, GOOD)
    scans: list[bool] = []
    scan = actions._scan

    def counting(*args: object, **kwargs: object) -> actions.ImportReport:
        scans.append(bool(kwargs["write"]))
        return scan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(actions, "_scan", counting)
    call_command("import", "sessions", str(path))
    assert scans == [True]  # the file was read once
    assert [row[0] for row in _sessions()] == ["S-1", "S-2", "S-3"]
