from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from between.accounts import audit, mfa
from between.accounts.models import AuditAction, AuditEvent, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["program"]


# Fields of a user whose change is a change of privileges (ONC 170.315(d)(2)).
PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Every privilege change made here (flags, groups, permissions, memberships) and every
    reset of two-step sign-in is an audit event naming the administrator."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "last_login"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Preferences", {"fields": ["preferred_language"]}),
    )
    actions = ["reset_two_step"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        changed = [name for name in PRIVILEGE_FIELDS if name in form.changed_data]
        if changed:
            audit.record(
                request.user,
                AuditAction.PRIVILEGE_CHANGE,
                form.instance,
                request=request,
                detail="user:" + ",".join(changed),
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is not Membership:
            return
        for membership in formset.new_objects:
            _membership_event(request, membership, "grant")
        for membership, _fields in formset.changed_objects:
            _membership_event(request, membership, "change")
        for membership in formset.deleted_objects:
            _membership_event(request, membership, "revoke")

    @admin.action(description=_("Reset two-step sign-in (lost phone)"))
    def reset_two_step(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            mfa.reset(
                request.user if isinstance(request.user, User) else None, user, request=request
            )
        self.message_user(request, _("Two-step sign-in was reset; they set it up at next sign-in."))


def _membership_event(request: HttpRequest, membership: Membership, verb: str) -> None:
    audit.record(
        request.user,
        AuditAction.PRIVILEGE_CHANGE,
        object_type="accounts.user",
        object_id=membership.user_id,
        program_id=membership.program_id,
        request=request,
        detail=f"{verb}:{membership.role}" + (":records" if membership.has_record_access else ""),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "role", "has_record_access", "created_at"]
    list_filter = ["role", "has_record_access", "program"]
    search_fields = ["user__username", "user__last_name", "program__name"]
    autocomplete_fields = ["user", "program"]

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _membership_event(request, obj, "change" if change else "grant")

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        _membership_event(request, obj, "revoke")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset:
            _membership_event(request, membership, "revoke")
        super().delete_queryset(request, queryset)


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
