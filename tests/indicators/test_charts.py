"""The chart spec renders to SVG without a browser, says what it shows, and is cached."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
from django.core.cache import caches
from django.test import override_settings

from between.indicators import charts


def spec(title: str = "Homework assigned in session") -> dict[str, object]:
    points = [
        charts.ChartPoint(
            date(2026, m, 1), f"2026-{m:02d}", 0.1 + m / 100, 0.15, 0.05, 0.25, m == 9
        )
        for m in range(1, 10)
    ]
    return charts.indicator_chart(
        points,
        title=title,
        subtitle="p-chart; signals: Anhøj runs rules",
        reference_lines=[charts.ChartLine(0.13, "County baseline 13%")],
        events=[charts.ChartEvent(date(2026, 5, 1), "Homework training")],
    )


def test_it_draws_every_part_of_the_chart_as_svg() -> None:
    svg = charts.render_svg(spec())
    assert svg.startswith("<svg")
    for text in ("Homework assigned in session", "County baseline 13%", "Homework training"):
        assert text in svg
    assert 'aria-label="' in svg or "<title>" in svg or "role=" in svg


def test_it_renders_the_same_spec_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = charts.vl_convert.vegalite_to_svg

    def counting(value: dict[str, object]) -> str:
        calls.append(1)
        return str(real(value))

    monkeypatch.setattr(charts.vl_convert, "vegalite_to_svg", counting)
    unique = spec(title=f"Chart {uuid.uuid4()}")
    assert charts.render_svg(unique) == charts.render_svg(unique)
    assert len(calls) == 1


def test_it_makes_a_png_for_documents() -> None:
    assert charts.render_png(spec()).startswith(b"\x89PNG")


REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
    }
}


def test_it_shares_rendered_charts_through_redis_when_configured() -> None:
    with override_settings(CACHES=REDIS):
        cache = caches["default"]
        try:
            cache.set("between-probe", 1, timeout=5)
        except Exception:  # pragma: no cover - depends on the machine
            # CI starts Redis before the suite: there a missing Redis is a failure.
            if os.environ.get("CI") == "true":
                pytest.fail("Redis is not running at 127.0.0.1:6379 (required in CI)")
            pytest.skip("Redis is not running at 127.0.0.1:6379")
        unique = spec(title=f"Chart {uuid.uuid4()}")
        svg = charts.render_svg(unique)
        key = charts._key(unique)
        assert cache.get(key) == svg  # this chart's own entry: the suites may share Redis
        assert charts.render_svg(unique) == svg
        cache.delete(key)
