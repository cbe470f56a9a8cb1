"""The detector benchmark runs on a few hundred notes and reports every figure.

The figures are printed (run with -s to see them), never asserted: timings depend on the
machine. What is checked is the shape of the result.
"""

from __future__ import annotations

import json

import pytest

from bench import detector as bench_detector

KEYS = {
    "benchmark",
    "corpus",
    "notes",
    "rounds",
    "distinct_notes",
    "mean_words_per_note",
    "seconds",
    "cpu_seconds",
    "notes_per_second",
    "best_round_notes_per_second",
    "notes_per_cpu_second",
    "mean_ms_per_note",
    "target_per_second",
    "ratio_to_target",
    "within_target",
    "assigned_found",
    "reviewed_found",
    "machine",
}


def test_it_times_the_detector_on_a_few_hundred_notes() -> None:
    result = bench_detector.run(notes=300, warmups=10, rounds=3)
    bench_detector.report(result)
    print(json.dumps(result, indent=2))

    assert set(result) == KEYS
    json.dumps(result)  # plain data only
    assert result["notes"] == 300 and result["rounds"] == 3
    assert result["target_per_second"] == 2000.0
    assert result["notes_per_second"] > 0
    assert 0 < result["assigned_found"] < 300
    assert result["corpus"] == "long" and result["mean_words_per_note"] > 140


def test_the_dev_corpus_is_the_notes_as_written() -> None:
    result = bench_detector.run(notes=100, warmups=0, rounds=2, corpus="dev")
    assert result["corpus"] == "dev" and result["distinct_notes"] >= 220
    assert result["mean_words_per_note"] < 100
    with pytest.raises(ValueError):
        bench_detector.corpus_texts("novels")


def test_it_prints_the_figures_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_detector.main(["--notes", "50", "--warmups", "0", "--rounds", "2"]) == 0
    out = capsys.readouterr().out
    assert "notes/second" in out and "target" in out
