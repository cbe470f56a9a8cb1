"""Making and revoking personal API tokens: the only places that write ApiToken rows.

Audited like every other change; the audit trail names the token by id, never by its secret.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.interop.api.models import (
    MAX_LIFETIME,
    SECRET_PREFIX,
    SHOWN_PREFIX_LENGTH,
    ApiToken,
    TokenScope,
    hash_secret,
)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    # The only copy of the secret there will ever be: shown once, then gone.
    secret: str


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_token(
    actor: User,
    *,
    name: str,
    scope: str,
    expires_at: datetime,
    request: HttpRequest | None = None,
) -> NewToken:
    """A new token of the actor's own; staff only (families have no API access)."""
    if not policy.is_staff_member(actor):
        audit.record(
            actor,
            AuditAction.DENY,
            request=request,
            outcome="denied",
            object_type="interop_api.apitoken",
            detail="create",
        )
        raise PermissionDenied(_("Only staff may make API tokens."))
    now = timezone.now()
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("Choose read or write.")})
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    if expires_at > now + MAX_LIFETIME:
        raise ValidationError(
            {
                "expires_at": _("A token may live %(days)d days at most.")
                % {"days": MAX_LIFETIME.days}
            }
        )
    if not name.strip():
        raise ValidationError({"name": _("Give the token a name.")})
    secret = new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name.strip(),
            prefix=secret[:SHOWN_PREFIX_LENGTH],
            secret_hash=hash_secret(secret),
            scope=scope,
            created_at=now,
            expires_at=expires_at,
        )
        audit.record(actor, AuditAction.CREATE, token, request=request, detail=f"scope:{scope}")
    return NewToken(token=token, secret=secret)


def revoke_token(actor: User, token: ApiToken, *, request: HttpRequest | None = None) -> bool:
    """Revoke one of the actor's own tokens; False if it was already revoked."""
    if token.user_id != actor.pk:
        audit.record(
            actor,
            AuditAction.DENY,
            token,
            request=request,
            outcome="denied",
            detail="revoke",
        )
        raise PermissionDenied(_("This is not your token."))
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            audit.record(actor, AuditAction.UPDATE, token, request=request, detail="revoke")
    token.refresh_from_db(fields=["revoked_at"])
    return bool(changed)
