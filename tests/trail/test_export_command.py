"""`between export_audit`: the report's CSV for operators, filtered like the page, audited."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from between.accounts.models import AuditEvent
from between.trail.views import CSV_COLUMNS
from tests.trail.conftest import Trail


def run(*args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("export_audit", *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_it_writes_the_whole_trail_filtered_like_the_page(trail: Trail) -> None:
    rows = run("--from", "2025-03-01", "--to", "2025-04-30")
    assert [int(r["id"]) for r in rows] == [e.pk for e in trail.events.values()]
    assert list(rows[0]) == list(CSV_COLUMNS)
    nico = run("--client", str(trail.county.other_client.pk), "--to", "2025-04-30")
    assert [r["id"] for r in nico] == [
        str(trail.events["nico_view"].pk),
        str(trail.events["carla_denied"].pk),
    ]


def test_it_leaves_an_export_event(trail: Trail, tmp_path: Path) -> None:
    target = tmp_path / "trail.csv"
    call_command("export_audit", "--user", "carla", "--output", str(target), stderr=io.StringIO())
    assert len(target.read_text().splitlines()) == 3
    event = AuditEvent.objects.get(action="export", object_type="accounts.auditevent")
    assert event.actor is None
    assert event.detail == f"cli user={trail.county.clinician.pk} sort=time rows=2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2025-02-30"), "Enter a valid date."),
        (("--sort", "detail"), "Select a valid choice"),
        (("--user", "nobody"), "No user has this username."),
    ],
)
def test_it_refuses_bad_filters(trail: Trail, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not AuditEvent.objects.filter(object_type="accounts.auditevent").exists()
