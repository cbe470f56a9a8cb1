"""How django-axes names a sign-in attempt: by a keyed digest of the typed username.

Axes keeps failed attempts in its table by username. People type passwords into the username
box, so the table must not hold what was typed: it holds HMAC-SHA256(username) instead, which
still locks the same account from the same address.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def username_key(request: HttpRequest | None, credentials: Mapping[str, Any] | None) -> str:
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = getattr(request, "POST", {}).get("username")
    if not typed:
        return ""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), str(typed).strip().lower().encode(), hashlib.sha256
    )
    return "u-" + digest.hexdigest()[:40]
