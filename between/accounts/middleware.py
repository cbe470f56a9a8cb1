"""Session lifetime and caching rules for pages that may show health information."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction

SEEN_KEY = "between_seen_at"
AUTH_KEY = "between_auth_at"
# Writing the session on every request would cost a write per page; a minute of slack is fine.
TOUCH_EVERY_SECONDS = 60


def idle_limit_seconds(request: HttpRequest) -> int:
    minutes = (
        settings.FAMILY_IDLE_MINUTES
        if policy.is_family(request.user) and not policy.is_staff_member(request.user)
        else settings.STAFF_IDLE_MINUTES
    )
    return minutes * 60


class SessionLifetimeMiddleware:
    """Signs a user out after an idle period and after an absolute lifetime.

    Django's own session expiry is a sliding two weeks by default; health data needs both an
    idle time-out (15 minutes for staff by default) and a hard limit from sign-in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            seen = request.session.get(SEEN_KEY)
            signed_in = request.session.setdefault(AUTH_KEY, now)
            if now - signed_in > settings.SESSION_MAX_HOURS * 3600:
                return self._expire(
                    request, _("Your sign-in reached its time limit. Please sign in again.")
                )
            if seen is not None and now - seen > idle_limit_seconds(request):
                return self._expire(
                    request, _("You were signed out after a period without activity.")
                )
            if seen is None or now - seen >= TOUCH_EVERY_SECONDS:
                request.session[SEEN_KEY] = now
        return self.get_response(request)

    def _expire(self, request: HttpRequest, reason: str) -> HttpResponse:
        audit.record(request.user, AuditAction.SESSION_EXPIRED, request=request)
        family_only = policy.is_family(request.user) and not policy.is_staff_member(request.user)
        logout(request)
        messages.info(request, reason)
        login = reverse("portal:sign-in" if family_only else settings.LOGIN_URL)
        target = f"{login}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
            response = HttpResponse(status=401)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)


class NoStoreMiddleware:
    """Pages for signed-in users may show client data: browsers and proxies must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response
