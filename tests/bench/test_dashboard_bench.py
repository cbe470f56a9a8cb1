"""The dashboard benchmark runs end to end on a small county and reports every figure.

The figures are printed (run with -s to see them), never asserted: timings depend on the
machine. What is checked is the shape of the result the county-scale runs are read from.
"""

from __future__ import annotations

import json

import pytest

from bench import dashboard, measure
from bench.sizes import SIZES

TOP_LEVEL = {
    "benchmark",
    "size",
    "database",
    "build",
    "refresh",
    "rows",
    "program",
    "window",
    "timings",
    "ratios",
    "target_ms",
    "within_target",
    "page",
    "checks",
    "machine",
    "elapsed_seconds",
}
TIMING = {"runs", "warmups", "median_ms", "p95_ms", "min_ms", "max_ms", "mean_ms", "samples_ms"}


@pytest.mark.django_db
def test_it_times_the_dashboard_reads_of_a_small_county() -> None:
    result = measure.run(SIZES["ci"], runs=3, warmups=1)
    dashboard.report(result)
    print(json.dumps({k: result[k] for k in ("rows", "ratios", "refresh")}, indent=2))

    assert set(result) >= TOP_LEVEL
    json.dumps(result)  # plain data only
    for name in ("series", "series_breakdown", "bare_group_by", "series_county"):
        assert set(result["timings"][name]) >= TIMING
        assert result["timings"][name]["runs"] == 3
    assert set(result["ratios"]) == {
        "series_to_bare",
        "series_breakdown_to_bare",
        "page_to_bare",
        "series_county_to_bare",
        "county_page_to_bare",
    }
    assert result["ratios"]["series_to_bare"] is not None
    if result["page"]["available"]:
        assert set(result["timings"]["page"]) >= TIMING
        assert result["ratios"]["page_to_bare"] is not None
    assert result["rows"]["sessions"] > 1000
    assert result["rows"]["summary_rows"] > 0
    assert result["refresh"]["rows_written"] == result["rows"]["summary_rows"]
    assert {q["indicator"] for q in result["refresh"]["queries"]} >= {"homework_assigned"}
    checks = result["checks"]
    assert checks["series_points"] == result["window"]["months"]
    assert 0 < checks["series_denominator"] <= checks["bare_attended_sessions"]
