"""Sign-in, sign-out and failed sign-in are audit events (HIPAA 164.312(b))."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from between.accounts import audit
from between.accounts.middleware import AUTH_KEY, SEEN_KEY
from between.accounts.models import AuditAction, User


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[AUTH_KEY] = now
        request.session[SEEN_KEY] = now
    audit.record(user, AuditAction.LOGIN, user, request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(user, AuditAction.LOGOUT, user, request=request)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    # The typed username is not stored (it may be a mistyped password); the matching
    # account's id is, so repeated failures against one account can be seen.
    username = credentials.get("username") or ""
    target = User.objects.filter(username=username).only("pk").first()
    audit.record(
        None,
        AuditAction.LOGIN_FAILED,
        request=request,
        outcome="failed",
        object_type="accounts.user" if target else "",
        object_id=target.pk if target else "",
    )
