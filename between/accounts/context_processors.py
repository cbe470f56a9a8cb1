from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from between.accounts import policy


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    held = policy.roles_of(user) if user is not None else frozenset()
    context: dict[str, Any] = {
        "user_roles": held,
        "is_family_user": "family" in held and len(held) == 1,
    }
    if user is not None and user.is_authenticated:
        # For the idle warning (static/js/idle.js): the same limit the middleware applies.
        from between.accounts.middleware import idle_limit_seconds

        context["idle_seconds"] = idle_limit_seconds(request)
    return context
