"""Homework: the library, assignments, practice logs, reviews, barriers and strategies.

The loop: a clinician assigns homework in a session (Assignment, from a library TemplateVersion
or custom), the family logs practice (PracticeLog), and at a later session the clinician reviews
it (Review: completion, barriers, the problem-solving strategy agreed). A session where nothing
is assigned records why (NoHomework), which feeds the indicator's exclusions.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class SkillArea(models.TextChoices):
    RELAXATION = "relaxation", _("Relaxation")
    FEELINGS = "feelings", _("Feelings identification")
    COGNITIVE = "cognitive", _("Cognitive coping")
    PROBLEM_SOLVING = "problem_solving", _("Problem solving")
    EXPOSURE = "exposure", _("Brave practice (exposure)")
    ACTIVATION = "activation", _("Pleasant activities")
    SOCIAL = "social", _("Social skills")
    SELF_MONITORING = "self_monitoring", _("Self-monitoring")
    CAREGIVER = "caregiver", _("Caregiver skills")
    SCHOOL = "school", _("School")
    TRAUMA = "trauma", _("Trauma-focused skills")
    SAFETY = "safety", _("Safety and coping plans")


class Target(models.TextChoices):
    YOUTH = "youth", _("Youth")
    CAREGIVER = "caregiver", _("Caregiver")
    FAMILY = "family", _("Family")


class PracticeFormat(models.TextChoices):
    CHECK = "check", _("Daily check")
    COUNT = "count", _("Count")
    RATING = "rating", _("0–10 rating")
    NOTE = "note", _("Short note")


class HomeworkTemplate(models.Model):
    """A library item's identity. Its content lives in immutable versions."""

    key = models.SlugField(max_length=64, unique=True)
    current = models.ForeignKey(
        "TemplateVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    is_retired = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class TemplateVersion(models.Model):
    """One version of a library item. Never edited: an edit makes a new version, and an
    assignment keeps the version it was given."""

    template = models.ForeignKey(
        HomeworkTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    skill_area = models.CharField(_("skill area"), max_length=24, choices=SkillArea.choices)
    ebp_tags = models.JSONField(_("evidence-based practice tags"), default=list)
    target = models.CharField(_("who practices"), max_length=16, choices=Target.choices)
    age_min = models.PositiveSmallIntegerField(_("youngest age"))
    age_max = models.PositiveSmallIntegerField(_("oldest age"))
    practice_format = models.CharField(
        _("practice format"), max_length=16, choices=PracticeFormat.choices
    )
    frequency_per_week = models.PositiveSmallIntegerField(
        _("times per week"), validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    title_en = models.CharField(max_length=80)
    title_es = models.CharField(max_length=80)
    short_name_en = models.CharField(max_length=24)
    short_name_es = models.CharField(max_length=24)
    rationale_en = models.TextField()
    rationale_es = models.TextField()
    steps_en = models.JSONField(default=list)
    steps_es = models.JSONField(default=list)
    help_en = models.TextField(blank=True)
    help_es = models.TextField(blank=True)
    # Our Spanish was written in-house; a county tracks professional review of it here.
    spanish_needs_review = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique"),
            models.CheckConstraint(
                condition=Q(age_min__lte=models.F("age_max")), name="template_age_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title_en} (v{self.number})"

    def text(self, field: str, language: str | None = None) -> object:
        """A family-facing field in a language (`en` or `es`), defaulting to the active one."""
        lang = (language or get_language() or "en")[:2]
        return getattr(self, f"{field}_{'es' if lang == 'es' else 'en'}")

    @property
    def title(self) -> object:
        return self.text("title")

    @property
    def rationale(self) -> object:
        return self.text("rationale")

    @property
    def steps(self) -> object:
        return self.text("steps")


class Favorite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(HomeworkTemplate, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "template"], name="favorite_unique")]

    def __str__(self) -> str:
        return f"favorite {self.template_id} of {self.user_id}"


class CatalogEntry(models.Model):
    """An item of an editable catalog (barriers, strategies). The county's training on
    problem-solving noncompliance teaches these lists, so admins keep them current."""

    code = models.SlugField(max_length=32, unique=True)
    label_en = models.CharField(max_length=80)
    label_es = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_es if (get_language() or "en")[:2] == "es" else self.label_en


class Barrier(CatalogEntry):
    """Why homework was not (fully) done."""


class Strategy(CatalogEntry):
    """The problem-solving strategy agreed when homework was not (fully) done."""

    class Meta(CatalogEntry.Meta):
        verbose_name_plural = "strategies"


class Assignee(models.TextChoices):
    YOUTH = "youth", _("Youth")
    CAREGIVER = "caregiver", _("Caregiver")
    BOTH = "both", _("Youth and caregiver")


QUALITY_ELEMENTS = (
    "rationale_explained",
    "designed_together",
    "practiced_in_session",
    "written_copy_given",
    "obstacles_discussed",
)


class Assignment(models.Model):
    """Homework given in a session: what, who, how often, until when, in which language, and
    how it was assigned (the quality elements and the family's confidence)."""

    session = models.ForeignKey(
        "clinic.Session", on_delete=models.PROTECT, related_name="assignments"
    )
    client = models.ForeignKey(
        "clinic.Client", on_delete=models.PROTECT, related_name="assignments"
    )
    template_version = models.ForeignKey(
        TemplateVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    custom_title = models.CharField(_("title"), max_length=80, blank=True)
    custom_instructions = models.TextField(_("instructions"), blank=True)
    assignee = models.CharField(_("who practices"), max_length=16, choices=Assignee.choices)
    frequency_per_week = models.PositiveSmallIntegerField(
        _("times per week"), validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    due_on = models.DateField(_("until"))
    language = models.CharField(
        _("language"), max_length=8, choices=[("en", _("English")), ("es", _("Spanish"))]
    )
    rationale_explained = models.BooleanField(_("rationale explained"), default=False)
    designed_together = models.BooleanField(_("designed together"), default=False)
    practiced_in_session = models.BooleanField(_("practiced in session"), default=False)
    written_copy_given = models.BooleanField(_("written copy given"), default=False)
    obstacles_discussed = models.BooleanField(_("obstacles discussed"), default=False)
    confidence = models.PositiveSmallIntegerField(
        _("family's confidence (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
    )
    # Short code printed on the handout, for logging online later.
    code = models.CharField(max_length=12, unique=True)
    # Set when a later review closes it (completion recorded, or replaced).
    closed_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(template_version__isnull=False) | ~Q(custom_title=""),
                name="assignment_has_content",
            )
        ]
        indexes = [
            # The session page's "open assignments of this client".
            models.Index(fields=["client", "closed_at"], name="assignment_client_open"),
        ]

    def __str__(self) -> str:
        return f"assignment {self.pk}"

    def title_in(self, language: str | None = None) -> str:
        if self.template_version_id is None:
            return self.custom_title
        return str(self.template_version.text("title", language or self.language))  # type: ignore[union-attr]

    @property
    def title(self) -> str:
        """The title in the language of the page (the handout uses the family's language)."""
        if self.template_version_id is None:
            return self.custom_title
        return str(self.template_version.title)  # type: ignore[union-attr]

    @property
    def quality_count(self) -> int:
        return sum(bool(getattr(self, name)) for name in QUALITY_ELEMENTS)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Completion(models.TextChoices):
    DONE = "done", _("Yes")
    PARTLY = "partly", _("A little")
    NOT = "not", _("Not today")


class Difficulty(models.TextChoices):
    EASY = "easy", _("Easy")
    OK = "ok", _("OK")
    HARD = "hard", _("Hard")


class LogSource(models.TextChoices):
    PORTAL = "portal", _("Family portal")
    SMS = "sms", _("Text message")
    PAPER = "paper", _("Paper tracker")
    CLINICIAN = "clinician", _("Clinician")


class PracticeLog(models.Model):
    """One report of practice. Idempotent by a client-supplied key: a retried tap is one log."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="logs")
    practiced_on = models.DateField(_("day"))
    completion = models.CharField(_("practiced?"), max_length=8, choices=Completion.choices)
    count = models.PositiveIntegerField(_("how many times"), null=True, blank=True)
    # How helpful the practice felt (0–10), as the family rates it.
    rating = models.PositiveSmallIntegerField(
        _("rating (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    difficulty = models.CharField(
        _("how hard it was"), max_length=8, choices=Difficulty.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(max_length=12, choices=LogSource.choices)
    idempotency_key = models.CharField(max_length=64, unique=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["practiced_on", "id"]
        indexes = [models.Index(fields=["assignment", "practiced_on"], name="log_assignment_day")]

    def __str__(self) -> str:
        return f"log {self.pk}"


class ReviewCompletion(models.TextChoices):
    FULL = "full", _("Done fully")
    PARTIAL = "partial", _("Done partly")
    NONE = "none", _("Not done")
    NOT_REVIEWED = "not_reviewed", _("Not reviewed today")


class Review(models.Model):
    """What happened to an assignment, recorded at a later session."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reviews")
    session = models.ForeignKey("clinic.Session", on_delete=models.PROTECT, related_name="reviews")
    completion = models.CharField(_("completion"), max_length=16, choices=ReviewCompletion.choices)
    barriers = models.ManyToManyField(Barrier, blank=True, related_name="+")
    barrier_other = models.CharField(_("other barrier"), max_length=200, blank=True)
    strategy = models.ForeignKey(
        Strategy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    strategy_other = models.CharField(_("other strategy"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Optimistic concurrency: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "session"], name="review_once_per_session"
            )
        ]
        indexes = [models.Index(fields=["session"], name="review_session")]

    def __str__(self) -> str:
        return f"review {self.pk}"


class NoHomeworkReason(models.TextChoices):
    CRISIS = "crisis", _("Crisis")
    INTAKE = "intake", _("Intake or assessment")
    DECLINED = "declined", _("Client or family declined")
    NOT_INDICATED = "not_indicated", _("Not clinically indicated")
    OTHER = "other", _("Other")


class NoHomework(models.Model):
    """Why no homework was assigned in a session (the indicator's recorded exclusions)."""

    session = models.OneToOneField(
        "clinic.Session", on_delete=models.CASCADE, related_name="no_homework"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=NoHomeworkReason.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"no homework in session {self.session_id}"
