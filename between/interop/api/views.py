"""The token pages: a staff member lists, makes and revokes their own API tokens.

A new token's secret is shown once, on the page that answers the form; only its hash is kept.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from between.accounts import audit, policy
from between.accounts.models import AuditAction
from between.accounts.types import AuthedRequest
from between.interop.api import tokens
from between.interop.api.api import api
from between.interop.api.errors import error_response
from between.interop.api.forms import TokenForm
from between.interop.api.models import ApiToken


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """An unknown /api/v1/ address: the API's own 404."""
    return error_response(api, request, 404, "No such endpoint.")


def _require_staff(request: AuthedRequest) -> None:
    # Families have no API access, so no tokens either.
    if not policy.is_staff_member(request.user):
        raise Http404("No such page.")


@require_http_methods(["GET", "POST"])
@login_required
def token_list(request: AuthedRequest) -> HttpResponse:
    _require_staff(request)
    form = TokenForm(request.POST if request.method == "POST" else None)
    new = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = timezone.make_aware(
            datetime.combine(data["expires_on"] + timedelta(days=1), time.min)
        )
        new = tokens.create_token(
            request.user,
            name=data["name"],
            scope=data["scope"],
            expires_at=expires_at,
            request=request,
        )
        form = TokenForm()
    status = 422 if request.method == "POST" and new is None else 200
    return render(
        request,
        "api/token_list.html",
        {
            "form": form,
            "new": new,
            "tokens": ApiToken.objects.filter(user=request.user),
            "now": timezone.now(),
        },
        status=status,
    )


@require_POST
@login_required
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    _require_staff(request)
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        audit.record(
            request.user,
            AuditAction.DENY,
            request=request,
            outcome="denied",
            object_type="interop_api.apitoken",
            object_id=token_id,
            detail="revoke",
        )
        raise Http404("No such token.")
    if tokens.revoke_token(request.user, token, request=request):
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api:token-list")
