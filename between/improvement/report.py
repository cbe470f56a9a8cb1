"""The PIP report: one set of figures for the page, the print view and the Word document.

`build(pip)` gathers everything a report shows (narrative, analysis, chart, interventions);
`docx_bytes(report)` writes it with python-docx in the order of CMS EQR Protocol 1. The HTML
print view renders the same `Report` with a template.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Inches, Pt

from between.improvement.analysis import (
    SIGNIFICANCE_RULE,
    SUSTAINED_RULE,
    IndicatorAnalysis,
    analyse,
)

__all__ = ["SIGNIFICANCE_RULE", "SUSTAINED_RULE", "Report", "build", "docx_bytes"]
from between.improvement.models import Pip, PipPeriod
from between.indicators import dashboard, registry
from between.indicators.dashboard import ChartError, Dashboard
from between.indicators.models import Intervention
from between.indicators.repository import Scope

# (field, heading): Protocol 1's steps, in its order. Indicators and analysis are generated.
SECTIONS: tuple[tuple[str, Any], ...] = (
    ("topic", gettext_lazy("1. Topic")),
    ("rationale", gettext_lazy("Rationale")),
    ("aim", gettext_lazy("2. Aim statement")),
    ("study_question", gettext_lazy("Study question")),
    ("population", gettext_lazy("3. Population")),
    ("sampling", gettext_lazy("4. Sampling")),
    ("indicators", gettext_lazy("5. Indicators")),
    ("data_collection", gettext_lazy("6. Data collection")),
    ("strategies", gettext_lazy("7. Improvement strategies")),
    ("analysis", gettext_lazy("8. Analysis and interpretation")),
    ("significance", gettext_lazy("9. Significant and sustained improvement")),
)


@dataclass
class Report:
    pip: Pip
    periods: list[PipPeriod]
    analyses: list[IndicatorAnalysis]
    chart: Dashboard | None
    chart_note: str
    interventions: list[Intervention]
    generated_at: datetime
    exact: bool

    @property
    def sections(self) -> list[tuple[str, Any, str]]:
        return [(key, heading, str(getattr(self.pip, key, "") or "")) for key, heading in SECTIONS]

    @property
    def tables(self) -> list[tuple[IndicatorAnalysis, list[list[str]], list[list[str]]]]:
        """Each indicator with its rows of figures and of comparisons, as every format shows
        them (the page, the print view and the Word document share these strings)."""
        return [(a, figure_rows(a), comparison_rows(a)) for a in self.analyses]


def interventions_for(pip: Pip, program_ids: set[int]) -> list[Intervention]:
    periods = list(pip.periods.all())
    query = Intervention.objects.filter(Q(program__isnull=True) | Q(program_id__in=program_ids))
    if periods:
        first = min(p.start for p in periods)
        last = max(p.end for p in periods)
        query = query.filter(started_on__gte=first, started_on__lte=last)
    return list(query.order_by("started_on", "pk"))


def chart_for(
    pip: Pip, program_ids: set[int], interventions: list[Intervention], *, exact: bool
) -> tuple[Dashboard | None, str]:
    """The primary indicator month by month over the PIP's span, a phase at each intervention."""
    periods = list(pip.periods.all())
    if not periods or not pip.primary_indicator:
        return None, _("The chart appears once the PIP has a measurement period.")
    start = min(p.start for p in periods).replace(day=1)
    end = max(p.end for p in periods)
    try:
        built = dashboard.build(
            registry.get(pip.primary_indicator),
            Scope(frozenset(program_ids)),
            grain="month",
            start=start,
            end=end,
            exact=exact,
            phases=True,
            interventions=interventions,
        )
    except ChartError as error:
        return None, str(error)
    if not built.chart_points:
        return built, _(
            "No monthly figures in the summary for these months yet (refreshed by "
            "'between refresh_indicators')."
        )
    return built, ""


def build(pip: Pip, *, exact: bool = True, now: datetime | None = None) -> Report:
    program_ids = set(pip.programs.values_list("pk", flat=True))
    interventions = interventions_for(pip, program_ids)
    chart, note = chart_for(pip, program_ids, interventions, exact=exact)
    return Report(
        pip=pip,
        periods=list(pip.periods.order_by("start")),
        analyses=analyse(pip, exact=exact),
        chart=chart,
        chart_note=note,
        interventions=interventions,
        generated_at=now or timezone.now(),
        exact=exact,
    )


# --- Word ----------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _moment(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{date_format(local, 'DATE_FORMAT')} {date_format(local, 'H:i')}"


