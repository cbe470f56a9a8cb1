"""Review tools in the admin site: administrators add a version with new items (other
documentation standards) without code. A version a cycle has used is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj)
