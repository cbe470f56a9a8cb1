from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from between.accounts.models import AuditEvent, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["program"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "last_login"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Preferences", {"fields": ["preferred_language"]}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "role", "has_record_access", "created_at"]
    list_filter = ["role", "has_record_access", "program"]
    search_fields = ["user__username", "user__last_name", "program__name"]
    autocomplete_fields = ["user", "program"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Search the audit trail by person, client id, action, outcome and date. Read-only."""

    list_display = [
        "at",
        "actor",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "client_id",
        "ip_address",
    ]
    list_filter = ["action", "outcome", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["=actor__username", "=object_id", "=client_id", "=ip_address"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
