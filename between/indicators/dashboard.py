"""What a dashboard shows: the series, its SPC chart, the breakdown, with suppression applied.

Views decide *who* may see *which scope*; this module turns a scope and the filters into rows
and a chart, reading only the summary (repository.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, cast

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from between.accounts.models import User
from between.clinic.models import Program
from between.indicators import charts, periods, repository
from between.indicators.actions import data_as_of
from between.indicators.forms import CHART_CHOICES, RULE_CHOICES
from between.indicators.models import Intervention
from between.indicators.registry import DIMENSIONS, Indicator
from between.indicators.repository import Cell, Scope
from between.stats import disclosure, spc
from between.stats.rules import RuleSet

SIGNAL_LABELS = {
    "outside_limits": _lazy("outside the limits"),
    "long_run": _lazy("long run"),
    "few_crossings": _lazy("few crossings"),
    "shift": _lazy("shift"),
    "trend": _lazy("trend"),
    "too_few_runs": _lazy("too few runs"),
    "too_many_runs": _lazy("too many runs"),
    "two_of_three_beyond_2_sigma": _lazy("2 of 3 near a limit"),
}
# Signals that single out points; the others (too few crossings or runs) concern the phase.
POINT_SIGNALS = frozenset(
    {"outside_limits", "long_run", "shift", "trend", "two_of_three_beyond_2_sigma"}
)


class ChartError(ValueError):
    """The chart cannot be drawn as asked (e.g. a baseline longer than the first phase)."""


@dataclass
class Row:
    """One line of a table: a period of the series, or a group of the breakdown."""

    label: str
    numerator: int | None
    denominator: int | None
    rate: float | None
    mean_elements: float | None = None
    hidden: str = ""  # why it is not shown: "" (shown), "small" or "complementary"
    center_line: float | None = None
    lower_limit: float | None = None
    upper_limit: float | None = None
    signals: list[str] = field(default_factory=list)
    period: date | None = None
    link: str = ""

    @property
    def signal_labels(self) -> list[str]:
        return [str(SIGNAL_LABELS.get(code, code)) for code in self.signals]

    @property
    def marked(self) -> bool:
        return bool(POINT_SIGNALS.intersection(self.signals))


@dataclass
class Dashboard:
    indicator: Indicator
    grain: str
    start: date
    end: date
    exact: bool
    rows: list[Row]
    total: Row
    breakdown_by: str
    breakdown_rows: list[Row]
    chart_svg: str
    rules_text: str
    runs: dict[str, Any] | None
    data_as_of: datetime | None
    interventions: list[Intervention]
    # What the chart was drawn from, to draw it again as PNG (`chart_png`).
    chart_points: list[charts.ChartPoint] = field(default_factory=list)
    chart_options: dict[str, Any] = field(default_factory=dict)


def _row(label: str, cell: Cell | None, *, period: date | None = None) -> Row:
    if cell is None:
        return Row(label, 0, 0, None, period=period)
    return Row(
        label,
        cell.numerator,
        cell.denominator,
        cell.rate,
        cell.mean_elements,
        period=period,
    )


def _hide(row: Row, reason: str) -> None:
    row.hidden = reason
    row.numerator = row.denominator = None
    row.rate = row.mean_elements = None


def suppress(rows: Sequence[Row], total: Row) -> None:
    """Primary and complementary small-cell suppression of rows that add up to `total`."""
    table = disclosure.suppress_breakdown(
        [(r.numerator or 0, r.denominator or 0) for r in rows],
        max_small=settings.SMALL_CELL_MAX,
    )
    for row, cell in zip(rows, table.rows, strict=True):
        if cell.hidden_because is not None:
            _hide(row, str(cell.hidden_because))
    if table.total.hidden_because is not None:
        _hide(total, str(table.total.hidden_because))


def group_labels(by: str, keys: Sequence[str]) -> dict[str, str]:
    if by == "program":
        names = Program.objects.filter(pk__in=[int(k) for k in keys]).values_list("pk", "name")
        return {str(pk): name for pk, name in names}
    if by == "clinician":
        people = User.objects.filter(pk__in=[int(k) for k in keys])
        return {str(u.pk): u.get_full_name() or u.username for u in people}
    for dimension in DIMENSIONS:
        if dimension.key == by:
            return dict(dimension.choices())
    return {}


def build(
    indicator: Indicator,
    scope: Scope,
    *,
    grain: str,
    start: date,
    end: date,
    exact: bool,
    breakdown_by: str = "",
    chart: str = "p",
    rules: str = "anhoej",
    phases: bool = False,
    baseline: int | None = None,
    exclude: Sequence[str] = (),
    interventions: Sequence[Intervention] = (),
) -> Dashboard:
    cells = repository.series(indicator, grain=grain, start=start, end=end, scope=scope)
    by_period = {c.period: c for c in cells}
    rows = [
        _row(periods.label(grain, p), by_period.get(p), period=p)
        for p in periods.periods(grain, start, end)
        if p <= end
    ]
    total_cell = Cell(
        None,
        "",
        sum(c.numerator for c in cells),
        sum(c.denominator for c in cells),
        sum(c.elements for c in cells),
    )
    total = _row(_("All"), total_cell)
    if not exact:
        suppress(rows, total)
        if grain == "quarter":
            _hide_quarters_with_hidden_months(indicator, scope, start, end, rows, total)

    breakdown_rows: list[Row] = []
    if breakdown_by:
        groups = repository.breakdown(
            indicator, by=breakdown_by, grain=grain, start=start, end=end, scope=scope
        )
        labels = group_labels(breakdown_by, [g.group for g in groups])
        breakdown_rows = [_row(labels.get(g.group, g.group or _("Unknown")), g) for g in groups]
        if breakdown_by == "clinician" and exact:
            for row, group in zip(breakdown_rows, groups, strict=True):
                row.link = reverse("indicators:clinician", args=[int(group.group)])
        if not exact:
            group_total = _row(_("All"), total_cell)
            suppress(breakdown_rows, group_total)
            # Both tables add up to one total. If either must hide it, the other table's rows
            # would give it away (and with it a hidden row of the first): hide everything.
            if group_total.hidden or total.hidden:
                for row in [*rows, *breakdown_rows, total]:
                    if not row.hidden:
                        _hide(row, "complementary")

    shown = [r for r in rows if not r.hidden and r.denominator]
    unknown = set(exclude) - {r.label for r in rows}
    if unknown:
        raise ChartError(
            _("These periods are not on the chart: %(periods)s.")
            % {"periods": ", ".join(sorted(unknown))}
        )
    try:
        result = _control_chart(
            shown,
            grain,
            chart,
            rules,
            interventions if phases else (),
            baseline=baseline,
            exclude=set(exclude),
        )
    except ValueError as error:
        # between/stats explains in English (it has no translations); say what failed here.
        raise ChartError(
            _("The chart cannot be drawn this way: %(reason)s") % {"reason": error}
        ) from error
    chart_points, chart_options = _chart_inputs(indicator, shown, result, interventions, start)
    chart_svg = charts.indicator_svg(chart_points, **chart_options) if chart_points else ""
    return Dashboard(
        indicator=indicator,
        grain=grain,
        start=start,
        end=end,
        exact=exact,
        rows=rows,
        total=total,
        breakdown_by=breakdown_by,
        breakdown_rows=breakdown_rows,
        chart_svg=chart_svg,
        chart_points=chart_points,
        chart_options=chart_options,
        rules_text=_rules_text(result),
        runs=asdict(result.runs) if result else None,
        data_as_of=data_as_of(),
        interventions=list(interventions),
    )


def _chart_inputs(
    indicator: Indicator,
    shown: list[Row],
    result: spc.ControlChart | None,
    interventions: Sequence[Intervention],
    start: date,
) -> tuple[list[charts.ChartPoint], dict[str, Any]]:
    """The points and options of the chart (no points: nothing to draw)."""
    points = [
        charts.ChartPoint(
            period=r.period or start,
            label=r.label,
            proportion=r.rate or 0.0,
            center_line=r.center_line,
            lower_limit=r.lower_limit,
            upper_limit=r.upper_limit,
            signal=r.marked,
        )
        for r in shown
    ]
    options = {
        "title": str(indicator.title),
        "subtitle": _chart_subtitle(result),
        "reference_lines": [
            charts.ChartLine(line.value, str(line.label)) for line in indicator.reference_lines
        ],
        "events": [charts.ChartEvent(i.started_on, i.label) for i in interventions],
    }
    return points, options


def chart_png(dashboard: Dashboard, scale: float = 2.0) -> bytes | None:
    """The dashboard's chart as PNG, for documents (None when there is nothing to draw)."""
    if not dashboard.chart_points:
        return None
    spec = charts.indicator_chart(dashboard.chart_points, **dashboard.chart_options)
    return charts.render_png(spec, scale=scale)


