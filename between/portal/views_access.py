"""Getting in: accepting an invitation with a new PIN, signing in by phone or code and PIN, or
by a one-time link; the language switch; signing out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from between.accounts import policy
from between.formtools import add_errors
from between.portal import actions, security
from between.portal.access import remember_language, safe_next, sign_in, site_url
from between.portal.forms import ChoosePinForm, LinkRequestForm, PinSignInForm
from between.portal.models import FamilyAccount


def _too_many() -> str:
    return _("Too many tries. Please wait %(minutes)s minutes and try again.") % {
        "minutes": security.WINDOW_MINUTES
    }


def _signed_in_elsewhere(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return None
    return redirect("portal:today" if policy.is_family(request.user) else "home")


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """/family/: the Today page, or the sign-in page."""
    return redirect("portal:today" if request.user.is_authenticated else "portal:sign-in")


def _welcome(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    account = FamilyAccount.objects.filter(user_id=request.user.pk or 0).first()
    if account is not None:
        messages.success(
            request,
            _(
                "Welcome! Next time, sign in with your phone number or your family code "
                "%(code)s, and your PIN."
            )
            % {"code": security.format_code(account.sign_in_code)},
        )
    return response


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str = "") -> HttpResponse:
    """Accept an invitation: from a link (the token is in the address) or by typing the code."""
    elsewhere = _signed_in_elsewhere(request)
    if elsewhere is not None:
        return elsewhere
    if token and actions.find_open_invitation(token=token) is None and request.method == "GET":
        return render(request, "portal/link_gone.html", {"join": True}, status=410)
    form = ChoosePinForm(request.POST or None, needs_code=not token)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                user = actions.accept_invitation(
                    code=form.cleaned_data.get("code", ""),
                    token=token,
                    pin=form.cleaned_data["pin"],
                    language=translation.get_language() or "en",
                    request=request,
                )
            except actions.RateLimited:
                form.add_error(None, _too_many())
                status = 429
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return _welcome(request, sign_in(request, user))
    return render(request, "portal/join.html", {"form": form, "token": token}, status=status)


@require_http_methods(["GET", "POST"])
def sign_in_page(request: HttpRequest) -> HttpResponse:
    elsewhere = _signed_in_elsewhere(request)
    if elsewhere is not None:
        return elsewhere
    form = PinSignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                user = actions.sign_in_with_pin(
                    form.cleaned_data["identifier"], form.cleaned_data["pin"], request=request
                )
            except actions.RateLimited:
                form.add_error(None, _too_many())
                status = 429
            except actions.SignInRefused as exc:
                form.add_error(None, exc.message)
            else:
                return sign_in(request, user, next_url=safe_next(request, ""))
    return render(
        request,
        "portal/sign_in.html",
        {"form": form, "next": safe_next(request, "")},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time sign-in link by text or email. The answer never says whether the
    number or address is known."""
    elsewhere = _signed_in_elsewhere(request)
    if elsewhere is not None:
        return elsewhere
    form = LinkRequestForm(request.POST or None)
    status, sent = 200, False
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.request_sign_in_link(
                    form.cleaned_data["identifier"], site_url=site_url(request), request=request
                )
            except actions.RateLimited:
                form.add_error(None, _too_many())
                status = 429
            else:
                status, sent = 200, True
    return render(
        request,
        "portal/link_request.html",
        {"form": form, "sent": sent, "minutes": security.SIGN_IN_LINK_MINUTES},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def link_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """A sign-in link. Opening it shows a button; only pressing it uses the link (message
    apps that preview links would otherwise use it up)."""
    if request.method == "GET":
        return render(request, "portal/link_sign_in.html", {"token": token})
    try:
        user = actions.sign_in_with_link(token, request=request)
    except actions.RateLimited:
        messages.error(request, _too_many())
        return redirect("portal:sign-in")
    except actions.SignInRefused:
        return render(request, "portal/link_gone.html", {"join": False}, status=410)
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    return sign_in(request, user)


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch between English and Spanish; remembered on the account and in a cookie."""
    chosen = request.POST.get("language", "")
    fallback = reverse("portal:today" if request.user.is_authenticated else "portal:sign-in")
    response = HttpResponseRedirect(safe_next(request, fallback))
    if chosen not in ("en", "es"):
        return response
    if request.user.is_authenticated and policy.is_family(request.user):
        actions.set_language(request.user, chosen)
    translation.activate(chosen)
    return remember_language(response, chosen)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:sign-in")
