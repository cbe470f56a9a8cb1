"""The audit trail's hash chains: any altered, removed or inserted event is found by `verify`.

Each event carries the keyed hash (HMAC-SHA256 under `settings.AUDIT_CHAIN_KEY`) of its own
fields and of the previous event's hash in the same chain. Changing a row breaks its own hash;
removing or inserting one breaks the next row's link; rewriting a whole tail needs the key,
which the database does not hold. Removing the newest rows of a chain is found against a
checkpoint printed by an earlier `between audit verify` (`--checkpoint`).

Why several chains (ADR 007): appending to a chain must read the chain's last hash and insert
the next row with nobody in between, so the writer holds the chain's lock until its
transaction commits. With one chain, a long transaction that audits early (an import of a
million rows) would stall every audited page of every user. PostgreSQL gives each transaction
the first free one of `CHAINS` advisory locks; SQLite already runs one writer at a time
(`BEGIN IMMEDIATE`), so it uses chain 0 only.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection

CHAINS = 8
GENESIS = "0" * 64
# The advisory-lock namespace (first key of the two-key form): "BeSe" in ASCII.
LOCK_NAMESPACE = 0x42655365

# The fields a row's hash covers, in this order. Adding a field means a new chain version.
HASHED_FIELDS = (
    "at",
    "actor_id",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "client_id",
    "program_id",
    "ip_address",
    "path",
    "detail",
)


def normalise_ip(value: str | None) -> str | None:
    """The form PostgreSQL's inet type gives back, so the hash is the same after a round trip."""
    if not value:
        return None
    return ipaddress.ip_address(value).compressed


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "at":
        assert isinstance(value, datetime)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name == "ip_address":
        return normalise_ip(str(value)) or ""
    return str(value)


def row_hash(row: dict[str, Any], prev_hash: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 over the row's fields and the previous hash (unit separators between)."""
    parts = [_text(name, row.get(name)) for name in HASHED_FIELDS]
    message = "\x1f".join([*parts, prev_hash]).encode()
    return hmac.new(key or chain_key(), message, hashlib.sha256).hexdigest()


def chain_key() -> bytes:
    return str(settings.AUDIT_CHAIN_KEY).encode()


def claim_chain() -> int:
    """Lock a chain for the rest of the current transaction and return its number.

    Must run inside `transaction.atomic()`. On PostgreSQL: the first chain whose advisory lock
    is free, or wait for one (the process's own pick, to spread waiters)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s FROM generate_series(0, %s) AS s "
            "WHERE pg_try_advisory_xact_lock(%s, s) LIMIT 1",
            [CHAINS - 1, LOCK_NAMESPACE],
        )
        found = cursor.fetchone()
        if found is not None:
            return int(found[0])
        cursor.execute("SELECT pg_backend_pid()")
        chain = int(cursor.fetchone()[0]) % CHAINS
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, chain])
        return chain


def last_hash(chain: int) -> str:
    from between.accounts.models import AuditEvent

    value = (
        AuditEvent.objects.filter(chain=chain)
        .order_by("-id")
        .values_list("row_hash", flat=True)
        .first()
    )
    return value or GENESIS


def link(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each row (a dict of AuditEvent attribute → value) its chain, link and hash, in
    order. Call inside `transaction.atomic()`, then insert the rows in this order before the
    transaction ends."""
    if not rows:
        return rows
    chain = claim_chain()
    prev, key = last_hash(chain), chain_key()
    for row in rows:
        row["ip_address"] = normalise_ip(row.get("ip_address"))
        row["chain"] = chain
        row["prev_hash"] = prev
        row["row_hash"] = prev = row_hash(row, prev, key)
    return rows


# --- Verification -------------------------------------------------------------------------


@dataclass
class Problem:
    chain: int
    event_id: int
    kind: str  # "altered" | "broken link"

    def __str__(self) -> str:
        if self.kind == "altered":
            return f"chain {self.chain}: event {self.event_id} was altered (its hash differs)"
        return (
            f"chain {self.chain}: the link before event {self.event_id} is broken "
            "(an event was removed or inserted)"
        )


@dataclass
class Verification:
    events: int = 0
    problems: list[Problem] = field(default_factory=list)
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)
    missing_checkpoints: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing_checkpoints

    @property
    def checkpoint(self) -> str:
        """Each chain's newest event as `chain:id:hash-prefix`; keep it outside the database
        and pass it back with `--checkpoint` to find rows removed from a chain's end."""
        return ",".join(
            f"{chain}:{event_id}:{digest[:16]}"
            for chain, (event_id, digest) in sorted(self.heads.items())
        )


def _rows(chain: int, chunk: int) -> Iterator[dict[str, Any]]:
    from between.accounts.models import AuditEvent

    fields = ("id", "prev_hash", "row_hash", *HASHED_FIELDS)
    yield from (
        AuditEvent.objects.filter(chain=chain).order_by("id").values(*fields).iterator(chunk)
    )


def verify(checkpoint: str = "", *, chunk: int = 5000, limit: int = 50) -> Verification:
    """Walk every chain in id order and recompute every hash and link."""
    from between.accounts.models import AuditEvent

    result = Verification()
    key = chain_key()
    chains = sorted(set(AuditEvent.objects.values_list("chain", flat=True).distinct()))
    for chain in chains:
        prev = GENESIS
        for row in _rows(chain, chunk):
            result.events += 1
            if row["prev_hash"] != prev and len(result.problems) < limit:
                result.problems.append(Problem(chain, row["id"], "broken link"))
            altered = row_hash(row, row["prev_hash"], key) != row["row_hash"]
            if altered and len(result.problems) < limit:
                result.problems.append(Problem(chain, row["id"], "altered"))
            prev = row["row_hash"]
            result.heads[chain] = (row["id"], row["row_hash"])
    result.missing_checkpoints = list(_missing(checkpoint))
    return result


def _missing(checkpoint: str) -> Iterable[str]:
    from between.accounts.models import AuditEvent

    for item in filter(None, (part.strip() for part in checkpoint.split(","))):
        try:
            chain_text, id_text, prefix = item.split(":")
            found = AuditEvent.objects.filter(
                chain=int(chain_text), id=int(id_text), row_hash__startswith=prefix
            ).exists()
        except ValueError:
            found = False
        if not found:
            yield item
