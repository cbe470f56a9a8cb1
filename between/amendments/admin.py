"""Amendment requests are read-only in the admin site, by ids and dates: the family's words,
the amendment and the reason are clinical content and stay on the client's pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from between.amendments.models import AmendmentRequest

FIELDS = (
    "client_id",
    "record_type",
    "record_id",
    "requested_by",
    "received_on",
    "status",
    "recorded_by",
    "created_at",
    "decided_by",
    "decided_at",
    "disagreement_at",
)


@admin.register(AmendmentRequest)
class AmendmentRequestAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "client_id",
        "record_type",
        "record_id",
        "status",
        "received_on",
        "decided_at",
    ]
    list_filter = ["status", "record_type"]
    search_fields = ["=id", "=client__id"]
    fields = FIELDS
    readonly_fields = FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
