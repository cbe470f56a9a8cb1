from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from between.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request past `login_required`: `user` is a real User; htmx details are attached."""

    user: User
    htmx: HtmxDetails
