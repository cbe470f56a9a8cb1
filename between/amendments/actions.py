"""Every change of amendment requests: record, decide, add a statement of disagreement.

Validated, atomic and audited. Access is checked first, outside the transaction, so the audit
event of a refusal is kept. Audit events name the request, the client and a short code; the
family's words, the amendment and the reason stay on the request, never in the trail.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.amendments import access, records
from between.amendments.models import (
    TEXT_MAX_LENGTH,
    AmendmentRequest,
    Requester,
    Status,
)
from between.clinic.actions import today
from between.clinic.models import Client

DECISIONS = (Status.ACCEPTED, Status.DENIED)


def _require_writer(actor: User, client: Client, request: HttpRequest | None) -> None:
    if not policy.writable_clients(actor).filter(pk=client.pk).exists():
        audit.record(
            actor,
            AuditAction.DENY,
            client,
            request=request,
            outcome="denied",
            detail="amendments:write",
        )
        raise PermissionDenied(_("You may not change this client's record."))


def _clean_text(text: str, field: str, empty_message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: empty_message})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {field: _("Keep it under %(n)d characters.") % {"n": TEXT_MAX_LENGTH}}
        )
    return text


def _existing(submission_key: uuid.UUID | None, client: Client) -> AmendmentRequest | None:
    if submission_key is None:
        return None
    found = AmendmentRequest.objects.filter(submission_key=submission_key).first()
    if found is not None and found.client_id != client.pk:
        raise ValidationError(_("This form was already used for another client."))
    return found


def _create(
    actor: User,
    amendment: AmendmentRequest,
    *,
    request: HttpRequest | None,
    detail: str,
) -> AmendmentRequest:
    """Save a new request (a raced double submit finds the first one) and audit it."""
    amendment.full_clean(exclude=["submission_key", "client", "recorded_by"])
    try:
        with transaction.atomic():
            amendment.save()
    except IntegrityError:
        raced = AmendmentRequest.objects.filter(submission_key=amendment.submission_key).first()
        if amendment.submission_key is None or raced is None:
            raise
        return raced
    audit.record(
        actor,
        AuditAction.CREATE,
        amendment,
        request=request,
        client_id=amendment.client_id,
        program_id=amendment.client.program_id,
        detail=detail,
    )
    return amendment


def record_request(
    actor: User,
    client: Client,
    *,
    record_type: str,
    record_id: int,
    requested_by: str,
    received_on: date,
    requested_change: str,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> AmendmentRequest:
    """Staff record a family's request to amend one of the client's records (received by
    phone, letter or in person). A repeated submission (same key) returns the first request."""
    _require_writer(actor, client, request)
    with transaction.atomic():
        existing = _existing(submission_key, client)
        if existing is not None:
            return existing
        if records.find(client, record_type, record_id) is None:
            raise ValidationError({"record": _("Choose one of this client's records.")})
        if requested_by not in Requester.values:
            raise ValidationError({"requested_by": _("Say who asked for the change.")})
        if received_on > today():
            raise ValidationError({"received_on": _("The date cannot be in the future.")})
        change = _clean_text(
            requested_change,
            "requested_change",
            _("Write what the family says is wrong and what it should say."),
        )
        amendment = AmendmentRequest(
            client=client,
            record_type=record_type,
            record_id=record_id,
            requested_by=requested_by,
            received_on=received_on,
            requested_change=change,
            recorded_by=actor,
            submission_key=submission_key,
        )
        return _create(actor, amendment, request=request, detail=f"requested:{record_type}")


def request_amendment(
    actor: User,
    *,
    record_type: str,
    record_id: int,
    requested_change: str,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> AmendmentRequest:
    """A family member asks, in the portal, to amend a record of their own child: open
    homework, a practice log on it, or the child's details. Never sessions or notes."""
    found = records.family_record(actor, record_type, record_id)
    if found is None:
        audit.record(
            actor,
            AuditAction.DENY,
            request=request,
            outcome="denied",
            object_type=records.object_type(record_type),
            object_id=record_id,
            detail="amendments:family",
        )
        raise PermissionDenied(_("You cannot ask to change this record."))
    client, _record = found
    with transaction.atomic():
        existing = _existing(submission_key, client)
        if existing is not None:
            return existing
        change = _clean_text(
            requested_change,
            "requested_change",
            _("Please write what is wrong and what it should say."),
        )
        amendment = AmendmentRequest(
            client=client,
            record_type=record_type,
            record_id=record_id,
            requested_by=(
                Requester.YOUTH if client.portal_user_id == actor.pk else Requester.CAREGIVER
            ),
            requested_by_user=actor,
            received_on=today(),
            requested_change=change,
            recorded_by=actor,
            submission_key=submission_key,
        )
        return _create(actor, amendment, request=request, detail=f"requested:{record_type}:portal")


def decide(
    actor: User,
    amendment: AmendmentRequest,
    *,
    decision: str,
    note: str,
    request: HttpRequest | None = None,
) -> tuple[AmendmentRequest, bool]:
    """Accept (with the amendment text to append to the record) or deny (with the reason).

    Returns (request, decided now). A request is decided once: deciding it again, as a double
    submit does, changes nothing and returns False.
    """
    _require_writer(actor, amendment.client, request)
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose to accept or to deny the request.")})
    note = _clean_text(
        note,
        "note",
        _("Write the amendment to append to the record.")
        if decision == Status.ACCEPTED
        else _("Give the reason for the denial."),
    )
    with transaction.atomic():
        locked = AmendmentRequest.objects.select_for_update().get(pk=amendment.pk)
        if not locked.is_pending:
            return locked, False
        locked.status = decision
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            locked,
            request=request,
            client_id=locked.client_id,
            program_id=amendment.client.program_id,
            detail=str(decision),
        )
    return locked, True


def add_disagreement(
    actor: User,
    amendment: AmendmentRequest,
    *,
    statement: str,
    request: HttpRequest | None = None,
) -> tuple[AmendmentRequest, bool]:
    """The family's statement of disagreement with a denial, appended once: by the family
    member who asked in the portal, or by staff who may change the record (a statement sent
    on paper).

    Returns (request, added now); a second statement changes nothing.
    """
    client = amendment.client
    is_family = access.is_requester(actor, amendment)
    if not is_family:
        _require_writer(actor, client, request)
    statement = _clean_text(
        statement, "statement", _("Please write why you disagree with the decision.")
    )
    with transaction.atomic():
        locked = AmendmentRequest.objects.select_for_update().get(pk=amendment.pk)
        if not locked.is_denied:
            raise ValidationError(_("A statement of disagreement follows a denied request only."))
        if locked.disagreement:
            return locked, False
        locked.disagreement = statement
        locked.disagreement_at = timezone.now()
        locked.disagreement_by = actor
        locked.save(update_fields=["disagreement", "disagreement_at", "disagreement_by"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            locked,
            request=request,
            client_id=locked.client_id,
            program_id=client.program_id,
            detail="disagreement:portal" if is_family else "disagreement",
        )
    return locked, True
