"""Messages to families and staff, reminder plans, inbound text messages and alerts.

A message is a durable row first (`queued`); the worker (`between worker`) claims and sends it.
Rows change only through `notify/actions.py`. Error fields hold short codes, never PHI.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    INBOX = "inbox", _("Portal inbox")


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    SIGN_IN_LINK = "sign_in_link", _("Sign-in link")
    REMINDER = "reminder", _("Reminder")
    REPLY = "reply", _("Reply")
    ALERT = "alert", _("Alert")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Message(models.Model):
    """One outbound message. `due_at` is when it may go (already past quiet hours);
    `next_attempt_at` is when the worker next tries (due_at, then later after a failure)."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    caregiver = models.ForeignKey(
        "clinic.Caregiver", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = models.CharField(max_length=254)
    language = models.CharField(max_length=8, default="en")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    assignment = models.ForeignKey(
        "homework.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # False only for a reply to someone who just wrote to us (STOP confirmation, help).
    requires_consent = models.BooleanField(default=True)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    # What the gateway's status callback last said (delivered, undelivered, ...).
    delivery_status = models.CharField(max_length=16, blank=True)
    error = models.CharField(max_length=32, blank=True)
    # "At most one of these": e.g. one reminder per plan per day.
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's "due" query: queued, next_attempt_at <= now, oldest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="queued"),
                name="message_due",
            ),
            # The worker's "stale claims" query: sending, claimed long ago (a worker died).
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="message_stale_claim"
            ),
            # An inbound reply finds the latest reminder sent to its number.
            models.Index(fields=["to_address", "kind", "sent_at"], name="message_to_kind_sent"),
            # The gateway's status callback finds its message.
            models.Index(
                fields=["provider_id"], condition=~Q(provider_id=""), name="message_provider"
            ),
            # Cancelling a caregiver's queued messages on STOP.
            models.Index(fields=["caregiver", "status"], name="message_caregiver_status"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.channel} {self.kind}, {self.status})"


class ReminderPlan(models.Model):
    """The days and time a caregiver wants a reminder about one assignment."""

    assignment = models.ForeignKey(
        "homework.Assignment", on_delete=models.CASCADE, related_name="reminder_plans"
    )
    caregiver = models.ForeignKey(
        "clinic.Caregiver", on_delete=models.CASCADE, related_name="reminder_plans"
    )
    # Bit d set = remind on weekday d (Monday = 0, as Python's date.weekday()).
    weekdays = models.PositiveSmallIntegerField(_("days"))
    time_of_day = models.TimeField(_("time"))
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "caregiver"], name="reminder_plan_unique"
            ),
            models.CheckConstraint(
                condition=Q(weekdays__lte=127), name="reminder_plan_weekdays_bitmask"
            ),
        ]
        indexes = [
            # schedule_reminders: the active plans.
            models.Index(fields=["assignment"], condition=Q(is_active=True), name="plan_active"),
        ]

    def __str__(self) -> str:
        return f"reminder plan {self.pk}"

    @property
    def weekday_list(self) -> list[int]:
        return [day for day in range(7) if self.weekdays & (1 << day)]

    def is_on(self, weekday: int) -> bool:
        return bool(self.weekdays & (1 << weekday))


class InboundOutcome(models.TextChoices):
    LOGGED = "logged", _("Practice logged")
    STOPPED = "stopped", _("Messages stopped")
    ALREADY_STOPPED = "already_stopped", _("Already stopped")
    HELP = "help", _("Help sent")
    UNRECOGNIZED = "unrecognized", _("Text not understood")
    NO_REMINDER = "no_reminder", _("No recent reminder to answer")
    NOT_LOGGED = "not_logged", _("Practice could not be logged")
    UNKNOWN_NUMBER = "unknown_number", _("Unknown number")


class InboundMessage(models.Model):
    """One text message received from the gateway. `provider_id` makes a redelivery a no-op."""

    provider_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=32)
    body = models.CharField(max_length=1600)
    received_at = models.DateTimeField(default=timezone.now)
    caregiver = models.ForeignKey(
        "clinic.Caregiver", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignment = models.ForeignKey(
        "homework.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=InboundOutcome.choices)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"inbound {self.pk} ({self.outcome})"


class AlertKind(models.TextChoices):
    FAMILY_LOCKED_OUT = "family_locked_out", _("A family is locked out of the portal")
    MESSAGES_STOPPED = "messages_stopped", _("A family stopped text messages")


class Alert(models.Model):
    """Something a clinician should know, shown on "my week" until read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    client = models.ForeignKey(
        "clinic.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # "my week": the recipient's unread alerts.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(read_at__isnull=True),
                name="alert_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} ({self.kind})"
