from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from between.accounts import policy


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    held = policy.roles_of(user) if user is not None else frozenset()
    return {"user_roles": held, "is_family_user": "family" in held and len(held) == 1}
