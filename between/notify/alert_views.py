"""Alerts for staff (e.g. a family locked out of the portal), read on "my week"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from between.accounts import policy
from between.accounts.types import AuthedRequest
from between.notify import actions


@require_POST
@login_required
def alert_read(request: AuthedRequest, alert_id: int) -> HttpResponse:
    alert = policy.get_alert_for(request.user, alert_id, request=request)
    actions.mark_alert_read(request.user, alert)
    return redirect("homework:my-week")
