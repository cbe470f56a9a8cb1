"""How the worker sends one message: claim it, check it may still go, send it, record the outcome.

A claim is a conditional UPDATE (queued -> sending, with this worker's token), so of two workers
racing for a message exactly one wins. No database transaction is held while a gateway is
called; every later update names the claim token, so a worker that lost its claim (it was
presumed dead) cannot overwrite what another recorded.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F

from between.notify import backends
from between.notify.models import Message, MessageKind, MessageStatus

log = logging.getLogger(__name__)

# A failed send is tried again after these waits, then marked failed.
RETRY_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1
# A message still "sending" this long after its claim belongs to a worker that died; it is
# sent again (at least once, rather than never).
STALE_CLAIM = timedelta(minutes=15)


def claim(pk: int, worker_id: str, now: datetime) -> Message | None:
    token = f"{worker_id[:40]}:{uuid.uuid4().hex[:16]}"
    claimed = Message.objects.filter(
        pk=pk, status=MessageStatus.QUEUED, next_attempt_at__lte=now
    ).update(
        status=MessageStatus.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return None  # another worker has it
    return (
        Message.objects.select_related("caregiver", "assignment")
        .filter(pk=pk, claim_token=token)
        .first()
    )


def release_stale_claims(now: datetime) -> None:
    stale = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=MessageStatus.FAILED, claim_token="", error="stale_claim"
    )
    stale.update(status=MessageStatus.QUEUED, claim_token="", next_attempt_at=now)


def _finish(message: Message, **fields: Any) -> None:
    """Update the message only if this worker still holds the claim."""
    Message.objects.filter(
        pk=message.pk, status=MessageStatus.SENDING, claim_token=message.claim_token
    ).update(claim_token="", **fields)


def _cancel_reason(message: Message, now: datetime) -> str:
    caregiver = message.caregiver
    if message.requires_consent and caregiver is not None and not caregiver.has_messaging_consent:
        return "no_consent"
    if message.kind == MessageKind.REMINDER:
        assignment = message.assignment
        if assignment is None or not assignment.is_open:
            return "closed"
        if now.astimezone(ZoneInfo(settings.TIME_ZONE)).date() > assignment.due_on:
            return "past_due"
    return ""


def deliver(message: Message, now: datetime) -> bool:
    reason = _cancel_reason(message, now)
    if reason:
        _finish(message, status=MessageStatus.CANCELLED, error=reason)
        return False
    try:
        provider_id = backends.get_backend(message.channel).send(message)
    except backends.PermanentError as exc:
        _finish(message, status=MessageStatus.FAILED, error=exc.code)
        return False
    except Exception as exc:
        code = exc.code if isinstance(exc, backends.RetryableError) else "error"
        # Ids and the error's type only: an exception's text may hold an address.
        log.warning("message %s attempt %s failed: %s", message.pk, message.attempts, code)
        if message.attempts >= MAX_ATTEMPTS:
            _finish(message, status=MessageStatus.FAILED, error=code)
        else:
            retry_at = now + RETRY_BACKOFF[message.attempts - 1]
            _finish(message, status=MessageStatus.QUEUED, next_attempt_at=retry_at, error=code)
        return False
    _finish(
        message, status=MessageStatus.SENT, sent_at=now, provider_id=provider_id[:100], error=""
    )
    return True
