"""The family portal's own records: invitations, family sign-in profiles, one-time sign-in
links and sign-in attempts (for rate limiting).

Secrets are never stored: invitation codes and link tokens are kept as SHA-256 hashes (they are
long random values, so a plain hash is enough), and the PIN goes through Django's password
hashers on the user.
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
    PRINT = "print", _("Printed code")


class Invitation(models.Model):
    """A clinician's invitation of a caregiver (or the youth, 12 and older) to the portal.

    Works once: accepting it sets `accepted_at`. Expires, and can be revoked before that.
    """

    client = models.ForeignKey(
        "clinic.Client", on_delete=models.CASCADE, related_name="portal_invitations"
    )
    # Exactly one of: a caregiver, or the youth themself.
    caregiver = models.ForeignKey(
        "clinic.Caregiver",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="portal_invitations",
    )
    is_youth = models.BooleanField(default=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    code_hash = models.CharField(max_length=64, unique=True)
    link_token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_youth=True, caregiver__isnull=True)
                | Q(is_youth=False, caregiver__isnull=False),
                name="invitation_caregiver_or_youth",
            )
        ]
        indexes = [
            # The client page's list of invitations.
            models.Index(fields=["client", "created_at"], name="invitation_client"),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk}"

    def status_at(self, now: object) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:  # type: ignore[operator]
            return "expired"
        return "open"

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())


class FamilyAccount(models.Model):
    """The sign-in profile of a family user (a caregiver or a youth): how they sign in and
    whether repeated wrong PINs have locked them out for a while."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_account"
    )
    # E.164 (+16195550100). Unique when set: a phone that two people share signs in neither
    # (they use their family codes instead), so a PIN is only ever checked against one account.
    phone = models.CharField(max_length=16, blank=True)
    # A short printable code, the other way to say who is signing in (not a secret).
    sign_in_code = models.CharField(max_length=12, unique=True)
    failed_pin_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    pin_set_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="family_account_phone_unique"
            )
        ]

    def __str__(self) -> str:
        return f"family account of user {self.user_id}"

    def is_locked_at(self, now: object) -> bool:
        return self.locked_until is not None and self.locked_until > now  # type: ignore[operator]


class SignInLink(models.Model):
    """A one-time sign-in link sent by text or email. Expires soon; used once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in link {self.pk}"


class AttemptKind(models.TextChoices):
    PIN = "pin", _("PIN")
    CODE = "code", _("Invitation code")
    LINK = "link", _("Sign-in link")
    LINK_REQUEST = "link_request", _("Sign-in link request")


class SignInAttempt(models.Model):
    """One failed (or rate-counted) attempt, for rate limits by identifier and by address.

    `key_hash` is a SHA-256 of what was typed (a phone or code), never the value itself.
    """

    kind = models.CharField(max_length=16, choices=AttemptKind.choices)
    key_hash = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # "How many failures for this phone/code lately", "... from this address lately".
            models.Index(fields=["key_hash", "at"], name="attempt_key_at"),
            models.Index(fields=["ip_address", "at"], name="attempt_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} attempt at {self.at:%Y-%m-%d %H:%M}"
