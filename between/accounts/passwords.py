"""Password rules beyond Django's: a bundled breached-password list, seen through disguises."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_LEET = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_TAIL = re.compile(r"[\d\W_]+$")
_HEAD = re.compile(r"^[\d\W_]+")


def disguises(password: str) -> set[str]:
    """The password and the forms people make of a listed one: case, l33t spelling, digits or
    symbols added at either end, a word repeated ("dragondragon")."""
    lower = password.lower().strip()
    forms = {lower, lower.translate(_LEET)}
    for form in list(forms):
        core = _HEAD.sub("", _TAIL.sub("", form))
        forms |= {core, _TAIL.sub("", form), _HEAD.sub("", form)}
        half = len(core) // 2
        if half and core[:half] == core[half:]:
            forms.add(core[:half])
    return {form for form in forms if len(form) >= 4}


class BreachedPasswordValidator(CommonPasswordValidator):
    """Refuses passwords on Django's bundled list of 20,000 passwords from public breach
    corpora (no network call: the list ships with Django), including disguised forms of them.
    A password of at least 12 characters that only *contains* a listed word is allowed: a
    passphrase of several words is strong even when each word is common."""

    def validate(self, password: str, user: Any = None) -> None:
        if disguises(password) & self.passwords:
            raise ValidationError(
                _(
                    "This password, or a simple variation of it, appears in lists of "
                    "breached passwords."
                ),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can't be a commonly used or breached password, nor a variation of one."
        )
