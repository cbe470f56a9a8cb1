"""Codes, tokens, PINs, phone numbers and rate limits for family sign-in. No Django models are
changed here except the append-only attempt rows used for rate limiting."""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from between.portal.models import SignInAttempt

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

INVITATION_DAYS = 14
SIGN_IN_LINK_MINUTES = 15
# Wrong PINs in a row before the account is locked, and for how long.
LOCK_AFTER = 5
LOCK_MINUTES = 15
# Failures allowed per typed phone/code and per address within the window.
WINDOW_MINUTES = 15
MAX_FAILURES_PER_KEY = 10
MAX_FAILURES_PER_IP = 30
# Sign-in link requests (each one may send a message) per phone/email and per address per hour.
MAX_LINK_REQUESTS_PER_KEY = 3
MAX_LINK_REQUESTS_PER_IP = 10


class RateLimited(Exception):
    """Too many attempts lately: try again later."""


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalize_code(text: str) -> str:
    """What the person typed, as stored: upper case, without spaces or dashes."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def format_code(code: str) -> str:
    """ABCD-EFGH: easier to read aloud and to copy from paper."""
    return f"{code[:4]}-{code[4:]}" if len(code) > 4 else code


def normalize_phone(text: str) -> str:
    """A North American or international number in E.164 (+16195550100); "" when it is not one."""
    raw = text.strip()
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        return f"+{digits}" if 8 <= len(digits) <= 15 else ""
    if len(digits) == 10:
        return f"+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"+{digits}"
    return ""


def looks_like_phone(text: str) -> bool:
    return len(re.sub(r"\D", "", text)) >= 8 and not re.search(r"[A-Za-z]", text)


# PINs people pick first; a 4-digit PIN is only as good as the rate limit and these refusals.
COMMON_PINS = frozenset(
    {"1004", "2000", "2580", "6969", "1122", "1212", "4321", "0852", "7777", "1313", "2001"}
)


def check_pin(pin: str) -> None:
    """4 to 6 digits, and not a trivial one (all the same digit, a run, a repeated pair)."""
    if not re.fullmatch(r"\d{4,6}", pin or ""):
        raise ValidationError({"pin": _("Your PIN must be 4 to 6 numbers.")})
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    repeated = any(pin == pin[:n] * (len(pin) // n) for n in (1, 2, 3) if len(pin) % n == 0)
    if repeated or steps in ({1}, {-1}) or pin in COMMON_PINS:
        raise ValidationError(
            {"pin": _("That PIN is too easy to guess. Please choose a different one.")}
        )


# --- Rate limits (in the database: the app runs in several processes) -----------------------


def _since(minutes: int) -> object:
    return timezone.now() - timedelta(minutes=minutes)


def is_limited(kind: str, *, key: str, ip: str | None) -> bool:
    """True when this phone/code, or this address, failed too often lately."""
    if kind == "link_request":
        window, per_key, per_ip = 60, MAX_LINK_REQUESTS_PER_KEY, MAX_LINK_REQUESTS_PER_IP
        recent = SignInAttempt.objects.filter(kind=kind, at__gte=_since(window))
    else:
        window, per_key, per_ip = WINDOW_MINUTES, MAX_FAILURES_PER_KEY, MAX_FAILURES_PER_IP
        # Failures of every kind count against an address: a guesser switches forms.
        recent = SignInAttempt.objects.exclude(kind="link_request").filter(at__gte=_since(window))
    if key and recent.filter(key_hash=key).count() >= per_key:
        return True
    return bool(ip) and recent.filter(ip_address=ip).count() >= per_ip


def note_attempt(kind: str, *, key: str, ip: str | None) -> None:
    SignInAttempt.objects.create(kind=kind, key_hash=key, ip_address=ip)


def prune_attempts(days: int = 2) -> int:
    """Attempts older than any window are no longer needed (called when a family signs in)."""
    deleted, _ = SignInAttempt.objects.filter(at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
