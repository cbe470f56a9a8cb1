"""Reading the `between stats` inputs and writing its outputs, without Django.

The management command only parses its arguments and prints; everything it says comes from
here, so the same functions serve tests, notebooks and any other caller:

- `pchart_from_csv`, `kappa_from_csv`, `compare_from_fractions` return plain dicts (the JSON
  shapes documented in `between stats --help`);
- `prevalence_from_arguments` returns the corrected prevalence as a plain dict too;
- `render_pchart`, `render_kappa`, `render_compare` turn those dicts into readable tables,
  and `render_prevalence` likewise.

Bad input raises `InputError`, whose message names the CSV line at fault.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from between.stats.agreement import cohens_kappa
from between.stats.prevalence import (
    DEFAULT_SEED,
    IntervalMethod,
    corrected_prevalence,
)
from between.stats.proportions import ODDS_RATIO_DEFINITION, compare_proportions
from between.stats.rules import RULES, RuleSet
from between.stats.spc import CHART_NAMES, ChartType, ControlChart, control_chart

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")

POSITIONS_HELP = (
    "Each value is first matched against the period labels; a value that is not a label is "
    "read as a 1-based point position (1 = first row)."
)


class InputError(ValueError):
    """The input cannot be used; the message says what and where, for the user to fix."""


@dataclass(frozen=True)
class PChartRow:
    line: int
    period: str
    numerator: int
    denominator: int


def read_csv_text(source: str | Path) -> str:
    try:
        # utf-8-sig: spreadsheets often save a byte-order mark before the header.
        return Path(source).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"{source}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot read it as UTF-8 text ({exc})") from exc


def _rows(text: str, required: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row, with headers matched case-insensitively."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue  # blank lines, including a trailing one
        if header is None:
            header = [cell.strip().lower() for cell in record]
            missing = [name for name in required if name not in header]
            if missing:
                raise InputError(
                    f"line {reader.line_num}: the header needs the columns "
                    f"{', '.join(required)}; missing {', '.join(missing)}"
                )
            continue
        row = {
            name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)
        }
        yield reader.line_num, row
    if header is None:
        raise InputError(f"the CSV is empty: it needs a header with {', '.join(required)}")


def _whole(value: str, name: str, line: int) -> int:
    if not _WHOLE_NUMBER.fullmatch(value):
        shown = "empty" if value == "" else f"{value!r}, not a whole number"
        raise InputError(f"line {line}: {name} is {shown}")
    return int(value)


def parse_pchart_csv(text: str) -> list[PChartRow]:
    """Rows of `period,numerator,denominator` (other columns ignored)."""
    rows: list[PChartRow] = []
    for line, row in _rows(text, ("period", "numerator", "denominator")):
        numerator = _whole(row["numerator"], "numerator", line)
        denominator = _whole(row["denominator"], "denominator", line)
        if numerator < 0 or denominator < 0:
            raise InputError(f"line {line}: counts cannot be negative")
        if denominator == 0:
            raise InputError(f"line {line}: the denominator is 0, so there is no proportion")
        if numerator > denominator:
            raise InputError(
                f"line {line}: the numerator ({numerator}) is larger than the denominator "
                f"({denominator})"
            )
        if row["period"] == "":
            raise InputError(f"line {line}: the period is empty")
        rows.append(PChartRow(line, row["period"], numerator, denominator))
    if not rows:
        raise InputError("the CSV has a header but no data rows")
    return rows


def split_values(values: Iterable[str] | None) -> list[str]:
    """`["15,23", "30"]` → `["15", "23", "30"]`: options may repeat and hold lists."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def resolve_points(values: Iterable[str], periods: Sequence[str], what: str) -> list[int]:
    """0-based indices for `--exclude` / `--phase-start` values; see POSITIONS_HELP."""
    indices: list[int] = []
    for value in values:
        matches = [i for i, period in enumerate(periods) if period == value]
        if len(matches) > 1:
            raise InputError(f"{what} {value!r}: the period label appears more than once")
        if matches:
            indices.append(matches[0])
        elif _WHOLE_NUMBER.fullmatch(value) and 1 <= int(value) <= len(periods):
            indices.append(int(value) - 1)
        else:
            raise InputError(
                f"{what} {value!r} is neither a period label nor a point position 1–{len(periods)}"
            )
    return indices


