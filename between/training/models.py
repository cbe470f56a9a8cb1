"""Trainings: courses (with their knowledge checks), events, and who attended with which
scores. A certificate of completion is issued for attendance with a passing post-test score."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SCORE_MAX = 10


def spanish() -> bool:
    return (get_language() or "").startswith("es")


class Course(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    title_en = models.CharField(max_length=160)
    title_es = models.CharField(max_length=160)
    summary_en = models.TextField(blank=True)
    summary_es = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(default=60)
    # [{"en", "es"}]; outline: [{"title_en", "title_es", "minutes", "points_en", "points_es"}];
    # questions: [{"key", "text_en", "text_es", "options": [{"en", "es"}], "correct", ...}].
    objectives = models.JSONField(default=list)
    outline = models.JSONField(default=list)
    questions = models.JSONField(default=list)
    pass_score = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(SCORE_MAX)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title_en"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_es if spanish() else self.title_en

    @property
    def summary(self) -> str:
        return self.summary_es if spanish() else self.summary_en

    def localized(self, entries: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
        """Entries with `name` set from `name_es`/`name_en` (or "es"/"en") by the language."""
        suffix = "es" if spanish() else "en"
        out = []
        for entry in entries:
            copy = dict(entry)
            for name in names:
                copy[name] = entry.get(f"{name}_{suffix}", entry.get(suffix, ""))
            out.append(copy)
        return out


class EventMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class TrainingEvent(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="events")
    program = models.ForeignKey("clinic.Program", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    mode = models.CharField(_("mode"), max_length=12, choices=EventMode.choices)
    location = models.CharField(_("location"), max_length=120, blank=True)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["course", "held_on"], name="event_course_day")]

    def __str__(self) -> str:
        return f"{self.course.key} {self.held_on}"


class AttendanceSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported")


class Attendance(models.Model):
    event = models.ForeignKey(TrainingEvent, on_delete=models.CASCADE, related_name="attendance")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(default=True)
    pre_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(SCORE_MAX)]
    )
    post_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(SCORE_MAX)]
    )
    source = models.CharField(max_length=10, choices=AttendanceSource.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "clinician__last_name", "clinician__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "clinician"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"attendance {self.pk}"

    @property
    def completed(self) -> bool:
        """Attended, with a post-test at or above the course's pass score."""
        return (
            self.attended
            and self.post_score is not None
            and self.post_score >= self.event.course.pass_score
        )
