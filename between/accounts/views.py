from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from between.accounts import mfa, policy
from between.accounts.forms import CodeForm, SetupCodeForm, SignInForm
from between.accounts.middleware import MFA_SESSION_KEY
from between.accounts.models import User


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


def _staff(request: HttpRequest) -> User:
    """Two-step sign-in is for staff; family accounts sign in by link or code and PIN."""
    user = request.user
    if not isinstance(user, User) or not (policy.is_staff_member(user) or user.is_superuser):
        raise Http404
    return user


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step after the password: a code from the app or a recovery code."""
    user = _staff(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return HttpResponseRedirect(_next(request))
    if not mfa.has_two_step(user):
        return HttpResponseRedirect(f"{reverse('accounts:mfa-setup')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.verify(user, form.cleaned_data["code"], request=request):
            return HttpResponseRedirect(_next(request))
        form.add_error("code", _wrong_code())
    status = 422 if request.method == "POST" else 200
    return render(
        request, "accounts/mfa_verify.html", {"form": form, "next": _next(request)}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the code (or type the key), confirm with a first code,
    receive recovery codes once. Someone who already has one must pass the second step first,
    so a stolen password cannot replace the owner's authenticator."""
    user = _staff(request)
    verified = user.is_verified()  # type: ignore[attr-defined]
    if mfa.has_two_step(user) and not verified:
        return HttpResponseRedirect(f"{reverse('accounts:mfa-verify')}?{request.GET.urlencode()}")
    device = mfa.pending_device(user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.confirm_device(user, device, form.cleaned_data["code"], request=request)
        if codes is not None:
            request.session[MFA_SESSION_KEY] = True
            return render(
                request,
                "accounts/mfa_codes.html",
                {"codes": codes, "next": _next(request), "first_time": True},
            )
        form.add_error("code", _wrong_code())
    context = {
        "form": form,
        "qr": mfa.qr_data_uri(device),
        "secret": mfa.secret_for_typing(device),
        "next": _next(request),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/mfa_setup.html", context, status=status)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Your two-step sign-in: whether it is on, recovery codes left, and how to change it."""
    user = _staff(request)
    context = {
        "has_two_step": mfa.has_two_step(user),
        "codes_left": mfa.recovery_codes_left(user),
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    user = _staff(request)
    if not mfa.has_two_step(user) or not user.is_verified():  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse("accounts:security"))
    codes = mfa.new_recovery_codes(user, request=request)
    return render(
        request, "accounts/mfa_codes.html", {"codes": codes, "next": reverse("accounts:security")}
    )


@login_required
@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in" on the idle warning: any request counts as activity."""
    return HttpResponse(status=204)


def locked_out(
    request: HttpRequest, original_response: object, credentials: object
) -> HttpResponse:
    """django-axes' answer once a username is locked from this address (429, no detail)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"cooloff_minutes": minutes}, status=429)


def _wrong_code() -> str:
    return _("That code did not work. Check the time on your phone and try the newest code.")