def chart_to_dict(chart: ControlChart) -> dict[str, Any]:
    runs = chart.runs
    return {
        "chart": chart.chart,
        "chart_description": chart.chart_description,
        "rules": chart.rules,
        "rules_description": chart.rules_description,
        "points": [
            {
                "period": p.period,
                "numerator": p.numerator,
                "denominator": p.denominator,
                "proportion": p.proportion,
                "center_line": p.center_line,
                "lower_limit": p.lower_limit,
                "upper_limit": p.upper_limit,
                "outside_limits": p.outside_limits,
                "signals": list(p.signals),
                "excluded": p.excluded,
                "phase": p.phase + 1,
            }
            for p in chart.points
        ],
        "runs": {
            "longest_run": runs.longest_run,
            "longest_run_limit": runs.longest_run_limit,
            "crossings": runs.crossings,
            "crossings_minimum": runs.crossings_minimum,
            "signal": runs.signal,
            "useful_observations": runs.useful_observations,
            "number_of_runs": runs.runs,
            "runs_lower_limit": runs.runs_lower_limit,
            "runs_upper_limit": runs.runs_upper_limit,
            "trend": runs.trend,
            "phase": len(chart.phases),
        },
        "runs_refers_to": "the last phase (each phase's own runs analysis is under phases)",
        "phases": [
            {
                "phase": phase.number + 1,
                "first_period": chart.points[phase.start].period,
                "last_period": chart.points[phase.end - 1].period,
                "center_line": phase.center_line,
                "sigma_z": phase.sigma_z,
                "limit_points": len(phase.limit_points),
                "frozen_baseline": phase.frozen,
                "runs": {
                    "longest_run": phase.runs.longest_run,
                    "longest_run_limit": phase.runs.longest_run_limit,
                    "crossings": phase.runs.crossings,
                    "crossings_minimum": phase.runs.crossings_minimum,
                    "signal": phase.runs.signal,
                    "useful_observations": phase.runs.useful_observations,
                    "number_of_runs": phase.runs.runs,
                    "runs_lower_limit": phase.runs.runs_lower_limit,
                    "runs_upper_limit": phase.runs.runs_upper_limit,
                    "trend": phase.runs.trend,
                },
            }
            for phase in chart.phases
        ],
    }


def pchart_from_csv(
    source: str | Path,
    *,
    chart: ChartType = "p",
    rules: RuleSet = "anhoej",
    exclude: Iterable[str] = (),
    phase_starts: Iterable[str] = (),
    baseline: int | None = None,
) -> dict[str, Any]:
    """Read `period,numerator,denominator` rows and build the chart as a JSON-ready dict.

    `exclude` and `phase_starts` hold period labels or 1-based positions (see POSITIONS_HELP);
    `baseline` is the number of leading points whose limits are frozen.
    """
    rows = parse_pchart_csv(read_csv_text(source))
    periods = [row.period for row in rows]
    excluded = resolve_points(split_values(exclude), periods, "--exclude")
    starts = resolve_points(split_values(phase_starts), periods, "--phase-start")
    try:
        result = control_chart(
            [row.numerator for row in rows],
            [row.denominator for row in rows],
            periods,
            chart=chart,
            rules=rules,
            exclude=excluded,
            phase_starts=starts,
            baseline=baseline,
        )
    except ValueError as exc:
        # The chart's own checks (an all-excluded phase, a baseline too long) are input errors.
        raise InputError(str(exc)) from exc
    return chart_to_dict(result)


