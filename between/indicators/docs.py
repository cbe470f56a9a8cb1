"""`docs/indicators.md`, generated from the registry so the document cannot drift.

    python -m between.indicators.docs > docs/indicators.md

tests/indicators/test_docs.py fails when the file and the registry disagree, or when a column of
the summary table has no description here.
"""

from __future__ import annotations

import os

from django.utils import translation

from between.indicators import periods

PREAMBLE = """\
# Indicators

Every number on the dashboards, in the CSV downloads and in the PIP report comes from the
definitions below, held once in `between/indicators/registry.py`. This file is generated from
that registry (`python -m between.indicators.docs > docs/indicators.md`) and a test fails when
they disagree.

**Kinds of measure.** A *structured record* is what clinicians entered in Between Sessions
(an assignment, a review, a recorded reason). *Chart documentation* is what a reviewer finds in
the progress note (the Medical Records Review). *Self-report* is what people say they did. The
three give different rates for the same practice, so every indicator and every reference line
says which kind it is: the 13% county baseline was observed in recorded sessions, the 57%
national figure is clinicians' self-report.

**Breakdowns.** Every indicator can be broken down by program, clinician, diagnosis group, age
band (on the day of the session: {age_bands}), caregiver language (the primary caregiver's
language, else the family's preferred language) and session type, over weeks (Monday to
Sunday), months or quarters. Weekly points are not split by the four client dimensions.

**Small cells.** People without record-level access to every program in view see counts from 1
to 10 hidden, and a further count hidden wherever a hidden one could be worked out from a total.
"""

SUMMARY_COLUMNS = {
    "indicator": "The indicator's key (below).",
    "grain": "`week` (Monday to Sunday) or `month`; quarters are sums of their months.",
    "period_start": "The first day of the week or month.",
    "program": "The program of the session (for assignments: of the session that assigned it).",
    "clinician": "The clinician of that session.",
    "dimension": "Empty for the whole (program, clinician) cell, or the breakdown dimension "
    "(`diagnosis_group`, `age_band`, `language`, `session_type`) that splits it; the rows of "
    "one dimension add up to the empty-dimension row.",
    "value": "The dimension's value (e.g. `anxiety`, `6-11`, `es`, `family`).",
    "numerator": "How many denominator rows meet the indicator.",
    "denominator": "How many rows (sessions or assignments) the indicator counts.",
    "elements": "Assignment quality only: the sum of quality elements over the denominator's "
    "assignments (the mean is elements / denominator).",
}

SUMMARY_TEXT = """\
## The summary table

Dashboards read `indicators_indicatorcount`, never the sessions (ADR 004). `between
refresh_indicators` recomputes every open week and month; a period that ended more than
`BETWEEN_SUMMARY_LOOKBACK_DAYS` days ago (default 62) is refreshed one last time and closed, and
closed periods are not recomputed (only `--rebuild` does, after a deliberate correction). Pages
print when the summary was last refreshed ("data as of").

`indicators_programcount` holds the same columns without `clinician`: each row is the sum over
clinicians of the summary's rows with the same other columns, written by the same refresh for the
periods it changed. Reads with no clinician in scope and no split by clinician take these rows.

| Column | Meaning |
|---|---|
"""


def render() -> str:
    from between.indicators.registry import AGE_BANDS, INDICATORS

    with translation.override("en"):
        parts = [
            PREAMBLE.format(age_bands=", ".join(code for code, _lo, _hi in AGE_BANDS)),
        ]
        for indicator in INDICATORS:
            dated = {
                "session": "the session it counts",
                "assignment": "the session that assigned it",
                "reviewed record": "the session reviewed",
            }[str(indicator.unit)]
            lines = [
                f"## {indicator.title} (`{indicator.key}`)",
                "",
                str(indicator.definition),
                "",
                f"- **Numerator:** {indicator.numerator_text}",
                f"- **Denominator:** {indicator.denominator_text}",
                f"- **Exclusions:** {indicator.exclusions_text}",
                f"- **Unit of analysis:** {indicator.unit}",
                f"- **Kind of measure:** {indicator.measure_kind}",
                f"- **Dated by:** {dated}",
            ]
            for line in indicator.reference_lines:
                lines.append(
                    f"- **Reference line:** {line.value:.0%}, {line.label} — {line.source}, "
                    f"{line.measure_kind}"
                )
            if indicator.elements is not None:
                lines.append("- **Also shown:** the mean number of quality elements (0–5).")
            parts.append("\n".join(lines) + "\n")
        table = "".join(f"| `{name}` | {text} |\n" for name, text in SUMMARY_COLUMNS.items())
        parts.append(SUMMARY_TEXT + table)
        parts.append(
            "Grains: " + ", ".join(f"`{g}`" for g in periods.GRAINS) + " (labels such as "
            "2026-W07, 2026-02 and 2026-Q1).\n"
        )
    return "\n".join(parts)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "between.settings")
    import django

    django.setup()
    print(render(), end="")
