"""Saved column mappings are configuration: editable in the admin site. Batches are read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from between.interop.imports.models import ImportBatch, ImportProfile


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "date_format", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "file_name", "status", "rows", "error_count", "created_at"]
    list_filter = ["kind", "status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