def kappa_from_csv(source: str | Path) -> dict[str, Any]:
    """Cohen's kappa from `rater_a,rater_b` rows (one row per item rated by both)."""
    a: list[str] = []
    b: list[str] = []
    for line, row in _rows(read_csv_text(source), ("rater_a", "rater_b")):
        if row["rater_a"] == "" or row["rater_b"] == "":
            raise InputError(f"line {line}: a rating is missing (both raters must rate the item)")
        a.append(row["rater_a"])
        b.append(row["rater_b"])
    if not a:
        raise InputError("the CSV has a header but no data rows")
    result = cohens_kappa(a, b)
    return {
        "n": result.n,
        "observed_agreement": result.observed_agreement,
        "expected_agreement": result.expected_agreement,
        "kappa": result.kappa,
        "categories": list(result.categories),
        "table": [list(row) for row in result.table],
    }


def parse_fraction(text: str, what: str) -> tuple[int, int]:
    """Parse "12/40" into (12, 40), refusing anything that is not x/N with 0 ≤ x ≤ N and N ≥ 1."""
    parts = text.replace(" ", "").split("/")
    if len(parts) != 2 or not all(_WHOLE_NUMBER.fullmatch(part) for part in parts):
        raise InputError(f"{what} {text!r}: write it as X/N, e.g. 12/40")
    x, n = int(parts[0]), int(parts[1])
    if n <= 0:
        raise InputError(f"{what} {text!r}: N must be at least 1")
    if not 0 <= x <= n:
        raise InputError(f"{what} {text!r}: X must be between 0 and N")
    return x, n


def compare_from_fractions(baseline: str, remeasure: str) -> dict[str, Any]:
    x1, n1 = parse_fraction(baseline, "--baseline")
    x2, n2 = parse_fraction(remeasure, "--remeasure")
    result = compare_proportions(x1, n1, x2, n2)

    def interval(side: Any) -> dict[str, Any]:
        return {
            "numerator": side.numerator,
            "denominator": side.denominator,
            "proportion": side.proportion,
            "ci_low": side.ci_low,
            "ci_high": side.ci_high,
        }

    return {
        "baseline": interval(result.baseline),
        "remeasure": interval(result.remeasure),
        "difference": result.difference,
        "z": result.z,
        "p_value": result.p_value,
        "chi_square": result.chi_square,
        "fisher_p_two_sided": result.fisher_p_two_sided,
        "relative_risk": result.relative_risk,
        "odds_ratio": result.odds_ratio,
        "odds_ratio_definition": result.odds_ratio_definition,
        "interval": "Wilson score 95% interval, no continuity correction",
        "notes": list(result.notes),
    }


def parse_proportion(text: str, what: str) -> tuple[float, int | None]:
    """Parse "0.412" into (0.412, None) and "412/1000" into (0.412, 1000)."""
    if "/" in text:
        x, n = parse_fraction(text, what)
        return x / n, n
    try:
        value = float(text.replace(" ", ""))
    except ValueError:
        raise InputError(
            f"{what} {text!r}: write it as a proportion (e.g. 0.412) or as X/N (e.g. 412/1000)"
        ) from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise InputError(f"{what} {text!r}: a proportion must be between 0 and 1")
    return value, None


def _count_from(fraction_n: int | None, option: int | None, what: str, flag: str) -> int | None:
    """The count behind a proportion: from X/N, from its own option, or both if they agree."""
    if option is not None and option < 1:
        raise InputError(f"{flag} must be at least 1 (got {option})")
    if fraction_n is not None and option is not None and fraction_n != option:
        raise InputError(f"{what} is given as X/N with N = {fraction_n}, but {flag} says {option}")
    return fraction_n if fraction_n is not None else option


