"""Review tools in the admin site: administrators add a version with new items (other
documentation standards) without code. A version a cycle has used is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from between.audits import actions
from between.audits.models import ReviewCycle, ReviewItem, ReviewTool, ToolVersion


def _in_use(version: ToolVersion | None) -> bool:
    return version is not None and ReviewCycle.objects.filter(tool_version=version).exists()


class ReviewItemInline(admin.StackedInline):
    model = ReviewItem
    extra = 1

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj)


@admin.register(ReviewTool)
class ReviewToolAdmin(admin.ModelAdmin):
    list_display = ["key", "name_en"]


@admin.register(ToolVersion)
class ToolVersionAdmin(admin.ModelAdmin):
    list_display = ["tool", "number", "created_at"]
    fields = ["tool", "number"]
    inlines = [ReviewItemInline]
    actions = ["copy_as_new_version"]

    @admin.action(description=_("Copy as a new version, to edit its items"))
    def copy_as_new_version(self, request: HttpRequest, queryset: QuerySet[ToolVersion]) -> None:
        for version in queryset.select_related("tool"):
            copy = actions.copy_tool_version(request.user, version)  # type: ignore[arg-type]
            self.message_user(
                request,
                _("%(tool)s version %(number)s was created from version %(source)s.")
                % {"tool": copy.tool, "number": copy.number, "source": version.number},
                messages.SUCCESS,
            )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj)
