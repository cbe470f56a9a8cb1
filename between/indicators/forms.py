"""The dashboard's filters: which indicator, which months, which breakdown, which chart."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from between.indicators import periods
from between.indicators.registry import DIMENSIONS, INDICATORS

GRAIN_CHOICES = [("week", _("Week")), ("month", _("Month")), ("quarter", _("Quarter"))]
CHART_CHOICES = [
    ("p", _("p-chart")),
    ("laney", _("Laney p′-chart (many sessions per point)")),
    ("run", _("Run chart")),
]
RULE_CHOICES = [
    ("anhoej", _("Anhøj runs rules")),
    ("ihi", _("IHI run-chart rules")),
    ("nhs", _("NHS Making Data Count")),
]
DEFAULT_MONTHS = 24


def month_of(value: str) -> date:
    return date.fromisoformat(f"{value}-01")


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month input sends that)."""

    widget = forms.DateInput(attrs={"type": "month"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        value = super().to_python(value)
        if not value:
            return None
        try:
            return month_of(value)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class DashboardForm(forms.Form):
    indicator = forms.ChoiceField(
        label=_("Indicator"), choices=[(i.key, i.title) for i in INDICATORS]
    )
    start = MonthField(label=_("From"), required=False)
    end = MonthField(label=_("To"), required=False)
    grain = forms.ChoiceField(label=_("Each point is a"), choices=GRAIN_CHOICES)
    breakdown = forms.ChoiceField(label=_("Break down by"), required=False)
    chart = forms.ChoiceField(label=_("Chart"), choices=CHART_CHOICES)
    rules = forms.ChoiceField(label=_("Signal rules"), choices=RULE_CHOICES)
    phases = forms.BooleanField(label=_("New limits from each intervention"), required=False)
    baseline = forms.IntegerField(
        label=_("Freeze limits from the first points"),
        help_text=_("How many points; the limits then stay where those points put them."),
        required=False,
        min_value=2,
        max_value=520,
    )
    exclude = forms.CharField(
        label=_("Leave out of the limits"),
        help_text=_("Periods as shown in the table, separated by commas (e.g. 2025-07)."),
        required=False,
        max_length=200,
    )

    def __init__(
        self, data: Any, *, today: date, breakdowns: list[tuple[str, str]], allow_weeks: bool
    ) -> None:
        defaults = {"indicator": INDICATORS[0].key, "grain": "month", "chart": "p"}
        defaults["rules"] = "anhoej"
        merged = {**defaults, **{k: v for k, v in data.items() if v not in ("", None)}}
        super().__init__(merged)
        self.today = today
        self.allow_weeks = allow_weeks
        breakdown = self.fields["breakdown"]
        grain = self.fields["grain"]
        assert isinstance(breakdown, forms.ChoiceField) and isinstance(grain, forms.ChoiceField)
        breakdown.choices = [("", _("Nothing")), *breakdowns]
        if not allow_weeks:
            grain.choices = [c for c in GRAIN_CHOICES if c[0] != "week"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or periods.period_start("month", self.today)
        start = data.get("start")
        if start is None:
            year, month = end.year, end.month - DEFAULT_MONTHS + 1
            while month < 1:
                year, month = year - 1, month + 12
            start = date(year, month, 1)
        if data.get("grain") == "week" and data.get("breakdown") in DIMENSION_TITLES:
            self.add_error(
                "breakdown", _("Weekly points are not split by this; choose month or quarter.")
            )
        if start > end:
            raise forms.ValidationError(_("The first month must come before the last."))
        if (end.year - start.year) * 12 + end.month - start.month >= 120:
            raise forms.ValidationError(_("Choose at most ten years."))
        data["start"] = start
        data["end"] = periods.period_end("month", end)
        data["exclude"] = [p.strip() for p in (data.get("exclude") or "").split(",") if p.strip()]
        return data


DIMENSION_TITLES = {d.key: d.title for d in DIMENSIONS}
