"""Instruments in the admin site (configuration, an administrator's job).

An instrument's items, options and scoring become read-only once a form has been given with
them (a change would silently change what old scores mean: make a new instrument instead).
Administrations are clinical records: they stay out of the admin site (DESIGN: the admin site
holds configuration), and change only through outcomes/actions.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from between.outcomes.models import Instrument

DEFINITION_FIELDS = ("key", "options", "items", "scoring", "higher_is_better")


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["key", "name_en", "version", "is_active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.administrations.exists():
            return DEFINITION_FIELDS
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.administrations.exists()
