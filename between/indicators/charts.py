"""One chart spec for an indicator's SPC chart, rendered to SVG without a browser.

The spec is Vega-Lite built with Altair; vl-convert renders it to SVG for pages and to PNG for
the Word report (issue 7), so a chart looks the same everywhere. Rendering costs about 0.1 s,
so SVGs are cached by the hash of their spec: the same data draws once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import altair as alt
import vl_convert
from django.core.cache import cache
from django.utils.translation import gettext as _

# Colours meet WCAG AA against white (3:1 for graphics); signals also differ by shape.
INK = "#1f2937"
LIMIT = "#6b7280"
SIGNAL = "#b91c1c"
REFERENCE = "#1d4ed8"
INTERVENTION = "#047857"


@dataclass(frozen=True)
class ChartPoint:
    period: date
    label: str
    proportion: float
    center_line: float | None
    lower_limit: float | None
    upper_limit: float | None
    signal: bool
    excluded: bool = False


@dataclass(frozen=True)
class ChartLine:
    value: float
    label: str


@dataclass(frozen=True)
class ChartEvent:
    day: date
    label: str


def indicator_chart(
    points: Sequence[ChartPoint],
    *,
    title: str,
    subtitle: str,
    reference_lines: Sequence[ChartLine] = (),
    events: Sequence[ChartEvent] = (),
    width: int = 640,
    height: int = 280,
) -> dict[str, Any]:
    """The Vega-Lite spec of an SPC chart: the rate, its centre line and limits, reference
    lines, interventions and the points that signal."""
    values = [
        {
            "period": p.period.isoformat(),
            "label": p.label,
            "rate": p.proportion,
            "center": p.center_line,
            "lower": p.lower_limit,
            "upper": p.upper_limit,
            "status": _("signal") if p.signal else (_("excluded") if p.excluded else _("usual")),
        }
        for p in points
    ]
    data = alt.Data(values=values)
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    y_scale = alt.Scale(domain=[0, 1])
    percent = alt.Axis(format="%", title=None, grid=True)
    base = alt.Chart(data)
    layers: list[Any] = [
        base.mark_line(color=LIMIT, strokeDash=[4, 3], interpolate="step-after").encode(
            x=x, y=alt.Y("upper:Q", scale=y_scale, axis=percent)
        ),
        base.mark_line(color=LIMIT, strokeDash=[4, 3], interpolate="step-after").encode(
            x=x, y=alt.Y("lower:Q", scale=y_scale)
        ),
        base.mark_line(color=LIMIT, interpolate="step-after").encode(
            x=x, y=alt.Y("center:Q", scale=y_scale)
        ),
        base.mark_line(color=INK).encode(x=x, y=alt.Y("rate:Q", scale=y_scale)),
        base.mark_point(filled=True, size=60).encode(
            x=x,
            y=alt.Y("rate:Q", scale=y_scale),
            shape=alt.Shape(
                "status:N",
                scale=alt.Scale(
                    domain=[_("usual"), _("signal"), _("excluded")],
                    range=["circle", "diamond", "cross"],
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=[_("usual"), _("signal"), _("excluded")], range=[INK, SIGNAL, LIMIT]
                ),
                legend=None,
            ),
        ),
    ]
    if reference_lines:
        lines = alt.Chart(
            alt.Data(values=[{"y": r.value, "text": r.label} for r in reference_lines])
        )
        layers.append(lines.mark_rule(color=REFERENCE, strokeDash=[1, 2]).encode(y=alt.Y("y:Q")))
        layers.append(
            lines.mark_text(align="left", dx=4, dy=-6, color=REFERENCE, x=0).encode(
                y=alt.Y("y:Q"), text="text:N"
            )
        )
    if events:
        marks = alt.Chart(
            alt.Data(values=[{"x": e.day.isoformat(), "text": e.label} for e in events])
        )
        layers.append(marks.mark_rule(color=INTERVENTION).encode(x=alt.X("x:T")))
        layers.append(
            marks.mark_text(align="left", angle=0, dx=3, y=8, color=INTERVENTION).encode(
                x=alt.X("x:T"), text="text:N"
            )
        )
    chart = alt.layer(*layers).properties(
        width=width,
        height=height,
        title=alt.Title(text=title, subtitle=subtitle, anchor="start"),
        description=f"{title}. {subtitle}",
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


def render_svg(spec: dict[str, Any]) -> str:
    """The chart as SVG text, cached by the spec's hash."""
    return _cached(_key(spec), lambda: spec)


def indicator_svg(points: Sequence[ChartPoint], **options: Any) -> str:
    """`render_svg(indicator_chart(points, **options))`, cached by its inputs: building the spec
    (Altair validates it) costs more than reading the summary, so a cache hit skips it too."""
    key = _key({"points": [asdict(p) for p in points], "options": options, "v": SPEC_VERSION})
    return _cached(key, lambda: indicator_chart(points, **options))


# Change when indicator_chart draws differently, so cached SVGs are not reused.
SPEC_VERSION = 1


def _key(value: Any) -> str:
    payload = json.dumps(value, sort_keys=True, default=str)
    return "chart-svg:" + hashlib.sha256(payload.encode()).hexdigest()


def _cached(key: str, spec: Callable[[], dict[str, Any]]) -> str:
    svg: str | None = cache.get(key)
    if svg is None:
        svg = str(vl_convert.vegalite_to_svg(spec()))
        cache.set(key, svg, timeout=24 * 3600)
    return svg


def render_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    """The chart as PNG (for documents that cannot hold SVG)."""
    png: bytes = vl_convert.vegalite_to_png(spec, scale=scale)
    return png
