"""Grants are read-only in the admin site: they change only through actions (audited).

Designation is the "emergency | emergency access | Can use emergency access" permission on the
user's page of the admin site.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from between.emergency.models import EmergencyAccess


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(admin.ModelAdmin):
    list_display = [
        "granted_at",
        "user",
        "client_id",
        "expires_at",
        "ended_at",
        "review_outcome",
        "reviewed_by",
    ]
    list_filter = ["review_outcome", ("granted_at", admin.DateFieldListFilter)]
    search_fields = ["=user__username", "=client__id"]
    list_select_related = ["user", "reviewed_by"]
    # The client's name and record stay out of the admin site (see tests/clinic); ids only.
    exclude = ["client"]
    readonly_fields = [
        "user",
        "client_id",
        "reason",
        "granted_at",
        "expires_at",
        "ended_at",
        "reviewed_by",
        "reviewed_at",
        "review_outcome",
        "review_note",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
