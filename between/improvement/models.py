"""Performance Improvement Projects (CMS External Quality Review Protocol 1, 2019).

A PIP names its indicators from the registry (never its own copy of a rule), its programs, and
its measurement periods: one baseline and one or more remeasurements. Locking a period freezes
its numbers per clinician (`FrozenCount`), so a submitted report never changes; later data
corrections are shown beside it as a note, never written into it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Pip(models.Model):
    organization = models.ForeignKey(
        "clinic.Organization", on_delete=models.PROTECT, related_name="+"
    )
    programs = models.ManyToManyField("clinic.Program", related_name="+")
    title = models.CharField(_("title"), max_length=160)
    # Protocol 1, step by step. Every narrative is editable; the numbers are not.
    topic = models.TextField(_("topic"), blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    aim = models.TextField(_("aim statement"), blank=True)
    study_question = models.TextField(_("study question"), blank=True)
    population = models.TextField(_("population"), blank=True)
    sampling = models.TextField(_("sampling"), blank=True)
    data_collection = models.TextField(_("data collection"), blank=True)
    strategies = models.TextField(_("improvement strategies"), blank=True)
    interpretation = models.TextField(_("analysis and interpretation"), blank=True)
    # Registry keys; the first is the primary indicator.
    indicator_keys = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "PIP"

    def __str__(self) -> str:
        return self.title

    @property
    def primary_indicator(self) -> str:
        return str(self.indicator_keys[0]) if self.indicator_keys else ""


class PeriodKind(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    REMEASUREMENT = "remeasurement", _("Remeasurement")


class PipPeriod(models.Model):
    pip = models.ForeignKey(Pip, on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(max_length=16, choices=PeriodKind.choices)
    label = models.CharField(_("label"), max_length=60)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pip", "start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pip"], condition=Q(kind="baseline"), name="pip_one_baseline"
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="pip_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.start} – {self.end})"

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class FrozenCount(models.Model):
    """A locked period's numerator and denominator for one indicator and one clinician (the
    clusters of the clustered analysis; the period's figure is their sum)."""

    period = models.ForeignKey(PipPeriod, on_delete=models.CASCADE, related_name="frozen")
    indicator_key = models.CharField(max_length=40)
    clinician_ref = models.PositiveIntegerField()
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "indicator_key", "clinician_ref"], name="frozen_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_key} {self.numerator}/{self.denominator}"