def prevalence_from_arguments(
    apparent: str,
    sensitivity: str,
    specificity: str,
    *,
    n: int | None = None,
    n_positive: int | None = None,
    n_negative: int | None = None,
    interval: IntervalMethod = "delta",
    seed: int | None = None,
) -> dict[str, Any]:
    """Rogan–Gladen corrected prevalence from proportions written as 0.412 or 412/1000 (the
    X/N form also gives the count behind the proportion)."""
    ap, ap_n = parse_proportion(apparent, "--apparent")
    se, se_n = parse_proportion(sensitivity, "--sensitivity")
    sp, sp_n = parse_proportion(specificity, "--specificity")
    try:
        result = corrected_prevalence(
            ap,
            se,
            sp,
            n=_count_from(ap_n, n, "--apparent", "--n"),
            n_positive=_count_from(se_n, n_positive, "--sensitivity", "--n-positive"),
            n_negative=_count_from(sp_n, n_negative, "--specificity", "--n-negative"),
            interval=interval,
            seed=DEFAULT_SEED if seed is None else seed,
        )
    except ValueError as exc:
        # An uninformative detector (Se + Sp ≤ 1) is the user's input to fix, not a crash.
        raise InputError(str(exc)) from exc
    return {
        "apparent": result.apparent,
        "sensitivity": result.sensitivity,
        "specificity": result.specificity,
        "corrected": result.corrected,
        "clipped": result.clipped,
        "corrected_unclipped": result.corrected_unclipped,
        "youden_j": result.youden_j,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "method": result.method,
        "confidence": result.confidence,
        "standard_error": result.standard_error,
        "n": result.n,
        "n_positive": result.n_positive,
        "n_negative": result.n_negative,
        "draws": result.draws,
        "seed": result.seed,
        "formula": "(apparent + specificity − 1) / (sensitivity + specificity − 1), "
        "clipped to [0, 1] (Rogan & Gladen 1978)",
        "notes": list(result.notes)
        + (
            [
                "for an interval give --n, --n-positive and --n-negative, "
                "or write the proportions as X/N"
            ]
            if result.n is None and result.n_positive is None and result.n_negative is None
            else []
        ),
    }


def to_json(data: dict[str, Any]) -> str:
    # allow_nan=False: a NaN or infinity that slipped through must fail here, not in a parser.
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


