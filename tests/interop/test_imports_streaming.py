"""Long files stream: memory does not grow with the number of rows (bench/imports.py runs the
million-row file; here a smaller one keeps the suite fast)."""

from __future__ import annotations

import csv
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from between.clinic.models import Session
from between.interop.imports import actions
from tests.conftest import County


def write_sessions(path: Path, rows: int, *, prefix: str) -> Path:
    start = date(2024, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["session_id", "client_id", "clinician", "occurred_on", "duration_minutes"])
        for i in range(rows):
            day = start + timedelta(days=i % 600)
            writer.writerow([f"{prefix}-{i}", "H-1001", "carla", f"{day:%m/%d/%Y}", 45])
    return path


def peak_of_import(county: County, path: Path) -> tuple[int, float]:
    """Peak traced memory (bytes) of validating and committing the file, and the seconds."""
    tracemalloc.start()
    began = time.perf_counter()
    report = actions.validate_import(None, county.organization, "sessions", path)
    assert report.ok, report.errors[:3]
    assert report.batch is not None
    report = actions.commit_import(None, report.batch, path)
    seconds = time.perf_counter() - began
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.ok
    return peak, seconds


def test_it_streams_long_files_in_bounded_memory(county: County, tmp_path: Path) -> None:
    small, large = 3_000, 12_000
    small_peak, _ = peak_of_import(county, write_sessions(tmp_path / "s.csv", small, prefix="A"))
    large_peak, _seconds = peak_of_import(
        county, write_sessions(tmp_path / "l.csv", large, prefix="B")
    )
    assert Session.objects.filter(ehr_id__startswith="B-").count() == large
    # Four times the rows (12 chunks against 3): the peak grows by the duplicate index
    # (12 bytes a row), no more.
    assert large_peak < small_peak + 12 * (large - small) + 2_000_000, (small_peak, large_peak)
    assert large_peak < 40_000_000
    print(
        f"\npeak {small_peak / 1e6:.1f} MB for {small} rows, {large_peak / 1e6:.1f} MB for {large}"
    )