def _control_chart(
    shown: list[Row],
    grain: str,
    chart: str,
    rules: str,
    interventions: Sequence[Intervention],
    *,
    baseline: int | None = None,
    exclude: Collection[str] = (),
) -> spc.ControlChart | None:
    """SPC limits and signals for the shown points; a new phase at each intervention."""
    if not shown:
        return None
    starts: set[int] = set()
    for intervention in interventions:
        begins = periods.period_start(grain, intervention.started_on)
        first = next((i for i, r in enumerate(shown) if r.period and r.period >= begins), None)
        if first:
            starts.add(first)
    result = spc.control_chart(
        [r.numerator or 0 for r in shown],
        [r.denominator or 0 for r in shown],
        [r.label for r in shown],
        chart=cast(spc.ChartType, chart),
        rules=cast(RuleSet, rules),
        phase_starts=sorted(starts),
        baseline=baseline,
        exclude=[i for i, r in enumerate(shown) if r.label in exclude],
    )
    for row, point in zip(shown, result.points, strict=True):
        row.center_line = point.center_line
        row.lower_limit = point.lower_limit
        row.upper_limit = point.upper_limit
        row.signals = list(point.signals)
    return result


def _chart_subtitle(result: spc.ControlChart | None) -> str:
    if result is None:
        return ""
    return _("%(chart)s; signals: %(rules)s") % {
        "chart": dict(CHART_CHOICES)[result.chart],
        "rules": dict(RULE_CHOICES)[result.rules],
    }


def _rules_text(result: spc.ControlChart | None) -> str:
    if result is None:
        return ""
    return f"{result.chart_description}; {result.rules_description}"


def _hide_quarters_with_hidden_months(
    indicator: Indicator, scope: Scope, start: date, end: date, rows: list[Row], total: Row
) -> None:
    """A quarter is the sum of its months: if the monthly view hides a month, the quarter (and
    its total) must not let anyone subtract the shown months from it."""
    months = [
        _row(periods.label("month", c.period), c, period=c.period)
        for c in repository.series(indicator, grain="month", start=start, end=end, scope=scope)
        if c.period is not None
    ]
    month_total = Row(
        _("All"),
        sum(m.numerator or 0 for m in months),
        sum(m.denominator or 0 for m in months),
        None,
    )
    suppress(months, month_total)
    hidden_quarters = {
        periods.period_start("quarter", m.period) for m in months if m.hidden and m.period
    }
    for row in rows:
        if row.period in hidden_quarters and not row.hidden:
            _hide(row, "complementary")
    # The monthly view hid its total because a hidden month could be pinned with it: the
    # quarterly view must not print that same total.
    if month_total.hidden and not total.hidden:
        _hide(total, "complementary")