def _number(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _p_value(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _render(*parts: Any) -> str:
    buffer = io.StringIO()
    # markup=False: period labels and definitions contain brackets that are not rich markup.
    console = Console(
        file=buffer, width=110, color_system=None, highlight=False, markup=False, emoji=False
    )
    for part in parts:
        console.print(part)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def render_pchart(data: dict[str, Any]) -> str:
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("period", "x / n", "p", "centre", "lower", "upper", "signals"):
        table.add_column(name, justify="left" if name in ("period", "signals") else "right")
    for p in data["points"]:
        signals = list(p["signals"]) + (["(excluded)"] if p["excluded"] else [])
        table.add_row(
            str(p["period"]),
            f"{p['numerator']} / {p['denominator']}",
            _percent(p["proportion"]),
            _percent(p["center_line"]),
            _percent(p["lower_limit"]),
            _percent(p["upper_limit"]),
            ", ".join(signals),
        )
    runs = data["runs"]
    lines = [
        f"Rules: {data['rules_description']}",
        "",
        f"Runs analysis of phase {runs['phase']} (the last): {runs['useful_observations']} "
        f"useful observations, longest run {runs['longest_run']} (limit "
        f"{runs['longest_run_limit'] if runs['longest_run_limit'] is not None else '—'}), "
        f"crossings {runs['crossings']} (minimum "
        f"{runs['crossings_minimum'] if runs['crossings_minimum'] is not None else '—'}), "
        f"signal: {'yes' if runs['signal'] else 'no'}.",
    ]
    if runs["runs_lower_limit"] is not None:
        lines[-1] += (
            f" Number of runs {runs['number_of_runs']} (too few below "
            f"{runs['runs_lower_limit']}, too many above {runs['runs_upper_limit']})."
        )
    for phase in data["phases"]:
        sigma_z = "" if phase["sigma_z"] is None else f", sigma_z {phase['sigma_z']:.3f}"
        frozen = ", limits frozen from the baseline" if phase["frozen_baseline"] else ""
        lines.append(
            f"Phase {phase['phase']}: {phase['first_period']}–{phase['last_period']}, centre "
            f"{_percent(phase['center_line'])} from {phase['limit_points']} points"
            f"{sigma_z}{frozen}."
        )
    return _render(CHART_NAMES[data["chart"]], table, "\n".join(lines))


def render_kappa(data: dict[str, Any]) -> str:
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("rater A \\ rater B")
    for category in data["categories"]:
        table.add_column(category, justify="right")
    for category, row in zip(data["categories"], data["table"], strict=True):
        table.add_row(category, *(str(count) for count in row))
    summary = (
        f"n = {data['n']}; observed agreement {_number(data['observed_agreement'])}; "
        f"expected agreement {_number(data['expected_agreement'])}; "
        f"kappa {_number(data['kappa'])}"
        + (" (undefined: both raters used a single category)" if data["kappa"] is None else "")
    )
    return _render("Agreement between two raters (Cohen's kappa)", table, summary)


def render_compare(data: dict[str, Any]) -> str:
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("", "x / n", "proportion", "95% CI (Wilson)"):
        table.add_column(name, justify="left" if name == "" else "right")
    for name in ("baseline", "remeasure"):
        side = data[name]
        table.add_row(
            name,
            f"{side['numerator']} / {side['denominator']}",
            _percent(side["proportion"]),
            f"{_percent(side['ci_low'])} – {_percent(side['ci_high'])}",
        )
    tests = Table(box=box.SIMPLE_HEAD, show_header=False)
    tests.add_column("measure")
    tests.add_column("value", justify="right")
    rows = [
        ("difference (remeasure − baseline)", _percent(data["difference"])),
        ("z (pooled two-proportion test)", _number(data["z"], 3)),
        ("p value (two-sided, z test)", _p_value(data["p_value"])),
        ("Pearson chi-square (no continuity correction, = z²)", _number(data["chi_square"], 3)),
        ("Fisher's exact test, two-sided p", _p_value(data["fisher_p_two_sided"])),
        ("relative risk (remeasure / baseline)", _number(data["relative_risk"], 3)),
        ("odds ratio (remeasure vs baseline)", _number(data["odds_ratio"], 3)),
    ]
    for measure, value in rows:
        tests.add_row(measure, value)
    notes = [f"Odds ratio: {ODDS_RATIO_DEFINITION}."] + [f"Note: {n}." for n in data["notes"]]
    return _render("Remeasurement against baseline", table, tests, "\n".join(notes))


def render_prevalence(data: dict[str, Any]) -> str:
    def with_count(value: float, count: int | None) -> str:
        return _percent(value) + ("" if count is None else f" (N = {count})")

    table = Table(box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    methods = {
        "delta": "delta method",
        "bootstrap": f"parametric bootstrap, {data['draws']} draws, seed {data['seed']}",
    }
    interval = (
        "—"
        if data["ci_low"] is None
        else f"{_percent(data['ci_low'])} – {_percent(data['ci_high'])}"
    )
    rows = [
        ("apparent prevalence (detector)", with_count(data["apparent"], data["n"])),
        ("sensitivity", with_count(data["sensitivity"], data["n_positive"])),
        ("specificity", with_count(data["specificity"], data["n_negative"])),
        ("Youden's J (Se + Sp − 1)", _number(data["youden_j"])),
        (
            "corrected prevalence (Rogan–Gladen)",
            _percent(data["corrected"]) + (" (clipped)" if data["clipped"] else ""),
        ),
        (
            f"{100 * data['confidence']:.0f}% CI"
            + (f" ({methods[data['method']]})" if data["method"] else ""),
            interval,
        ),
    ]
    for measure, value in rows:
        table.add_row(measure, value)
    notes = [f"Corrected = {data['formula']}."] + [f"Note: {n}." for n in data["notes"]]
    return _render("Prevalence corrected for the detector's errors", table, "\n".join(notes))


__all__ = [
    "POSITIONS_HELP",
    "RULES",
    "InputError",
    "compare_from_fractions",
    "kappa_from_csv",
    "pchart_from_csv",
    "prevalence_from_arguments",
    "render_compare",
    "render_kappa",
    "render_pchart",
    "render_prevalence",
    "to_json",
]
