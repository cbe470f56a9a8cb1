"""Shared pieces of the portal's views: the family-only guard, signing in, the language."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from between.accounts import policy
from between.accounts.models import User

BACKEND = "django.contrib.auth.backends.ModelBackend"


def family_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Family pages: anonymous visitors go to the family sign-in; anyone else gets a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:sign-in"))
        if not policy.is_family(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Django's language cookie, as its own set_language view writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
    )
    return response


def sign_in(request: HttpRequest, user: User, *, next_url: str = "") -> HttpResponse:
    """Start the family member's session (audited by the sign-in signal) in their language."""
    login(request, user, backend=BACKEND)
    language = user.preferred_language if user.preferred_language in ("en", "es") else "en"
    translation.activate(language)
    target = next_url or reverse("portal:today")
    return remember_language(HttpResponseRedirect(target), language)


def site_url(request: HttpRequest) -> str:
    """https://host, for links in messages."""
    return request.build_absolute_uri("/").rstrip("/")
