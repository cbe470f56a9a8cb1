"""The outbox (every message, read-only), inbound texts (read-only), reminder plans and alerts.

In development (BETWEEN_SMS_BACKEND=outbox) the message list is where sent texts can be read.
Messages and inbound texts change only through actions and the worker.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from between.notify.models import Alert, InboundMessage, Message, ReminderPlan


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "channel",
        "kind",
        "to_address",
        "language",
        "status",
        "due_at",
        "sent_at",
        "attempts",
        "error",
    ]
    list_filter = [
        "status",
        "channel",
        "kind",
        "language",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["to_address", "provider_id"]
    date_hierarchy = "created_at"
    list_select_related = False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "received_at", "from_number", "outcome", "caregiver_id", "assignment_id"]
    list_filter = ["outcome", ("received_at", admin.DateFieldListFilter)]
    search_fields = ["from_number", "provider_id"]


@admin.register(ReminderPlan)
class ReminderPlanAdmin(ReadOnlyAdmin):
    """Families and clinicians set plans on their pages (set_reminder_plan checks access)."""

    list_display = [
        "id",
        "assignment_id",
        "caregiver_id",
        "weekday_list",
        "time_of_day",
        "is_active",
    ]
    list_filter = ["is_active"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "recipient", "kind", "client_id", "read_at"]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter)]
