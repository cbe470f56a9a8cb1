"""Emergency access on every page (settings TEMPLATES context_processors):

- `emergency_grants`: the user's open grants, for the banner (`emergency/_banner.html`);
- `emergency_can_request`: whether the user is designated, for the way in
  (`emergency/_link.html`, e.g. on the 404 page).

Both lazy: nothing runs unless a template shows them, and then only for staff; the banner is
one query on the `emergency_active_by_user` index.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from between.accounts import policy
from between.emergency.access import active_grants, can_break_glass
from between.emergency.models import EmergencyAccess

BANNER_LIMIT = 5


def _grants(user: Any) -> list[EmergencyAccess]:
    if not policy.is_staff_member(user):
        return []
    return list(active_grants(user).select_related("client").order_by("expires_at")[:BANNER_LIMIT])


def emergency_access(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "emergency_grants": SimpleLazyObject(lambda: _grants(user)),
        "emergency_can_request": SimpleLazyObject(lambda: can_break_glass(user)),
    }