def _table(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text


def _text(document: Any, text: str) -> None:
    if not text.strip():
        document.add_paragraph().add_run(_("(Not written yet.)")).italic = True
        return
    for paragraph in text.strip().split("\n\n"):
        document.add_paragraph(paragraph.strip())


def figure_rows(analysis: IndicatorAnalysis) -> list[list[str]]:
    rows = []
    for figure in analysis.figures:
        period = figure.period
        status = _("locked") if period.locked else _("open")
        if figure.hidden:
            counts, rate, interval = _("suppressed (small cell)"), "—", "—"
        else:
            counts = f"{figure.numerator:,} / {figure.denominator:,}"
            rate = _percent(figure.rate)
            interval = (
                f"{_percent(figure.interval.ci_low)} – {_percent(figure.interval.ci_high)}"
                if figure.interval
                else "—"
            )
        rows.append(
            [
                f"{period.label} ({period.get_kind_display()})",
                f"{_day(period.start)} – {_day(period.end)}",
                counts,
                rate,
                interval,
                str(status),
            ]
        )
    return rows


def comparison_rows(analysis: IndicatorAnalysis) -> list[list[str]]:
    rows = []
    for c in analysis.comparisons:
        clustered = c.clustered
        if clustered is not None and clustered.estimable:
            odds = f"{clustered.odds_ratio:.2f} ({clustered.ci_low:.2f} – {clustered.ci_high:.2f})"
            clustered_p = _p(clustered.p_value)
        else:
            odds = _("not estimable")
            clustered_p = "—"
        rows.append(
            [
                c.period.label,
                f"{c.test.difference * 100:+.1f}",
                _p(c.test.p_value),
                _p(c.test.fisher_p_two_sided),
                odds,
                clustered_p,
                _("yes") if c.significant else _("no"),
            ]
        )
    return rows


COMPARISON_HEADER = (
    gettext_lazy("Remeasurement"),
    gettext_lazy("Change (points)"),
    gettext_lazy("z test p"),
    gettext_lazy("Fisher p"),
    gettext_lazy("Clustered OR (95% CI)"),
    gettext_lazy("Clustered p"),
    gettext_lazy("Significant improvement"),
)
FIGURE_HEADER = (
    gettext_lazy("Period"),
    gettext_lazy("Dates"),
    gettext_lazy("Numerator / denominator"),
    gettext_lazy("Rate"),
    gettext_lazy("95% CI (Wilson)"),
    gettext_lazy("Numbers"),
)


def corrections(report: Report) -> list[str]:
    """Plain notes on locked periods whose data changed after they were locked."""
    notes = []
    for analysis in report.analyses:
        for figure in analysis.figures:
            if figure.corrected is None or figure.hidden:
                continue
            numerator, denominator = figure.corrected
            notes.append(
                _(
                    "%(indicator)s, %(period)s: the data have changed since the period was "
                    "locked (now %(now_n)s / %(now_d)s; the report keeps %(n)s / %(d)s)."
                )
                % {
                    "indicator": analysis.indicator.short_title,
                    "period": figure.period.label,
                    "now_n": f"{numerator:,}",
                    "now_d": f"{denominator:,}",
                    "n": f"{figure.numerator:,}",
                    "d": f"{figure.denominator:,}",
                }
            )
    return notes


def docx_bytes(report: Report) -> bytes:
    pip = report.pip
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    document.add_heading(pip.title, level=0)
    document.add_paragraph(
        _("Performance Improvement Project report, generated %(when)s. Programs: %(programs)s.")
        % {
            "when": _moment(report.generated_at),
            "programs": ", ".join(p.name for p in pip.programs.order_by("name")),
        }
    )
    for key, heading, text in report.sections:
        document.add_heading(str(heading), level=1)
        if key == "indicators":
            for analysis in report.analyses:
                indicator = analysis.indicator
                role = _("Primary indicator") if analysis.primary else _("Indicator")
                document.add_heading(f"{role}: {indicator.title}", level=2)
                document.add_paragraph(str(indicator.definition))
                document.add_paragraph(
                    _("Numerator: %(n)s Denominator: %(d)s Exclusions: %(x)s")
                    % {
                        "n": indicator.numerator_text,
                        "d": indicator.denominator_text,
                        "x": indicator.exclusions_text,
                    }
                )
                document.add_paragraph(
                    _("Measured from: %(kind)s.") % {"kind": indicator.measure_kind.value}
                )
        elif key == "strategies":
            _text(document, text)
            if report.interventions:
                _table(
                    document,
                    [_("Started"), _("Intervention"), _("Kind")],
                    [
                        [_day(i.started_on), i.label, str(i.get_kind_display())]
                        for i in report.interventions
                    ],
                )
        elif key == "analysis":
            for analysis in report.analyses:
                document.add_heading(str(analysis.indicator.title), level=2)
                _table(document, [str(h) for h in FIGURE_HEADER], figure_rows(analysis))
                if analysis.comparisons:
                    document.add_paragraph()
                    _table(document, [str(h) for h in COMPARISON_HEADER], comparison_rows(analysis))
            png = dashboard.chart_png(report.chart) if report.chart else None
            if png:
                document.add_heading(_("Control chart of the primary indicator"), level=2)
                document.add_picture(io.BytesIO(png), width=Inches(6.3))
                if report.chart is not None:
                    document.add_paragraph(report.chart.rules_text)
            elif report.chart_note:
                document.add_paragraph(report.chart_note)
            for note in corrections(report):
                document.add_paragraph(note, style="List Bullet")
            document.add_heading(_("Interpretation"), level=2)
            _text(document, pip.interpretation)
        elif key == "significance":
            document.add_paragraph(str(SIGNIFICANCE_RULE))
            document.add_paragraph(str(SUSTAINED_RULE))
            for analysis in report.analyses:
                document.add_paragraph(
                    f"{analysis.indicator.title}: {analysis.verdict_text}", style="List Bullet"
                )
        else:
            _text(document, text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
