"""Imports from the EHR: saved column mappings, one record per import run, and staff ids.

A batch never holds data from the file beyond counts and, for bad rows, the line number and a
reason (a reason may name an EHR id, never a name, a date of birth or note text).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PROGRAMS = "programs", _("Programs")
    STAFF = "staff", _("Staff")
    CLIENTS = "clients", _("Clients")
    CAREGIVERS = "caregivers", _("Caregivers")
    SESSIONS = "sessions", _("Sessions")
    NOTES = "notes", _("Progress notes")


class ImportProfile(models.Model):
    """A saved column mapping for one kind of file from one EHR export (reused by name)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    # Our field name → the header of their column, e.g. {"client_id": "MRN"}.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    # A strptime format tried before the usual US formats, e.g. "%d-%b-%Y".
    date_format = models.CharField(_("date format"), max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class BatchStatus(models.TextChoices):
    VALIDATED = "validated", _("Validated")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Failed")


class ImportBatch(models.Model):
    """One import of one file: its validation report, then its commit (all rows or none)."""

    organization = models.ForeignKey(
        "clinic.Organization", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    profile = models.ForeignKey(
        ImportProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [[line, reason], ...] for the first bad rows (see actions.MAX_LISTED_ERRORS).
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    validated_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A re-run of an interrupted import finds its uncommitted batch by file hash.
            models.Index(fields=["organization", "kind", "sha256"], name="import_batch_file"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"

    @property
    def is_committable(self) -> bool:
        return self.status == BatchStatus.VALIDATED and self.error_count == 0


class StaffLink(models.Model):
    """The EHR's id of a staff member, so session files can name clinicians by it."""

    organization = models.ForeignKey(
        "clinic.Organization", on_delete=models.CASCADE, related_name="+"
    )
    ehr_id = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ehr_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "ehr_id"], name="staff_link_unique"),
            models.UniqueConstraint(fields=["organization", "user"], name="staff_link_user_unique"),
        ]

    def __str__(self) -> str:
        return f"staff {self.ehr_id}"
