"""Configuration only: organizations and programs. Clinical records (clients, sessions, notes)
are not in the admin site: they change through actions, which check access and audit."""

from django.contrib import admin

from between.clinic.models import Organization, Program


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "organization", "is_active"]
    list_filter = ["kind", "is_active", "organization"]
    search_fields = ["name", "code"]
