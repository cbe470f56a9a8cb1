"""docs/indicators.md is generated from the registry; these fail when the two disagree."""

from __future__ import annotations

from pathlib import Path

from between.indicators import docs, registry
from between.indicators.models import IndicatorCount

DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
REGENERATE = "run: python -m between.indicators.docs > docs/indicators.md"


def test_it_matches_the_registry() -> None:
    assert DOC.read_text(encoding="utf-8") == docs.render(), REGENERATE


def test_it_describes_every_indicator() -> None:
    text = DOC.read_text(encoding="utf-8")
    for indicator in registry.INDICATORS:
        assert f"(`{indicator.key}`)" in text
        assert str(indicator.numerator_text) in text


def test_it_describes_every_summary_column() -> None:
    columns = {
        field.name for field in IndicatorCount._meta.concrete_fields if not field.primary_key
    }
    assert columns == set(docs.SUMMARY_COLUMNS), "describe each column in indicators/docs.py"
