"""Every change of notify data: messages, reminder plans, consent and STOP, inbound texts, alerts.

Messages are durable rows first: an action queues a row in its own transaction, and the worker
(`between worker`) sends it later, so a rolled-back action never sends anything. Every message
respects consent (unless the caller says it answers someone who just wrote to us) and quiet
hours (except a sign-in link someone is waiting for, and a reply to a text just received).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.clinic.models import Caregiver, Client, ClientCaregiver
from between.homework import actions as homework_actions
from between.homework.models import Assignment, Completion, LogSource
from between.notify import delivery, texts
from between.notify.models import (
    Alert,
    AlertKind,
    Channel,
    InboundMessage,
    InboundOutcome,
    Message,
    MessageKind,
    MessageStatus,
    ReminderPlan,
)

# "1 / 2 / 3" answers the latest reminder sent to the number within this window.
REPLY_WINDOW = timedelta(days=7)
HELP_EVERY = timedelta(hours=1)
# Kinds that go out at once, even in quiet hours.
NOT_QUIET = frozenset({MessageKind.SIGN_IN_LINK, MessageKind.REPLY})

STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "alto", "parar", "baja"}
)
HELP_WORDS = frozenset({"help", "info", "ayuda"})
ANSWERS = {
    "1": Completion.DONE,
    "si": Completion.DONE,
    "yes": Completion.DONE,
    "2": Completion.PARTLY,
    "poco": Completion.PARTLY,
    "un poco": Completion.PARTLY,
    "a little": Completion.PARTLY,
    "3": Completion.NOT,
    "no": Completion.NOT,
}


# --- Helpers: time, numbers, access ----------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _is_quiet(moment: time) -> bool:
    start, end = settings.QUIET_HOURS_START, settings.QUIET_HOURS_END
    if start == end:
        return False
    if start > end:  # across midnight, e.g. 21:00-08:00
        return moment >= start or moment < end
    return start <= moment < end


def _after_quiet_hours(when: datetime) -> datetime:
    """`when`, or the end of the quiet hours it falls in (county time)."""
    zone = _zone()
    local = when.astimezone(zone)
    if not _is_quiet(local.time()):
        return when
    end = settings.QUIET_HOURS_END
    day = local.date() + timedelta(days=1 if local.time() >= end else 0)
    return datetime.combine(day, end, tzinfo=zone)


def _phone(number: str) -> str:
    """E.164-like form for comparing numbers. Ten digits are a national number of the county's
    (North American) plan."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+"):
        return f"+{digits}"
    if len(digits) == 10:
        return f"+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"+{digits}"
    return digits


def _caregivers_with_number(number: str) -> list[Caregiver]:
    """Caregivers whose phone, however it was typed, is this number."""
    if len(number) < 4:
        return []
    candidates = Caregiver.objects.filter(phone__endswith=number[-4:]).order_by("-id")
    return [c for c in candidates if _phone(c.phone) == number]


def _is_stopped(caregiver: Caregiver) -> bool:
    """STOP was recorded and no consent was given since."""
    stopped, consent = caregiver.messaging_stopped_at, caregiver.messaging_consent_at
    return stopped is not None and (consent is None or stopped >= consent)


def _deny(actor: Any, obj: Any, detail: str) -> PermissionDenied:
    audit.record(actor, AuditAction.DENY, obj, outcome="denied", detail=detail)
    return PermissionDenied(_("You may not change this client's record."))


def _require_caregiver_access(actor: Any, caregiver: Caregiver, detail: str) -> None:
    """The family themselves, or a clinician/supervisor who may write one of their children."""
    if actor is not None and caregiver.user_id is not None and caregiver.user_id == actor.pk:
        return
    clients = ClientCaregiver.objects.filter(caregiver=caregiver).values("client_id")
    if not policy.writable_clients(actor).filter(pk__in=clients).exists():
        raise _deny(actor, caregiver, detail)


