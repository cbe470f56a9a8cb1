"""One emergency access grant: who opened which client, why, until when, and its review."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REASON_MIN_LENGTH = 20
REASON_MAX_LENGTH = 2000


class ReviewOutcome(models.TextChoices):
    APPROPRIATE = "appropriate", _("Appropriate")
    INAPPROPRIATE = "inappropriate", _("Inappropriate")


class EmergencyAccessQuerySet(models.QuerySet["EmergencyAccess"]):
    def active(self, now: datetime | None = None) -> EmergencyAccessQuerySet:
        """Grants still open: not ended early and not yet expired."""
        return self.filter(ended_at__isnull=True, expires_at__gt=now or timezone.now())

    def unreviewed(self) -> EmergencyAccessQuerySet:
        return self.filter(reviewed_at__isnull=True)


class EmergencyAccess(models.Model):
    """Time-limited, read-only access of one staff user to one client's record.

    `reason` is the user's justification, kept for the review (not clinical content).
    Rows are changed only through `emergency/actions.py`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_grants"
    )
    client = models.ForeignKey(
        "clinic.Client", on_delete=models.PROTECT, related_name="emergency_grants"
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_outcome = models.CharField(
        _("review outcome"), max_length=16, choices=ReviewOutcome.choices, blank=True
    )
    review_note = models.TextField(_("review note"), max_length=REASON_MAX_LENGTH, blank=True)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-granted_at", "-id"]
        permissions = [("break_glass", "Can use emergency access")]
        indexes = [
            # policy: "the clients this user holds an active grant on" (every scoped query of a
            # staff user) and the banner (one query per staff page).
            models.Index(
                fields=["user", "expires_at"],
                condition=Q(ended_at__isnull=True),
                name="emergency_active_by_user",
            ),
            # The review list: grants nobody has reviewed yet, oldest first.
            models.Index(
                fields=["granted_at"],
                condition=Q(reviewed_at__isnull=True),
                name="emergency_unreviewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.client_id}@{self.granted_at:%Y-%m-%d %H:%M}"

    def is_active_at(self, now: datetime) -> bool:
        return self.ended_at is None and self.expires_at > now

    @property
    def is_active(self) -> bool:
        return self.is_active_at(timezone.now())

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None
