"""Bearer-token authentication for machine interfaces (the REST API and the FHIR facade).

`user_from_bearer(request)` is the one entry point: it reads `Authorization: Bearer <secret>`,
and returns the token's user, or None when there is no usable token. Refusals of a presented
token (unknown, expired, revoked, inactive user, no staff role) are audited; the secret never is.
The token found is left on `request.api_token` so callers can check its scope.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.interop.api.models import ApiToken, hash_secret

# `last_used_at` is written at most this often, so a busy client does not turn every read
# into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_OBJECT_TYPE = "interop_api.apitoken"  # noqa: S105 (an audit label)


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret in the Authorization header, or None when there is no bearer header."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def token_for_secret(secret: str, request: HttpRequest | None = None) -> ApiToken | None:
    """The usable token with this secret, or None (a presented but refused token is audited)."""
    # secret_hash is unique: at most one row, fetched without an ORDER BY to build.
    found = ApiToken.objects.select_related("user").filter(secret_hash=hash_secret(secret))[:1]
    token = next(iter(found), None)
    now = timezone.now()
    reason = _refusal(token, now)
    if reason:
        audit.record(
            token.user if token is not None else None,
            AuditAction.DENY,
            request=request,
            outcome="denied",
            object_type=TOKEN_OBJECT_TYPE,
            object_id=token.pk if token is not None else "",
            detail=f"token {reason}",
        )
        return None
    assert token is not None
    _touch(token, now)
    return token


def _refusal(token: ApiToken | None, now: Any) -> str:
    if token is None:
        return "unknown"
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    if not token.user.is_active:
        return "inactive user"
    # Families have no API access: their portal is the only way in for them.
    if not policy.is_staff_member(token.user):
        return "no staff role"
    return ""


def _touch(token: ApiToken, now: Any) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION (a conditional UPDATE: no race)."""
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
    token.last_used_at = now


def user_from_bearer(request: HttpRequest) -> User | None:
    """The user of the request's bearer token; None if absent, unknown, expired or revoked.

    Stable entry point for every machine interface (REST API, FHIR). Sets `request.api_token`
    (the ApiToken, or None) so the caller can require the write scope.
    """
    request.api_token = None  # type: ignore[attr-defined]
    secret = bearer_secret(request)
    if secret is None:
        return None
    token = token_for_secret(secret, request)
    if token is None:
        return None
    request.api_token = token  # type: ignore[attr-defined]
    return token.user


def token_can_write(request: HttpRequest) -> bool:
    token = getattr(request, "api_token", None)
    return token is not None and token.can_write


class TokenAuth(HttpBearer):
    """django-ninja auth: a personal API token. `request.auth` and `request.user` are its user."""

    openapi_description = "A personal API token, made at /api/tokens/ (Bearer <secret>)."

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        request.api_token = None  # type: ignore[attr-defined]
        found = token_for_secret(token.strip(), request) if token.strip() else None
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        request.user = found.user
        return found.user
