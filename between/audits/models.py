"""Medical Records Review: versioned review tools, cycles, the drawn sample, reviewers' answers.

A cycle draws a reproducible sample of sessions (by its seed); a share of the sample is given
to two reviewers independently, so agreement can be measured. Answers are raw (yes / no / not
applicable per item); rates and kappa are computed when shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewTool(models.Model):
    """A questionnaire the reviewers answer for each sampled record."""

    key = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=120)
    name_es = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name_en


class ToolVersion(models.Model):
    """One version of a tool's items. A version used by a cycle is never edited: a change is
    a new version, so a cycle's results always mean the questions it asked."""

    tool = models.ForeignKey(ReviewTool, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tool", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "number"], name="tool_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tool.key} v{self.number}"


class ReviewItem(models.Model):
    version = models.ForeignKey(ToolVersion, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    question_en = models.TextField()
    question_es = models.TextField()
    guidance_en = models.TextField(blank=True)
    guidance_es = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="review_item_unique")
        ]

    def __str__(self) -> str:
        return self.key


class SamplingRule(models.TextChoices):
    PER_CLINICIAN = "per_clinician", _("A number of sessions per clinician")
    SHARE = "share", _("A share of all sessions")
    PER_PROGRAM = "per_program", _("A number of sessions per program")


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SAMPLED = "sampled", _("Sample drawn")
    CLOSED = "closed", _("Closed")


class ReviewCycle(models.Model):
    """One round of the review: which sessions, how many, who reviews, and the seed that
    makes the sample reproducible."""

    name = models.CharField(_("name"), max_length=120)
    organization = models.ForeignKey(
        "clinic.Organization", on_delete=models.PROTECT, related_name="+"
    )
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("sessions from"))
    period_end = models.DateField(_("sessions until"))
    programs = models.ManyToManyField("clinic.Program", related_name="+")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    sampling_rule = models.CharField(
        _("sampling rule"), max_length=16, choices=SamplingRule.choices
    )
    # Sessions per clinician or per program; the share for SamplingRule.SHARE.
    sample_size = models.PositiveIntegerField(_("sessions per stratum"), null=True, blank=True)
    sample_share = models.FloatField(_("share of sessions"), null=True, blank=True)
    seed = models.PositiveIntegerField(_("seed"))
    double_share = models.FloatField(_("share reviewed twice"), default=0.2)
    status = models.CharField(max_length=8, choices=CycleStatus.choices, default="draft")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sampled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="cycle_period_order"
            ),
            models.CheckConstraint(
                condition=Q(double_share__gte=0) & Q(double_share__lte=1),
                name="cycle_double_share_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SampledSession(models.Model):
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="sample")
    session = models.ForeignKey("clinic.Session", on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=40, blank=True)
    position = models.PositiveIntegerField()
    is_double = models.BooleanField(default=False)

    class Meta:
        ordering = ["cycle", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "session"], name="sampled_session_unique")
        ]

    def __str__(self) -> str:
        return f"cycle {self.cycle_id} #{self.position}"


class RecordReview(models.Model):
    """One reviewer's review of one sampled record (two for records reviewed twice)."""

    sampled = models.ForeignKey(SampledSession, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sampled", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sampled", "reviewer"], name="record_review_unique")
        ]
        indexes = [models.Index(fields=["reviewer", "submitted_at"], name="review_queue")]

    def __str__(self) -> str:
        return f"review {self.pk}"


class AnswerChoice(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_APPLICABLE = "na", _("Not applicable")


class ItemAnswer(models.Model):
    review = models.ForeignKey(RecordReview, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=4, choices=AnswerChoice.choices)
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="item_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.answer}"


class CorrectiveAction(models.Model):
    """What the county will do about a finding: an owner, a due date, and when it was done."""

    cycle = models.ForeignKey(
        ReviewCycle, on_delete=models.CASCADE, related_name="corrective_actions"
    )
    description = models.CharField(_("what will be done"), max_length=500)
    program = models.ForeignKey(
        "clinic.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:40]


class NoteDetection(models.Model):
    """The note detector's answers for one progress note, stored so the population estimate
    counts rows instead of reading every note on each page view (`between notes scan`)."""

    note = models.OneToOneField(
        "clinic.ProgressNote", on_delete=models.CASCADE, related_name="detection"
    )
    homework_assigned = models.BooleanField()
    homework_reviewed = models.BooleanField()
    detector_version = models.PositiveIntegerField()
    scanned_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"detection of note {self.note_id}"


class LearnedDetector(models.Model):
    """A model trained on reviewers' answers (`between notes train`). It only suggests: a
    reviewer's answer is never changed by it. The bytes are our own pickled model, never
    anything uploaded."""

    version = models.CharField(max_length=120)
    trained_on = models.PositiveIntegerField()
    metrics = models.JSONField(default=dict)
    model = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.version
