"""Sign-in, sign-out and failed sign-in are audit events (HIPAA 164.312(b))."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from between.accounts import audit
from between.accounts.middleware import AUTH_KEY, MFA_SESSION_KEY, SEEN_KEY
from between.accounts.models import AuditAction, User


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[AUTH_KEY] = now
        request.session[SEEN_KEY] = now
        # Read once here, so TwoStepMiddleware needs no query on each page.
        from between.accounts.mfa import has_two_step

        request.session[MFA_SESSION_KEY] = has_two_step(user)
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


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any, username: str, ip_address: str, **kw: Any) -> None:
    # `username` is axes' digest (accounts/throttle.py); the account is found by the form.
    typed = request.POST.get("username", "") if request is not None else ""
    target = User.objects.filter(username=typed).only("pk").first() if typed else None
    audit.record(
        None,
        AuditAction.LOCKED_OUT,
        request=request,
        outcome="denied",
        object_type="accounts.user" if target else "",
        object_id=target.pk if target else "",
    )
