"""Every change of clinic data: validated, atomic, audited.

Views, imports, management commands and tests call these; none saves clinic models directly.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.actions import grant_role
from between.accounts.models import AuditAction, Role, User
from between.clinic.models import (
    Caregiver,
    Client,
    ClientCaregiver,
    Episode,
    Organization,
    Program,
    ProgressNote,
    Session,
)


def today() -> date:
    """Today in the county's zone (settings.TIME_ZONE), not the server's."""
    return timezone.localdate()


def _require_writer(actor: User, client: Client) -> None:
    if not policy.writable_clients(actor).filter(pk=client.pk).exists():
        audit.record(actor, AuditAction.DENY, client, outcome="denied", detail="write")
        raise PermissionDenied(_("You may not change this client's record."))


@transaction.atomic
def create_organization(actor: User | None, *, name: str, slug: str) -> Organization:
    organization = Organization.objects.create(name=name, slug=slug)
    audit.record(actor, AuditAction.CREATE, organization)
    return organization


@transaction.atomic
def create_program(
    actor: User | None, organization: Organization, *, name: str, code: str, kind: str
) -> Program:
    program = Program(organization=organization, name=name, code=code, kind=kind)
    program.full_clean()
    program.save()
    audit.record(actor, AuditAction.CREATE, program)
    return program


@transaction.atomic
def register_client(
    actor: User | None,
    program: Program,
    *,
    ehr_id: str,
    given_name: str,
    family_name: str,
    birth_date: date,
    preferred_language: str = "en",
    diagnosis_group: str = "other",
    primary_clinician: User | None = None,
    opened_on: date | None = None,
) -> Client:
    """Register a client in a program and open their first episode of care."""
    if birth_date > today():
        raise ValidationError({"birth_date": _("The birth date cannot be in the future.")})
    if primary_clinician is not None and not policy.has_role_in(
        primary_clinician, program.pk, Role.CLINICIAN, Role.SUPERVISOR
    ):
        raise ValidationError(
            {"primary_clinician": _("The primary clinician must be on this program's staff.")}
        )
    client = Client(
        organization_id=program.organization_id,
        program=program,
        ehr_id=ehr_id,
        given_name=given_name,
        family_name=family_name,
        birth_date=birth_date,
        preferred_language=preferred_language,
        diagnosis_group=diagnosis_group,
        primary_clinician=primary_clinician,
    )
    client.full_clean()
    client.save()
    Episode.objects.create(client=client, program=program, opened_on=opened_on or today())
    audit.record(actor, AuditAction.CREATE, client)
    return client


@transaction.atomic
def add_caregiver(
    actor: User | None,
    client: Client,
    *,
    given_name: str,
    family_name: str,
    relationship: str = "other",
    language: str = "en",
    phone: str = "",
    email: str = "",
    has_messaging_consent: bool = False,
    is_primary: bool = False,
) -> Caregiver:
    caregiver = Caregiver(
        organization_id=client.organization_id,
        given_name=given_name,
        family_name=family_name,
        language=language,
        phone=phone,
        email=email,
        messaging_consent_at=timezone.now() if has_messaging_consent else None,
    )
    caregiver.full_clean()
    caregiver.save()
    ClientCaregiver.objects.create(
        client=client, caregiver=caregiver, relationship=relationship, is_primary=is_primary
    )
    audit.record(actor, AuditAction.CREATE, caregiver, client_id=client.pk)
    return caregiver


def record_session(
    actor: User,
    client: Client,
    *,
    occurred_on: date,
    session_type: str = "individual",
    status: str = "attended",
    is_intake: bool = False,
    youth_attended: bool = True,
    caregiver_attended: bool = False,
    duration_minutes: int | None = None,
    note_text: str = "",
    submission_key: uuid.UUID | None = None,
) -> Session:
    """Record a session the actor held with the client (and its progress note, if given).

    A repeated submission (same key) returns the session it first made and writes nothing.
    """
    # Checked outside the transaction, so the audit event of a refusal is not rolled back.
    _require_writer(actor, client)
    with transaction.atomic():
        if submission_key is not None:
            existing = Session.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                if existing.client_id != client.pk:
                    raise ValidationError(_("This form was already used for another client."))
                return existing
        if occurred_on > today() and status != "scheduled":
            raise ValidationError(
                {"occurred_on": _("Only a scheduled session can have a date in the future.")}
            )
        if status == "attended" and not (youth_attended or caregiver_attended):
            raise ValidationError(_("An attended session needs the youth or a caregiver present."))
        episode = client.episodes.filter(closed_on__isnull=True).order_by("-opened_on").first()
        session = Session(
            client=client,
            clinician=actor,
            program_id=client.program_id,
            episode=episode,
            occurred_on=occurred_on,
            session_type=session_type,
            status=status,
            is_intake=is_intake,
            youth_attended=youth_attended,
            caregiver_attended=caregiver_attended,
            duration_minutes=duration_minutes,
            submission_key=submission_key,
        )
        session.full_clean(exclude=["submission_key"])
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError:
            # The same form raced in twice: the first submission won.
            existing = Session.objects.filter(submission_key=submission_key).first()
            if submission_key is None or existing is None:
                raise
            return existing
        audit.record(actor, AuditAction.CREATE, session)
        if note_text.strip():
            add_progress_note(actor, session, text=note_text)
        return session


def add_progress_note(
    actor: User, session: Session, *, text: str, language: str = "en"
) -> ProgressNote:
    _require_writer(actor, session.client)  # outside the transaction, as in record_session
    if not text.strip():
        raise ValidationError({"text": _("The note is empty.")})
    with transaction.atomic():
        note = ProgressNote.objects.create(
            session=session, author=actor, text=text, language=language
        )
        audit.record(actor, AuditAction.CREATE, note, client_id=session.client_id)
    return note


@transaction.atomic
def link_family_account(actor: User | None, caregiver: Caregiver, user: User) -> Caregiver:
    """Give a caregiver's family account access to their children's homework (not to notes)."""
    Caregiver.objects.filter(pk=caregiver.pk).update(user=user)
    caregiver.user = user
    for program_id in caregiver.clients.values_list("program_id", flat=True).distinct():
        grant_role(actor, user, Program.objects.get(pk=program_id), Role.FAMILY)
    audit.record(actor, AuditAction.UPDATE, caregiver, detail="family_account")
    return caregiver
