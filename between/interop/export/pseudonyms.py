"""The deployment's pseudonymisation key and the pseudonyms made with it.

A pseudonym is HMAC-SHA256(key, "<entity>:<database id>"), cut to 80 bits and written as
"<prefix>-<20 hex digits>". The key is read from the environment (BETWEEN_RESEARCH_KEY, or the
file named by BETWEEN_RESEARCH_KEY_FILE) when an export runs, never from the database, and it is
never written to an export: without it a pseudonym cannot be turned back into a record, and with
the same key two exports give a person the same pseudonym (so researchers can link them).

80 bits: the chance that any two of a billion rows of one entity share a pseudonym is below
one in a million (birthday bound n² / 2⁸¹); the export checks uniqueness anyway.
"""

from __future__ import annotations

import hashlib
import hmac

from between.environment import env_secret

KEY_VARIABLE = "BETWEEN_RESEARCH_KEY"
MIN_KEY_LENGTH = 32
HEX_DIGITS = 20

# One prefix per entity, so a pseudonym says what it names and ids of two entities never meet.
PREFIXES = {
    "client": "CL",
    "clinician": "ST",
    "program": "PG",
    "session": "SE",
    "assignment": "AS",
    "administration": "OA",
}


class MissingKey(ValueError):
    """No usable pseudonymisation key is configured."""


def load_key() -> bytes:
    """The key from the environment; MissingKey (with what to do) when absent or too short."""
    raw = env_secret(KEY_VARIABLE).strip()
    if not raw:
        raise MissingKey(
            f"Set {KEY_VARIABLE} (or {KEY_VARIABLE}_FILE) to a secret of at least "
            f"{MIN_KEY_LENGTH} characters that stays in this deployment, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`. Keep it: the same "
            "key gives the same pseudonyms in every export."
        )
    if len(raw) < MIN_KEY_LENGTH or len(set(raw)) < 8:
        raise MissingKey(
            f"{KEY_VARIABLE} must be at least {MIN_KEY_LENGTH} varied characters "
            f"(it has {len(raw)})."
        )
    return raw.encode()


class Pseudonymizer:
    """Pseudonyms with one key. People and programs recur in many rows, so theirs are kept."""

    CACHED = frozenset({"client", "clinician", "program"})

    def __init__(self, key: bytes) -> None:
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)
        self._cache: dict[tuple[str, int], str] = {}

    def digest(self, message: str) -> str:
        keyed = self._keyed.copy()  # the key's inner and outer pads are computed once
        keyed.update(message.encode())
        return keyed.hexdigest()

    def of(self, entity: str, pk: int | None) -> str:
        """The pseudonym of one row, or "" for none (e.g. a client without a clinician)."""
        if pk is None:
            return ""
        cached = self._cache.get((entity, pk))
        if cached is not None:
            return cached
        value = f"{PREFIXES[entity]}-{self.digest(f'{entity}:{pk}')[:HEX_DIGITS]}"
        if entity in self.CACHED:
            self._cache[(entity, pk)] = value
        return value

    def key_id(self) -> str:
        """A short fingerprint of the key: two exports with the same key id can be linked.
        It is an HMAC of a fixed label, so it says nothing about the key itself."""
        return self.digest("key-id")[:12]
