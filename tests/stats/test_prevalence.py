"""Rogan–Gladen corrected prevalence and its intervals, against published and hand-checked cases."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from between.stats.prevalence import (
    CorrectedPrevalence,
    IntervalMethod,
    corrected_prevalence,
    delta_variance,
    prevalence_from_confusion,
    rogan_gladen,
)
from between.stats.report import (
    InputError,
    parse_proportion,
    prevalence_from_arguments,
    render_prevalence,
)

ROOT = Path(__file__).resolve().parent.parent.parent
Z_95 = 1.959963984540054


def test_it_applies_the_rogan_gladen_formula_by_hand() -> None:
    # Rogan WJ, Gladen B. Estimating prevalence from the results of a screening test.
    # Am J Epidemiol 1978;107:71–76: (AP + Sp − 1)/(Se + Sp − 1).
    # Hand check: (0.30 + 0.95 − 1)/(0.90 + 0.95 − 1) = 0.25/0.85 = 5/17 = 0.294117647...
    result = corrected_prevalence(0.30, 0.90, 0.95)
    assert result.corrected == pytest.approx(5 / 17, abs=1e-12)
    assert result.corrected == pytest.approx(0.2941176, abs=1e-7)
    assert result.youden_j == pytest.approx(0.85)
    assert not result.clipped


def test_it_matches_the_epir_brucellosis_scenario() -> None:
    # epiR::epi.prev documentation example: 23 of 150 cows positive to a test with Se 0.96 and
    # Sp 0.89. By hand: (23/150 + 0.89 − 1)/(0.96 + 0.89 − 1) = 0.043333/0.85 = 0.050980.
    assert rogan_gladen(23 / 150, 0.96, 0.89) == pytest.approx(0.0509804, abs=1e-7)


def test_it_matches_the_rsurveillance_normal_interval() -> None:
    # RSurveillance::tp documentation (Cameron; Se and Sp taken as known): x = 20, n = 120,
    # Se 0.9, Sp 0.99, type "normal" gives est 0.17603, 95% limits 0.1011094 and 0.2509506.
    # That is the Rogan & Gladen (1978) variance AP(1 − AP)/(n·J²): only the n term.
    result = corrected_prevalence(20 / 120, 0.9, 0.99, n=120)
    assert result.corrected == pytest.approx(0.17603, abs=5e-6)
    assert result.ci_low == pytest.approx(0.1011094, abs=5e-7)
    assert result.ci_high == pytest.approx(0.2509506, abs=5e-7)
    assert result.method == "delta"
    assert any("sensitivity is taken as known" in note for note in result.notes)


def test_it_adds_the_sensitivity_and_specificity_terms_by_hand() -> None:
    # Greiner & Gardner, Prev Vet Med 2000;45:43–59; Reiczigel, Földi & Ózsvári, Epidemiol
    # Infect 2010;138:1674–1678: Var = [AP(1−AP)/n + π²Se(1−Se)/n₁ + (1−π)²Sp(1−Sp)/n₀]/J².
    # AP 0.30 (n 2000), Se 0.90 (n₁ 300), Sp 0.95 (n₀ 700), π = 5/17, J = 0.85:
    #   0.21/2000 = 1.05e-4; (5/17)²·0.09/300 = 2.595156e-5; (12/17)²·0.0475/700 = 3.381116e-5
    #   sum 1.6476272e-4 / 0.7225 = 2.280453e-4, SE 0.01510117.
    variance = delta_variance(0.30, 0.90, 0.95, 2000, 300, 700)
    assert variance == pytest.approx(2.280453e-4, rel=1e-6)
    result = corrected_prevalence(0.30, 0.90, 0.95, n=2000, n_positive=300, n_negative=700)
    assert result.standard_error == pytest.approx(0.01510117, rel=1e-6)
    assert result.ci_low == pytest.approx(5 / 17 - Z_95 * 0.01510117, abs=1e-7)
    assert result.ci_high == pytest.approx(5 / 17 + Z_95 * 0.01510117, abs=1e-7)
    assert result.notes == ()


def test_it_clips_below_zero() -> None:
    # 4% flagged, but the false-positive rate alone is 10%: (0.04 + 0.9 − 1)/0.8 = −0.075.
    result = corrected_prevalence(0.04, 0.9, 0.9, n=150)
    assert result.corrected == 0.0
    assert result.corrected_unclipped == pytest.approx(-0.075)
    assert result.clipped
    assert result.ci_low == 0.0 and result.ci_high is not None and result.ci_high >= 0.0
    assert "below 0" in result.notes[0]


def test_it_clips_above_one() -> None:
    # (0.98 + 0.95 − 1)/0.85 = 1.0941...
    result = corrected_prevalence(0.98, 0.9, 0.95)
    assert result.corrected == 1.0
    assert result.corrected_unclipped == pytest.approx(0.93 / 0.85)
    assert result.clipped
    assert "above 1" in result.notes[0]


@pytest.mark.parametrize(("se", "sp"), [(0.5, 0.5), (0.3, 0.6), (0.0, 0.0)])
def test_it_refuses_an_uninformative_detector(se: float, sp: float) -> None:
    with pytest.raises(ValueError, match="no better than chance"):
        corrected_prevalence(0.3, se, sp)


@pytest.mark.parametrize(
    ("ap", "se", "sp"), [(-0.1, 0.9, 0.9), (0.3, 1.2, 0.9), (0.3, 0.9, math.nan)]
)
def test_it_refuses_proportions_outside_zero_one(ap: float, se: float, sp: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        corrected_prevalence(ap, se, sp)


def test_it_refuses_counts_below_one() -> None:
    with pytest.raises(ValueError, match="n_positive must be at least 1"):
        corrected_prevalence(0.3, 0.9, 0.9, n_positive=0)


def test_it_gives_no_interval_without_counts() -> None:
    for interval in ("delta", "bootstrap"):
        result = corrected_prevalence(0.3, 0.9, 0.95, interval=interval)
        assert result.ci_low is None and result.ci_high is None and result.method is None
        assert any(note.startswith("no interval") for note in result.notes)


def test_the_delta_interval_covers_the_estimate_and_widens_with_smaller_n() -> None:
    widths = []
    for scale in (1, 4, 16):
        result = corrected_prevalence(
            0.30, 0.90, 0.95, n=4000 // scale, n_positive=400 // scale, n_negative=800 // scale
        )
        assert result.ci_low is not None and result.ci_high is not None
        assert result.ci_low <= result.corrected <= result.ci_high
        widths.append(result.ci_high - result.ci_low)
    assert widths[0] < widths[1] < widths[2]


def test_the_bootstrap_is_reproducible_with_a_seed_and_agrees_with_delta() -> None:
    def run(interval: IntervalMethod, seed: int) -> CorrectedPrevalence:
        return corrected_prevalence(
            0.30, 0.90, 0.95, n=2000, n_positive=300, n_negative=700, interval=interval, seed=seed
        )

    first, again, other = run("bootstrap", 7), run("bootstrap", 7), run("bootstrap", 8)
    delta = run("delta", 7)
    assert first.method == "bootstrap" and first.draws == 2000 and first.seed == 7
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    assert first.ci_low is not None and first.ci_high is not None
    assert first.ci_low <= first.corrected <= first.ci_high
    # Large counts: the percentile interval is close to the delta interval.
    assert first.ci_low == pytest.approx(delta.ci_low, abs=0.004)
    assert first.ci_high == pytest.approx(delta.ci_high, abs=0.004)


def test_it_builds_the_result_from_confusion_counts() -> None:
    # Review: 45 of 50 homework notes flagged (Se 0.9), 140 of 150 others not flagged (Sp 0.9333);
    # population: 412 of 1000 flagged. (0.412 + 0.93333 − 1)/0.83333 = 0.4144.
    result = prevalence_from_confusion(
        tp=45, fp=10, fn=5, tn=140, apparent_positive=412, total=1000
    )
    assert result.sensitivity == pytest.approx(0.9)
    assert result.specificity == pytest.approx(140 / 150)
    assert result.corrected == pytest.approx(0.4144)
    assert (result.n, result.n_positive, result.n_negative) == (1000, 50, 150)
    same = corrected_prevalence(0.412, 0.9, 140 / 150, n=1000, n_positive=50, n_negative=150)
    assert result == same


def test_it_refuses_confusion_counts_without_both_classes() -> None:
    with pytest.raises(ValueError, match="no sensitivity"):
        prevalence_from_confusion(0, 3, 0, 10, 5, 100)
    with pytest.raises(ValueError, match="no specificity"):
        prevalence_from_confusion(3, 0, 1, 0, 5, 100)


@given(
    p=st.floats(0.0, 1.0),
    se=st.floats(0.51, 1.0),
    sp=st.floats(0.51, 1.0),
)
def test_it_recovers_the_true_prevalence(p: float, se: float, sp: float) -> None:
    # Se, Sp > 0.5 keeps J > 0.02, so rounding in the forward step stays small.
    apparent = p * se + (1 - p) * (1 - sp)
    assert corrected_prevalence(apparent, se, sp).corrected == pytest.approx(p, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "value", "count"), [("0.412", 0.412, None), ("412/1000", 0.412, 1000), ("1", 1, None)]
)
def test_it_parses_proportions_and_fractions(text: str, value: float, count: int | None) -> None:
    assert parse_proportion(text, "--apparent") == (pytest.approx(value), count)


@pytest.mark.parametrize("text", ["1.2", "abc", "5/4", "nan"])
def test_it_refuses_bad_proportions(text: str) -> None:
    with pytest.raises(InputError, match="--apparent"):
        parse_proportion(text, "--apparent")


def test_it_refuses_a_count_that_contradicts_the_fraction() -> None:
    with pytest.raises(InputError, match="N = 50, but --n-positive says 60"):
        prevalence_from_arguments("0.4", "45/50", "0.9", n_positive=60)


def test_it_prints_prevalence_json_from_the_command() -> None:
    out = StringIO()
    call_command(
        "stats", "prevalence", "--apparent", "0.30", "--sensitivity", "0.90",
        "--specificity", "0.95", "--n", "2000", "--n-positive", "300", "--n-negative", "700",
        "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert set(data) >= {
        "apparent",
        "sensitivity",
        "specificity",
        "corrected",
        "ci_low",
        "ci_high",
        "clipped",
        "method",
        "notes",
    }
    assert data["corrected"] == pytest.approx(5 / 17)
    assert data["method"] == "delta"
    assert data["ci_low"] == pytest.approx(5 / 17 - Z_95 * 0.01510117, abs=1e-7)


def test_the_command_takes_counts_from_fractions_and_seeds_the_bootstrap() -> None:
    args = ["stats", "prevalence", "--apparent", "412/1000", "--sensitivity", "45/50"]
    args += ["--specificity", "140/150", "--interval", "bootstrap", "--seed", "3"]
    outputs = []
    for _ in range(2):
        out = StringIO()
        call_command(*args, "--format", "json", stdout=out)
        outputs.append(json.loads(out.getvalue()))
    data = outputs[0]
    assert (data["n"], data["n_positive"], data["n_negative"]) == (1000, 50, 150)
    assert data["corrected"] == pytest.approx(0.4144)
    assert data["method"] == "bootstrap" and data["seed"] == 3 and data["draws"] == 2000
    assert outputs[0] == outputs[1]


def test_the_command_says_there_is_no_interval_without_counts() -> None:
    out = StringIO()
    call_command(
        "stats", "prevalence", "--apparent", "0.3", "--sensitivity", "0.9",
        "--specificity", "0.95", "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["ci_low"] is None and data["ci_high"] is None and data["method"] is None
    assert any(note.startswith("no interval") for note in data["notes"])


def test_the_command_prints_a_table() -> None:
    out = StringIO()
    call_command(
        "stats", "prevalence", "--apparent", "0.04", "--sensitivity", "45/50",
        "--specificity", "0.9", "--n", "150", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "corrected prevalence (Rogan–Gladen)" in text
    assert "0.0% (clipped)" in text
    assert "95% CI (delta method)" in text
    assert "below 0" in text


def test_the_command_fails_for_an_uninformative_detector() -> None:
    with pytest.raises(CommandError, match="no better than chance"):
        call_command(
            "stats", "prevalence", "--apparent", "0.3", "--sensitivity", "0.4",
            "--specificity", "0.6", stdout=StringIO(),
        )  # fmt: skip


def test_render_prevalence_shows_no_interval_as_a_dash() -> None:
    text = render_prevalence(prevalence_from_arguments("0.3", "0.9", "0.95"))
    assert "95% CI" in text and "—" in text
    assert "--n-positive" in text


def test_it_loads_without_django() -> None:
    code = (
        "import sys, between.stats.prevalence; "
        "print(sorted(m for m in sys.modules if m.startswith('django')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
