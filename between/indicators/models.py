"""The indicator summary: numerators and denominators per period, program and clinician.

Dashboards read these rows, never the sessions (ADR 004). The rows are raw counts; every rate,
limit and judgement is computed from them when shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Grain(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class SummaryPeriod(models.Model):
    """One week or month of the summary: open (refreshed with a look-back window) or closed.

    A closed period is never recomputed by the routine refresh: the numbers a report cited
    stay the numbers on the page."""

    grain = models.CharField(max_length=8, choices=Grain.choices)
    start = models.DateField()
    end = models.DateField()  # inclusive
    refreshed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["grain", "start"]
        constraints = [
            models.UniqueConstraint(fields=["grain", "start"], name="summary_period_unique"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.start}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Counts(models.Model):
    """The columns the summary and its program rollup share: one indicator's counts for one
    period and program, whole (`dimension` = "") or for one value of one dimension."""

    indicator = models.CharField(max_length=32)
    grain = models.CharField(max_length=8, choices=Grain.choices)
    period_start = models.DateField()
    # Counts derived from sessions whose own keys are checked: no foreign-key constraint or
    # single-column index of their own. Checking them cost a third of writing a county's
    # open month (87,000 rows: 4.9 -> 2.5 s; bench/, issue 10); the composite indexes
    # serve every read, and Django still deletes a program's or user's rows on CASCADE.
    program = models.ForeignKey(
        "clinic.Program",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    dimension = models.CharField(max_length=24, blank=True)
    value = models.CharField(max_length=24, blank=True)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    # Sum of quality elements over the denominator's assignments (assignment quality only).
    elements = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class IndicatorCount(Counts):
    """Counts of one indicator for one period, program and clinician.

    `dimension` = "" holds the whole (program, clinician) cell; other rows split the same cell
    by one breakdown dimension (diagnosis group, age band, caregiver language, session type),
    so the rows of one dimension add up to the "" row. Week rows hold only dimension "" (weekly
    splits are too small to read and would multiply the table: see ADR 004)."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,  # as the program: see Counts
        db_index=False,
    )

    class Meta:
        constraints = [
            # In this order the constraint's index also serves one program's reads.
            models.UniqueConstraint(
                fields=[
                    "indicator",
                    "grain",
                    "dimension",
                    "program",
                    "period_start",
                    "clinician",
                    "value",
                ],
                name="indicator_count_unique",
            ),
            models.CheckConstraint(
                condition=Q(numerator__lte=models.F("denominator")),
                name="indicator_count_numerator_le_denominator",
            ),
        ]
        indexes = [
            # The clinician dashboard. (Reads with no clinician in scope take the program
            # rollup; a breakdown by clinician reads one program's rows through the unique
            # index. The covering index every dashboard read once used went with the rollup:
            # a fifth of writing a month, issue 10.)
            models.Index(
                fields=["indicator", "grain", "dimension", "clinician", "period_start"],
                name="indicator_count_clinician",
            ),
            # The refresh replaces whole periods.
            models.Index(fields=["grain", "period_start"], name="indicator_count_period"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.grain} {self.period_start}"


class ProgramCount(Counts):
    """`IndicatorCount` summed over clinicians: one program's counts per period and dimension
    value, derived from the summary's own rows by `actions.roll_up` in the same refresh.

    Every read with no clinician in scope and no split by clinician takes these rows (a county
    page reads a tenth of the rows it would read from `IndicatorCount`, and the ratio is the
    clinicians per program, so it holds at state size: bench/, issue 10)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "grain", "dimension", "program", "period_start", "value"],
                name="program_count_unique",
            ),
            models.CheckConstraint(
                condition=Q(numerator__lte=models.F("denominator")),
                name="program_count_numerator_le_denominator",
            ),
        ]
        indexes = [
            # Every program over a date range (the county page), from the index alone.
            models.Index(
                fields=[
                    "indicator",
                    "grain",
                    "dimension",
                    "period_start",
                    "program",
                    "value",
                    "numerator",
                    "denominator",
                    "elements",
                ],
                name="program_count_dashboard",
            ),
            models.Index(fields=["grain", "period_start"], name="program_count_period"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.grain} {self.period_start} program {self.program_id}"


class Intervention(models.Model):
    """A change the county made (a training, supervisor prompts, reminders, feedback reports),
    annotated on the charts at its date and usable as the start of a new chart phase."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        SUPERVISION = "supervision", _("Supervisor prompts")
        REMINDERS = "reminders", _("Reminders")
        FEEDBACK = "feedback", _("Feedback reports")
        OTHER = "other", _("Other")

    label = models.CharField(_("label"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    started_on = models.DateField(_("started on"))
    # Blank: county-wide.
    program = models.ForeignKey(
        "clinic.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.label} ({self.started_on})"
