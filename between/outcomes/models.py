"""Outcome instruments and their administrations.

An instrument is data: its items, answer options and scoring rules are JSON in the shape of
data/instruments.json, scored by `outcomes/scoring.py`. Items are kept as one JSON list on the
instrument rather than rows of their own: they are read and scored only as a whole, answers
refer to them by key, the admin shows them read-only once forms have been given (a changed
instrument is a new version, never an edit), and the same JSON validates with the seed checker.

An administration stores the raw answers and the scores computed when it was recorded (with
the age used and whether the form could be scored), so a list or an analysis never rescores.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Instrument(models.Model):
    key = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=200)
    name_es = models.CharField(max_length=200)
    respondent = models.CharField(max_length=24, default="caregiver")
    version = models.CharField(max_length=120)
    source = models.TextField(blank=True)
    license_note_en = models.TextField()
    license_note_es = models.TextField()
    notes_en = models.TextField(blank=True)
    notes_es = models.TextField(blank=True)
    instructions_en = models.TextField(blank=True)
    instructions_es = models.TextField(blank=True)
    higher_is_better = models.BooleanField()
    options = models.JSONField()
    items = models.JSONField()
    scoring = models.JSONField()
    intervals_days = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name_en

    @property
    def definition(self) -> dict[str, Any]:
        """The fields `scoring.score` reads."""
        return {"options": self.options, "items": self.items, "scoring": self.scoring}

    def text(self, stem: str, language: str) -> str:
        """name, license_note, notes or instructions in the language (English otherwise)."""
        suffix = "es" if language.startswith("es") else "en"
        return str(getattr(self, f"{stem}_{suffix}"))


class Occasion(models.TextChoices):
    INTAKE = "intake", _("Intake")
    FOLLOW_UP = "follow_up", _("Follow-up")


class Source(models.TextChoices):
    PORTAL = "portal", _("Family portal")
    CLINICIAN = "clinician", _("Clinician entry")


class Administration(models.Model):
    """One completed form: who answered what for which child, and the scores it gave."""

    client = models.ForeignKey(
        "clinic.Client", on_delete=models.CASCADE, related_name="administrations"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="administrations"
    )
    occasion = models.CharField(_("occasion"), max_length=16, choices=Occasion.choices)
    administered_on = models.DateField(_("date answered"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    language = models.CharField(_("language"), max_length=8, default="en")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # item key -> option value, or null for a blank item.
    answers = models.JSONField(default=dict)
    # The child's age on the day, which decides the PSC-35's age rule.
    age_years = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.FloatField(_("total score"), null=True, blank=True)
    subscales = models.JSONField(default=dict)
    missing_count = models.PositiveSmallIntegerField(default=0)
    is_valid = models.BooleanField(default=True)
    invalid_reason = models.CharField(max_length=200, blank=True)
    # Set by the portal form, so a resubmitted form finds the administration it made.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-administered_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_valid=False) | Q(total__isnull=False),
                name="administration_valid_has_total",
            )
        ]
        indexes = [
            # The client's list (newest first) and the analysis's intake / follow-up pairs.
            models.Index(
                fields=["client", "instrument", "administered_on"], name="administration_client"
            ),
            # The analysis page: every administration of one instrument.
            models.Index(
                fields=["instrument", "occasion", "administered_on"],
                name="administration_instrument",
            ),
        ]

    def __str__(self) -> str:
        return f"administration {self.pk} ({self.occasion})"
