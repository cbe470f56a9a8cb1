"""Session lifetime and caching rules for pages that may show health information."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, ResolverMatch, resolve, reverse
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


MFA_SESSION_KEY = "between_has_two_step"
# What a signed-in person may reach before the second step: the step itself and the way out.
_OPEN_ROUTES = frozenset(
    {"accounts:mfa-verify", "accounts:mfa-setup", "accounts:logout", "set_language", "healthz"}
)


class TwoStepMiddleware:
    """Staff who must pass the second step (always in production; anyone who set it up) reach
    nothing but the code page until they do. (API and FHIR requests carry a token, not a
    session: for them `request.user` is anonymous here.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]
            and self._required(request)
            and not request.path.startswith(settings.STATIC_URL)
        ):
            match = getattr(request, "resolver_match", None) or _resolve(request.path_info)
            if match is None or match.view_name not in _OPEN_ROUTES:
                has_device = bool(request.session.get(MFA_SESSION_KEY))
                route = "accounts:mfa-verify" if has_device else "accounts:mfa-setup"
                target = f"{reverse(route)}?{urlencode({'next': request.get_full_path()})}"
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
        return self.get_response(request)

    @staticmethod
    def _required(request: HttpRequest) -> bool:
        user = request.user
        if not (policy.is_staff_member(user) or user.is_superuser):
            return False
        return bool(settings.MFA_REQUIRED or request.session.get(MFA_SESSION_KEY))


def _resolve(path: str) -> ResolverMatch | None:
    try:
        return resolve(path)
    except Resolver404:
        return None
