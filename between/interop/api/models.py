"""Personal API tokens: a user's key for the REST API (and the FHIR facade).

The secret is shown once, when the token is made; the database keeps only its SHA-256, so a
copy of the database does not hand out working tokens. A token acts as its user: it sees exactly
what the user may see through `accounts/policy.py`, and never more (scope "read" sees the same,
but may not change anything).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The longest a token may live: a forgotten token must die on its own.
MAX_LIFETIME = timedelta(days=365)
DEFAULT_LIFETIME = timedelta(days=90)
# Every secret starts with this, so secret scanners (and people) can tell what it is.
SECRET_PREFIX = "bst_"  # noqa: S105 (a marker, not a secret)
# How many characters of the secret the lists show (the "bst_" plus 8 random characters).
SHOWN_PREFIX_LENGTH = len(SECRET_PREFIX) + 8


def hash_secret(secret: str) -> str:
    """The stored form of a secret. A plain SHA-256 is enough: the secret is 32 random bytes,
    not a password, so there is nothing to guess that a slow hash would protect."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The token page lists a user's own tokens, newest first.
            models.Index(fields=["user", "created_at"], name="apitoken_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_active_at(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    @property
    def is_active(self) -> bool:
        return self.is_active_at()

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE
