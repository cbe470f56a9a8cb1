"""Interventions (the county's changes, annotated on the charts) and the summary's periods.

Summary counts are not in the admin site: they change only through `between refresh_indicators`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from between.indicators.models import Intervention, SummaryPeriod


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "started_on", "program"]
    fields = ["label", "kind", "started_on", "program"]
    list_filter = ["kind", "program"]
    search_fields = ["label"]
    date_hierarchy = "started_on"


@admin.register(SummaryPeriod)
class SummaryPeriodAdmin(admin.ModelAdmin):
    """When each week and month was last refreshed, and which are closed (read-only)."""

    list_display = ["grain", "start", "end", "refreshed_at", "closed_at"]
    list_filter = ["grain"]
    date_hierarchy = "start"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
