"""Indicators: one registry of definitions, a summary table of counts, SPC charts and dashboards."""
