"""Configuration only: the barrier and strategy catalogs. Library items are edited on the
library pages (every save is a new version); assignments, logs and reviews change only through
actions, which check access and audit."""

from django.contrib import admin

from between.homework.models import Barrier, Strategy


@admin.register(Barrier, Strategy)
class CatalogAdmin(admin.ModelAdmin):
    list_display = ["code", "label_en", "label_es", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["code", "label_en", "label_es"]
