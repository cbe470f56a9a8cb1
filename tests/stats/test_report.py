"""The `between stats` inputs and outputs: CSV reading, point resolution, JSON, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from between.stats.report import (
    InputError,
    compare_from_fractions,
    kappa_from_csv,
    parse_fraction,
    parse_pchart_csv,
    pchart_from_csv,
    render_compare,
    render_kappa,
    render_pchart,
    resolve_points,
)
from tests.stats.test_spc import ORANGE_JUICE

ROOT = Path(__file__).resolve().parent.parent.parent
POINT_KEYS = {
    "period",
    "numerator",
    "denominator",
    "proportion",
    "center_line",
    "lower_limit",
    "upper_limit",
    "outside_limits",
    "signals",
}
RUNS_KEYS = {"longest_run", "longest_run_limit", "crossings", "crossings_minimum", "signal"}


@pytest.fixture
def orange_juice_csv(tmp_path: Path) -> Path:
    path = tmp_path / "oj.csv"
    rows = [f"{i},{x},50,ignored" for i, x in enumerate(ORANGE_JUICE, start=1)]
    path.write_text("period,numerator,denominator,note\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def monthly_csv(tmp_path: Path) -> Path:
    path = tmp_path / "monthly.csv"
    rows = [f"2024-{m:02d},{x},50" for m, x in enumerate(ORANGE_JUICE[:12], start=1)]
    path.write_text("Period,Numerator,Denominator\n" + "\n".join(rows) + "\n")
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "input.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a,3,10\nb,11,10\n", "line 3: the numerator (11) is larger than the denominator (10)"),
        ("a,3,10\nb,-1,10\n", "line 3: counts cannot be negative"),
        ("a,3,10\nb,2.5,10\n", "line 3: numerator is '2.5', not a whole number"),
        ("a,3,10\nb,2,0\n", "line 3: the denominator is 0"),
        ("a,3,10\nb,,10\n", "line 3: numerator is empty"),
        ("a,3,10\n,2,10\n", "line 3: the period is empty"),
    ],
)
def test_it_names_the_line_of_a_bad_row(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "period,numerator,denominator\n" + body)
    with pytest.raises(InputError) as error:
        pchart_from_csv(path)
    assert message in str(error.value)


def test_it_wants_the_three_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing denominator"):
        parse_pchart_csv("period,numerator\na,1\n")
    with pytest.raises(InputError, match="empty"):
        parse_pchart_csv("")
    with pytest.raises(InputError, match="no data rows"):
        parse_pchart_csv("period,numerator,denominator\n")
    with pytest.raises(InputError, match="no such file"):
        pchart_from_csv(tmp_path / "missing.csv")


def test_it_resolves_labels_first_then_positions() -> None:
    periods = ["2024-01", "2024-02", "3", "2024-04"]
    # "3" is a label (the third point); "4" is not, so it is the fourth point.
    assert resolve_points(["2024-02", "3", "4"], periods, "--exclude") == [1, 2, 3]
    with pytest.raises(InputError, match="neither a period label nor a point position 1–4"):
        resolve_points(["5"], periods, "--exclude")
    with pytest.raises(InputError, match="more than once"):
        resolve_points(["a"], ["a", "a"], "--exclude")


def test_it_builds_the_documented_json_shape(orange_juice_csv: Path) -> None:
    data = pchart_from_csv(orange_juice_csv, exclude=["15,23"])
    assert data["chart"] == "p"
    assert data["rules"] == "anhoej"
    assert "Anhøj" in data["rules_description"]
    assert all(set(point) >= POINT_KEYS for point in data["points"])
    assert set(data["runs"]) >= RUNS_KEYS
    assert data["points"][14]["excluded"] is True
    assert data["points"][20]["outside_limits"] is True  # Montgomery's sample 21
    assert data["points"][0]["upper_limit"] == pytest.approx(0.3893, abs=5e-5)


def test_it_starts_phases_at_labels_or_positions(monthly_csv: Path) -> None:
    by_label = pchart_from_csv(monthly_csv, phase_starts=["2024-07"])
    by_position = pchart_from_csv(monthly_csv, phase_starts=["7"])
    assert by_label == by_position
    assert [p["phase"] for p in by_label["points"]] == [1] * 6 + [2] * 6
    several = pchart_from_csv(monthly_csv, phase_starts=["2024-04,2024-07", "10"])
    assert len(several["phases"]) == 4


def test_it_turns_chart_errors_into_input_errors(monthly_csv: Path) -> None:
    with pytest.raises(InputError, match="baseline of 13 points is too long"):
        pchart_from_csv(monthly_csv, baseline=13)


def test_it_reads_kappa_ratings(tmp_path: Path) -> None:
    rows = ["yes,yes"] * 20 + ["yes,no"] * 5 + ["no,yes"] * 10 + ["no,no"] * 15
    data = kappa_from_csv(write(tmp_path, "rater_a,rater_b\n" + "\n".join(rows) + "\n"))
    assert data["n"] == 50
    assert data["kappa"] == pytest.approx(0.4)
    with pytest.raises(InputError, match="line 3: a rating is missing"):
        kappa_from_csv(write(tmp_path, "rater_a,rater_b\nyes,no\nyes,\n"))


def test_it_parses_fractions_strictly() -> None:
    assert parse_fraction("12/40", "--baseline") == (12, 40)
    for bad in ("12", "12/0", "41/40", "a/b", "1.5/4"):
        with pytest.raises(InputError):
            parse_fraction(bad, "--baseline")


def test_it_renders_readable_tables(orange_juice_csv: Path, tmp_path: Path) -> None:
    chart = render_pchart(pchart_from_csv(orange_juice_csv, rules="ihi"))
    assert "Perla, Provost & Murray" in chart
    assert "outside_limits" in chart
    compare = render_compare(compare_from_fractions("1/4", "3/4"))
    assert "conditional maximum-likelihood estimate" in compare
    assert "[x2/(n2 − x2)]" in compare  # brackets survive (no rich markup)
    kappa = render_kappa(kappa_from_csv(write(tmp_path, "rater_a,rater_b\nyes,no\nno,no\n")))
    assert "kappa" in kappa


def test_it_prints_pchart_json_from_the_command(orange_juice_csv: Path) -> None:
    out = StringIO()
    call_command(
        "stats",
        "pchart",
        "--input",
        str(orange_juice_csv),
        "--exclude",
        "15,23",
        "--rules",
        "nhs",
        "--format",
        "json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["rules"] == "nhs"
    assert data["points"][0]["center_line"] == pytest.approx(0.215)
    assert set(data["runs"]) >= RUNS_KEYS


def test_it_prints_compare_json_from_the_command() -> None:
    out = StringIO()
    call_command(
        "stats", "compare", "--baseline", "0/20", "--remeasure", "5/20", "--format", "json",
        stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert set(data) >= {
        "baseline",
        "remeasure",
        "difference",
        "z",
        "p_value",
        "chi_square",
        "fisher_p_two_sided",
        "relative_risk",
        "odds_ratio",
    }
    assert set(data["baseline"]) >= {"proportion", "ci_low", "ci_high"}
    assert data["relative_risk"] is None and data["odds_ratio"] is None
    assert data["difference"] == pytest.approx(0.25)


def test_it_fails_the_command_with_the_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, "period,numerator,denominator\na,3,10\nb,11,10\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("stats", "pchart", "--input", str(path), stdout=StringIO())


def test_it_loads_the_statistics_without_django() -> None:
    code = (
        "import sys, between.stats.spc, between.stats.rules, between.stats.proportions, "
        "between.stats.agreement, between.stats.report; "
        "print(sorted(m for m in sys.modules if m.startswith('django')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