# --- Queueing --------------------------------------------------------------------------------


def queue_message(
    actor: User | None,
    *,
    channel: str,
    kind: str,
    body: str,
    subject: str = "",
    language: str = "en",
    caregiver: Caregiver | None = None,
    to_address: str = "",
    assignment: Assignment | None = None,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    require_consent: bool = True,
) -> Message | None:
    """Queue one message for the worker. None (and a denied audit event) without consent.

    `require_consent=False` is for a reply to someone who just wrote to us (a STOP confirmation,
    help) or a link they just asked for. A repeated `dedupe_key` returns the first message.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if kind not in MessageKind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    client_id = assignment.client_id if assignment is not None else None
    if caregiver is not None:
        # The caller's copy may predate a STOP that just arrived.
        caregiver = Caregiver.objects.get(pk=caregiver.pk)
        if require_consent and not caregiver.has_messaging_consent:
            audit.record(
                actor,
                AuditAction.DENY,
                caregiver,
                outcome="denied",
                client_id=client_id,
                detail="no_consent",
            )
            return None
    address = to_address or _default_address(channel, caregiver)
    if channel == Channel.SMS:
        address = _phone(address)
    if not address:
        raise ValidationError(_("There is no address to send this message to."))
    now = timezone.now()
    due = due_at or now
    if kind not in NOT_QUIET and channel != Channel.INBOX:
        due = _after_quiet_hours(due)
    message = Message(
        channel=channel,
        kind=kind,
        caregiver=caregiver,
        to_address=address,
        language=texts.family_language(language),
        subject=subject[:200],
        body=body,
        assignment=assignment,
        requires_consent=require_consent,
        due_at=due,
        next_attempt_at=due,
        dedupe_key=dedupe_key or None,
        created_at=now,
    )
    with transaction.atomic():
        if dedupe_key:
            existing = Message.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            if dedupe_key:  # raced with another worker: the first one won
                return Message.objects.get(dedupe_key=dedupe_key)
            raise
        audit.record(actor, AuditAction.CREATE, message, client_id=client_id, detail=kind)
    return message


def _default_address(channel: str, caregiver: Caregiver | None) -> str:
    if caregiver is None:
        return ""
    if channel == Channel.SMS:
        return caregiver.phone
    if channel == Channel.EMAIL:
        return caregiver.email
    return f"caregiver:{caregiver.pk}"


# --- Reminder plans, consent, STOP, alerts ------------------------------------------------------


def set_reminder_plan(
    actor: User,
    assignment: Assignment,
    caregiver: Caregiver,
    *,
    weekdays: list[int],
    time_of_day: time,
    is_active: bool = True,
) -> ReminderPlan:
    """Create or change the caregiver's reminders for one assignment (weekdays: Monday = 0).

    The family may set their own; a clinician or supervisor who may write the record may set
    any caregiver's of that child.
    """
    linked = ClientCaregiver.objects.filter(
        client_id=assignment.client_id, caregiver=caregiver
    ).exists()
    own = caregiver.user_id is not None and caregiver.user_id == getattr(actor, "pk", None)
    scope = policy.visible_clients(actor) if own else policy.writable_clients(actor)
    if not (linked and scope.filter(pk=assignment.client_id).exists()):
        raise _deny(actor, assignment, "reminder_plan")
    days = set(weekdays)
    if any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in days):
        raise ValidationError({"weekdays": _("Days are numbered 0 (Monday) to 6 (Sunday).")})
    if is_active and not days:
        raise ValidationError({"weekdays": _("Choose at least one day.")})
    if not isinstance(time_of_day, time):
        raise ValidationError({"time_of_day": _("Choose a time.")})
    if not assignment.is_open:
        raise ValidationError(_("This homework is finished; it needs no reminders."))
    now = timezone.now()
    fields = {
        "weekdays": sum(1 << d for d in days),
        "time_of_day": time_of_day.replace(second=0, microsecond=0, tzinfo=None),
        "is_active": is_active,
        "updated_at": now,
    }
    with transaction.atomic():
        plan, created = ReminderPlan.objects.select_for_update().get_or_create(
            assignment=assignment,
            caregiver=caregiver,
            defaults={**fields, "created_by": actor if isinstance(actor, User) else None},
        )
        if not created:
            for name, value in fields.items():
                setattr(plan, name, value)
            plan.save(update_fields=list(fields))
        audit.record(
            actor,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            plan,
            client_id=assignment.client_id,
        )
    return plan


def stop_messages(actor: User | None, caregiver: Caregiver, *, source: str) -> Caregiver:
    """Stop every message to the caregiver now (STOP/ALTO, or the family's or clinician's wish):
    records the moment and cancels what is queued. Without an actor it is the SMS gateway."""
    if actor is not None:
        _require_caregiver_access(actor, caregiver, "messaging_stop")
    now = timezone.now()
    with transaction.atomic():
        Caregiver.objects.filter(pk=caregiver.pk).update(messaging_stopped_at=now)
        caregiver.messaging_stopped_at = now
        Message.objects.filter(
            caregiver=caregiver, status=MessageStatus.QUEUED, requires_consent=True
        ).update(status=MessageStatus.CANCELLED, error="stopped")
        audit.record(actor, AuditAction.UPDATE, caregiver, detail=f"messaging_stopped:{source}")
    return caregiver


def record_consent(actor: User | None, caregiver: Caregiver) -> Caregiver:
    """The caregiver agrees to messages (again): a consent later than a STOP lifts it."""
    if actor is not None:
        _require_caregiver_access(actor, caregiver, "messaging_consent")
    now = timezone.now()
    stopped = Caregiver.objects.filter(pk=caregiver.pk).values_list(
        "messaging_stopped_at", flat=True
    )[0]
    if stopped is not None and now <= stopped:
        now = stopped + timedelta(microseconds=1)  # the same clock tick as the STOP
    with transaction.atomic():
        Caregiver.objects.filter(pk=caregiver.pk).update(messaging_consent_at=now)
        caregiver.messaging_consent_at = now
        caregiver.messaging_stopped_at = stopped
        audit.record(actor, AuditAction.UPDATE, caregiver, detail="messaging_consent")
    return caregiver


def raise_alert(recipient: User, *, kind: str, client: Client | None = None) -> Alert:
    """Tell a clinician something (shown on "my week" until read)."""
    if kind not in AlertKind.values:
        raise ValueError(f"unknown alert kind {kind!r}")
    with transaction.atomic():
        alert = Alert.objects.create(recipient=recipient, kind=kind, client=client)
        audit.record(
            None,
            AuditAction.CREATE,
            alert,
            client_id=client.pk if client is not None else None,
            detail=kind,
        )
    return alert


def mark_alert_read(actor: User, alert: Alert) -> Alert:
    """The recipient has seen the alert: it leaves "my week"."""
    if alert.recipient_id != actor.pk:
        raise PermissionDenied(_("This alert is for someone else."))
    with transaction.atomic():
        Alert.objects.filter(pk=alert.pk, read_at__isnull=True).update(read_at=timezone.now())
        alert.refresh_from_db(fields=["read_at"])
        audit.record(actor, AuditAction.UPDATE, alert, client_id=alert.client_id, detail="read")
    return alert


# --- Inbound text messages -------------------------------------------------------------------


def _words(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: "¡Sí!" -> "si"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _last_reminder(number: str, now: datetime) -> Message | None:
    return (
        Message.objects.filter(
            to_address=number,
            kind=MessageKind.REMINDER,
            sent_at__gte=now - REPLY_WINDOW,
            sent_at__lte=now,
        )
        .select_related("caregiver", "assignment__session")
        .order_by("-sent_at", "-id")
        .first()
    )


def _idempotency_key(provider_id: str) -> str:
    key = f"sms:{provider_id}"
    return key if len(key) <= 64 else f"sms:{hashlib.sha256(provider_id.encode()).hexdigest()}"


def handle_inbound(
    *, provider_id: str, from_number: str, body: str
) -> tuple[InboundMessage, str | None]:
    """Act on one text message from the gateway (its signature already checked) and return
    the reply queued for it, if any.

    - STOP / ALTO (and the usual synonyms): every caregiver with that number is stopped; one
      confirmation is sent (the only message allowed after STOP), none for a repeated STOP.
    - 1 / 2 / 3, SI / POCO / NO, YES / A LITTLE / NO (any case, with or without accents): a
      practice log for the assignment of the latest reminder sent to that number, dated today
      in the county; a short thank-you (only with consent).
    - HELP / AYUDA or anything else: a short help text in the family's language, unless stopped.
    - An unknown number: recorded, nothing logged, no reply (a reply would tell a stranger
      that this number belongs to someone in care).
    A redelivered webhook (same provider id) changes nothing and replies nothing.
    """
    provider_id = provider_id.strip()[:64]
    if not provider_id:
        raise ValueError("an inbound message needs the gateway's id")
    existing = InboundMessage.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing, None
    number = _phone(from_number)
    now = timezone.now()
    try:
        with transaction.atomic():
            # Inserted first: a concurrent redelivery waits here, then fails on the unique id.
            inbound = InboundMessage.objects.create(
                provider_id=provider_id,
                from_number=number[:32],
                body=body[:1600],
                received_at=now,
                outcome=InboundOutcome.UNRECOGNIZED,
            )
            reply = _answer(inbound, number, now)
            inbound.save(update_fields=["caregiver", "assignment", "outcome"])
    except IntegrityError:
        raced = InboundMessage.objects.filter(provider_id=provider_id).first()
        if raced is None:
            raise
        return raced, None
    return inbound, reply


def _answer(inbound: InboundMessage, number: str, now: datetime) -> str | None:
    text = _words(inbound.body)
    reminder = _last_reminder(number, now)
    same_number = _caregivers_with_number(number)
    caregiver = reminder.caregiver if reminder is not None else None
    caregiver = caregiver or (same_number[0] if same_number else None)
    if caregiver is None:
        inbound.outcome = InboundOutcome.UNKNOWN_NUMBER
        return None
    inbound.caregiver = caregiver
    language = texts.family_language(caregiver.language)

    if text in STOP_WORDS:
        everyone = {c.pk: c for c in [caregiver, *same_number]}.values()
        to_stop = [c for c in everyone if not _is_stopped(c)]
        for person in to_stop:
            stop_messages(None, person, source="sms")
        if not to_stop:
            inbound.outcome = InboundOutcome.ALREADY_STOPPED
            return None
        inbound.outcome = InboundOutcome.STOPPED
        return _reply(caregiver, number, texts.stopped(language), language, consent=False)

    completion = ANSWERS.get(text)
    if completion is None or reminder is None or reminder.assignment is None:
        if text in HELP_WORDS:
            inbound.outcome = InboundOutcome.HELP
        elif completion is not None:
            inbound.outcome = InboundOutcome.NO_REMINDER
        help_text = texts.help_text(language)
        # At most one help text an hour: an auto-responder must not start a loop with us.
        recent = Message.objects.filter(
            to_address=number,
            kind=MessageKind.REPLY,
            body=help_text,
            created_at__gte=now - HELP_EVERY,
        )
        if _is_stopped(caregiver) or recent.exists():
            return None
        return _reply(caregiver, number, help_text, language, consent=False)

    assignment = reminder.assignment
    inbound.assignment = assignment
    try:
        homework_actions.log_practice(
            None,
            assignment,
            practiced_on=timezone.localdate(now),
            completion=completion,
            source=LogSource.SMS,
            idempotency_key=_idempotency_key(inbound.provider_id),
        )
    except ValidationError:
        inbound.outcome = InboundOutcome.NOT_LOGGED
        return None
    inbound.outcome = InboundOutcome.LOGGED
    return _reply(caregiver, number, texts.logged(language), language, assignment=assignment)


def _reply(
    caregiver: Caregiver,
    number: str,
    body: str,
    language: str,
    *,
    consent: bool = True,
    assignment: Assignment | None = None,
) -> str | None:
    message = queue_message(
        None,
        channel=Channel.SMS,
        kind=MessageKind.REPLY,
        body=body,
        language=language,
        caregiver=caregiver,
        to_address=number,
        assignment=assignment,
        require_consent=consent,
    )
    return message.body if message is not None else None


def record_delivery_status(*, provider_id: str, status: str) -> int:
    """The gateway's delivery report for a sent message (from the signed status callback).
    Delivery bookkeeping lives on the message row itself. Returns the rows changed."""
    status = status.strip().lower()[:16]
    if not provider_id or not status:
        return 0
    sent = Message.objects.filter(provider_id=provider_id[:100])
    if status in {"failed", "undelivered"}:
        return sent.filter(status=MessageStatus.SENT).update(
            status=MessageStatus.FAILED, delivery_status=status, error="undelivered"
        )
    return sent.update(delivery_status=status)


# --- The worker: reminders and sending ---------------------------------------------------------


def schedule_reminders(*, now: datetime | None = None) -> int:
    """Queue today's reminders whose time has come (county time). Idempotent: at most one per
    plan per day (the dedupe key), so running it every minute is safe. A reminder missed
    because the worker was down goes late the same day (deferred past quiet hours), never the
    next day. Returns the number queued."""
    now = now or timezone.now()
    zone = _zone()
    today = now.astimezone(zone).date()
    plans = (
        ReminderPlan.objects.filter(
            is_active=True,
            assignment__closed_at__isnull=True,
            assignment__due_on__gte=today,
            caregiver__messaging_consent_at__isnull=False,
        )
        .annotate(today_bit=F("weekdays").bitand(1 << today.weekday()))
        .filter(today_bit__gt=0)
        .select_related("assignment__template_version", "caregiver")
        .order_by("id")
    )
    queued = 0
    for plan in plans:
        caregiver, assignment = plan.caregiver, plan.assignment
        at = datetime.combine(today, plan.time_of_day, tzinfo=zone)
        key = f"reminder:{plan.pk}:{today.isoformat()}"
        if at > now or not caregiver.has_messaging_consent:
            continue
        if _after_quiet_hours(at).astimezone(zone).date() > assignment.due_on:
            continue  # deferred past quiet hours it would arrive after the due date
        channel = Channel.SMS if caregiver.phone else Channel.EMAIL if caregiver.email else None
        if channel is None or Message.objects.filter(dedupe_key=key).exists():
            continue
        language = texts.family_language(caregiver.language)
        subject, body = texts.reminder(assignment, language)
        message = queue_message(
            None,
            channel=channel,
            kind=MessageKind.REMINDER,
            body=body,
            subject=subject if channel == Channel.EMAIL else "",
            language=language,
            caregiver=caregiver,
            assignment=assignment,
            due_at=at,
            dedupe_key=key,
        )
        queued += message is not None
    return queued


def send_due(worker_id: str, *, now: datetime | None = None, limit: int = 100) -> int:
    """Send up to `limit` due messages; returns how many were sent. Each message is claimed by
    a conditional UPDATE (queued -> sending with this worker's token), so two workers never
    send the same one; no database transaction is held while a gateway is called."""
    now = now or timezone.now()
    delivery.release_stale_claims(now)
    due = (
        Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for pk in list(due):
        message = delivery.claim(pk, worker_id, now)
        if message is not None and delivery.deliver(message, now):
            sent += 1
    return sent
