"""Every change the family portal makes: invitations, accepting them, signing in by PIN or
one-time link, lockouts, language, practice details, stopping messages.

Atomic and audited, like every app's actions. Failed sign-ins are recorded outside the
transaction that refuses them, so the refusal itself is never rolled back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.actions import create_user, grant_role
from between.accounts.models import AuditAction, Role, User
from between.clinic.actions import link_family_account, today
from between.clinic.models import Caregiver, Client, ClientCaregiver
from between.notify import actions as notify
from between.portal import security
from between.portal.models import AttemptKind, Channel, FamilyAccount, Invitation
from between.portal.security import RateLimited
from between.portal.signin import (
    SignInRefused,
    request_sign_in_link,
    sign_in_with_link,
    sign_in_with_pin,
)

YOUTH_MIN_AGE = 12
# Sent invitations (each one a message) per person per day: a typo'd click is not a flood.
MAX_SENT_INVITATIONS_PER_DAY = 5

__all__ = [
    "RateLimited",
    "SignInRefused",
    "request_sign_in_link",
    "sign_in_with_link",
    "sign_in_with_pin",
]


def _require_writer(actor: User, client: Client) -> None:
    if not policy.writable_clients(actor).filter(pk=client.pk).exists():
        audit.record(actor, AuditAction.DENY, client, outcome="denied", detail="invite")
        raise PermissionDenied(_("You may not change this client's record."))


# --- Invitations (clinician side) -------------------------------------------------------------


@dataclass
class IssuedInvitation:
    """The invitation and its secrets, which exist in plain text only here, once."""

    invitation: Invitation
    code: str
    token: str

    @property
    def printable_code(self) -> str:
        return security.format_code(self.code)


def can_invite_youth(client: Client) -> bool:
    return client.age_on(today()) >= YOUTH_MIN_AGE


def invite(
    actor: User,
    client: Client,
    *,
    channel: str,
    caregiver: Caregiver | None = None,
    youth: bool = False,
    site_url: str = "",
    request: HttpRequest | None = None,
) -> IssuedInvitation:
    """Invite a caregiver (or the youth, 12 and older) to the portal by text, email or a printed
    code. A new invitation replaces the person's earlier open ones. Re-inviting someone who has
    an account is how a forgotten PIN is reset."""
    _require_writer(actor, client)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose how to send the invitation.")})
    if youth == (caregiver is not None):
        raise ValidationError(_("Invite either a caregiver or the youth."))
    if youth:
        if not can_invite_youth(client):
            raise ValidationError(_("Only youth aged 12 and older can have their own account."))
        if channel != Channel.PRINT:
            raise ValidationError(
                {"channel": _("A youth's invitation is printed: we have no contact details.")}
            )
    else:
        assert caregiver is not None
        if not ClientCaregiver.objects.filter(client=client, caregiver=caregiver).exists():
            raise ValidationError(_("That caregiver is not linked to this client."))
        _check_contact(caregiver, channel)
    now = timezone.now()
    issued = IssuedInvitation(
        invitation=Invitation(
            client=client,
            caregiver=caregiver,
            is_youth=youth,
            channel=channel,
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=security.INVITATION_DAYS),
        ),
        code="",
        token="",
    )
    with transaction.atomic():
        same_person = Invitation.objects.filter(
            client=client, caregiver=caregiver, is_youth=youth
        ).select_for_update()
        if channel != Channel.PRINT and (
            same_person.filter(created_at__gte=now - timedelta(days=1))
            .exclude(channel=Channel.PRINT)
            .count()
            >= MAX_SENT_INVITATIONS_PER_DAY
        ):
            raise ValidationError(_("Too many invitations were sent today. Try again tomorrow."))
        for earlier in same_person.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ):
            _revoke(actor, earlier, request=request, detail="revoke:superseded")
        _save_with_fresh_secrets(issued)
        audit.record(
            actor,
            AuditAction.CREATE,
            issued.invitation,
            request=request,
            detail=f"invite:{channel}:{'youth' if youth else 'caregiver'}",
        )
        if channel != Channel.PRINT:
            assert caregiver is not None
            _send_invitation(actor, issued, caregiver, site_url)
    return issued


def _check_contact(caregiver: Caregiver, channel: str) -> None:
    if channel == Channel.PRINT:
        return
    if channel == Channel.SMS and not security.normalize_phone(caregiver.phone):
        raise ValidationError({"channel": _("This caregiver has no mobile phone number.")})
    if channel == Channel.EMAIL and not caregiver.email:
        raise ValidationError({"channel": _("This caregiver has no email address.")})
    if not caregiver.has_messaging_consent:
        raise ValidationError(
            {"channel": _("This caregiver has not agreed to messages. Print the code instead.")}
        )


def _save_with_fresh_secrets(issued: IssuedInvitation) -> None:
    for _attempt in range(5):
        issued.code, issued.token = security.new_code(), security.new_token()
        issued.invitation.code_hash = security.digest(issued.code)
        issued.invitation.link_token_hash = security.digest(issued.token)
        try:
            with transaction.atomic():
                issued.invitation.save()
            return
        except IntegrityError:
            continue  # a code collision (about 1 in 10^11): draw again
    raise IntegrityError("could not draw a unique invitation code")


def _language_of(caregiver: Caregiver) -> str:
    return caregiver.language if caregiver.language in ("en", "es") else "en"


def _send_invitation(
    actor: User, issued: IssuedInvitation, caregiver: Caregiver, site_url: str
) -> None:
    language = _language_of(caregiver)
    link = site_url + reverse("portal:join-link", args=[issued.token])
    with translation.override(language):
        days = security.INVITATION_DAYS
        body = _(
            "Your clinician invited you to Between Sessions, to see your child's homework. "
            "Open %(link)s or go to %(join)s and type the code %(code)s. "
            "It works for %(days)s days."
        ) % {
            "link": link,
            "join": site_url + reverse("portal:join"),
            "code": issued.printable_code,
            "days": days,
        }
        subject = _("Your invitation to Between Sessions")
    message = notify.queue_message(
        actor,
        channel=issued.invitation.channel,
        kind="invitation",
        body=body,
        subject=subject if issued.invitation.channel == Channel.EMAIL else "",
        language=language,
        caregiver=caregiver,
        dedupe_key=f"portal-invitation:{issued.invitation.pk}",
    )
    if message is None:
        raise ValidationError(
            {"channel": _("This caregiver has not agreed to messages. Print the code instead.")}
        )


def _revoke(
    actor: User, invitation: Invitation, *, request: HttpRequest | None, detail: str
) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now(), revoked_by=actor)
    audit.record(actor, AuditAction.UPDATE, invitation, request=request, detail=detail)


def revoke_invitation(
    actor: User, invitation: Invitation, *, request: HttpRequest | None = None
) -> Invitation:
    """Stop an invitation from working (a lost handout, a message to the wrong person)."""
    _require_writer(actor, invitation.client)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise ValidationError(_("This invitation was already used."))
        if locked.revoked_at is None:
            _revoke(actor, locked, request=request, detail="revoke")
        locked.refresh_from_db()
    return locked


# --- Accepting an invitation (family side) ---------------------------------------------------


def _invitation_failure(invitation: Invitation | None) -> str:
    if invitation is None:
        return _("We could not find that code. Check it and try again.")
    state = invitation.status
    if state == "accepted":
        return _("This invitation was already used. Sign in with your PIN, or ask for a new one.")
    if state == "revoked":
        return _("This invitation was cancelled. Please ask your clinician for a new one.")
    return _("This invitation has expired. Please ask your clinician for a new one.")


def find_open_invitation(*, code: str = "", token: str = "") -> Invitation | None:
    """The invitation a code or link names, if it can still be used."""
    invitation = _lookup_invitation(code=code, token=token)
    return invitation if invitation is not None and invitation.status == "open" else None


def _lookup_invitation(*, code: str = "", token: str = "") -> Invitation | None:
    if code:
        return Invitation.objects.filter(
            code_hash=security.digest(security.normalize_code(code))
        ).first()
    if token:
        return Invitation.objects.filter(link_token_hash=security.digest(token)).first()
    return None


def accept_invitation(
    *,
    pin: str,
    code: str = "",
    token: str = "",
    language: str = "",
    request: HttpRequest | None = None,
) -> User:
    """Redeem an invitation's code or link with a new PIN: creates (or reuses) the family
    account, links it to the child, and returns the user to sign in. Works once."""
    ip = audit.client_ip(request)
    key = security.digest("code:" + security.normalize_code(code)) if code else ""
    if security.is_limited(AttemptKind.CODE, key=key, ip=ip):
        audit.record(
            None,
            AuditAction.LOGIN_FAILED,
            request=request,
            outcome="failed",
            object_type="portal.invitation",
            detail="rate_limited",
        )
        raise RateLimited()
    security.check_pin(pin)
    failed: Invitation | None = None
    found = False
    with transaction.atomic():
        invitation = _lookup_invitation(code=code, token=token)
        if invitation is not None:
            invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            found = invitation.status == "open"
        if found and invitation is not None:
            user = _account_for(invitation, pin=pin, language=language, request=request)
        else:
            failed = invitation
    if not found:
        security.note_attempt(AttemptKind.CODE, key=key, ip=ip)
        audit.record(
            None,
            AuditAction.LOGIN_FAILED,
            failed,
            request=request,
            outcome="failed",
            object_type="portal.invitation",
            detail=f"invitation:{failed.status if failed else 'unknown'}",
        )
        raise ValidationError({"code": _invitation_failure(failed)})
    return user


def _account_for(
    invitation: Invitation, *, pin: str, language: str, request: HttpRequest | None
) -> User:
    client = invitation.client
    caregiver = invitation.caregiver
    existing = client.portal_user if invitation.is_youth else caregiver.user  # type: ignore[union-attr]
    if existing is not None and (policy.is_staff_member(existing) or existing.is_staff):
        # A PIN must never replace a staff member's password.
        raise ValidationError(_("This account cannot use a PIN. Please ask your clinician."))
    lang = language if language in ("en", "es") else "en"
    if existing is None:
        first, last = (
            (client.given_name, client.family_name)
            if invitation.is_youth
            else (caregiver.given_name, caregiver.family_name)  # type: ignore[union-attr]
        )
        existing = create_user(
            None,
            username=f"family-{uuid.uuid4().hex[:12]}",
            first_name=first,
            last_name=last,
            preferred_language=lang,
        )
    user = existing
    if invitation.is_youth:
        link_youth_account(invitation.invited_by, client, user)
    else:
        link_family_account(invitation.invited_by, caregiver, user)  # type: ignore[arg-type]
    user.set_password(pin)
    user.preferred_language = lang
    user.save(update_fields=["password", "preferred_language"])
    now = timezone.now()
    account = FamilyAccount.objects.select_for_update().filter(user=user).first()
    if account is None:
        account = FamilyAccount(user=user, sign_in_code=_unused_sign_in_code())
    phone = "" if invitation.is_youth else security.normalize_phone(caregiver.phone)  # type: ignore[union-attr]
    if phone and not FamilyAccount.objects.filter(phone=phone).exclude(user=user).exists():
        account.phone = phone
    account.failed_pin_attempts = 0
    account.locked_until = None
    account.pin_set_at = now
    account.save()
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=now, accepted_by=user)
    audit.record(user, AuditAction.UPDATE, invitation, request=request, detail="accept")
    audit.record(user, AuditAction.UPDATE, user, request=request, detail="pin_set")
    return user


def _unused_sign_in_code() -> str:
    while True:
        code = security.new_code()
        if not FamilyAccount.objects.filter(sign_in_code=code).exists():
            return code


@transaction.atomic
def link_youth_account(actor: User | None, client: Client, user: User) -> Client:
    """Give a youth (12 and older) their own family account for their homework (not notes).

    Belongs with clinic.actions.link_family_account; kept here until clinic takes it over."""
    Client.objects.filter(pk=client.pk).update(portal_user=user)
    client.portal_user = user
    grant_role(actor, user, client.program, Role.FAMILY)
    audit.record(actor, AuditAction.UPDATE, client, detail="youth_account")
    return client


# --- The family's own settings and practice details -------------------------------------------


@transaction.atomic
def set_language(actor: User, language: str) -> None:
    if language not in ("en", "es"):
        raise ValidationError({"language": _("Choose English or Spanish.")})
    if actor.preferred_language != language:
        User.objects.filter(pk=actor.pk).update(preferred_language=language)
        actor.preferred_language = language
        audit.record(actor, AuditAction.UPDATE, actor, detail="preferred_language")


def stop_messages(actor: User, *, request: HttpRequest | None = None) -> bool:
    """The family asks for no more texts or emails (like replying STOP). Returns whether there
    was a caregiver record to stop (a youth's account has none)."""
    caregiver = Caregiver.objects.filter(user=actor).first()
    if caregiver is None:
        return False
    notify.stop_messages(actor, caregiver, source="portal")
    return True
