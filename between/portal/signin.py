"""Signing in to the portal: by phone number or family code and PIN, or by a one-time link.

Wrong PINs count toward a lock that tells the child's clinician; every attempt is rate limited
per phone/code and per address. Failures are recorded outside the transaction that refuses
them. Re-exported by portal/actions.py, where callers find every portal action.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.clinic.models import Caregiver, Client
from between.notify import actions as notify
from between.portal import security
from between.portal.models import AttemptKind, Channel, FamilyAccount, SignInLink
from between.portal.security import RateLimited


class SignInRefused(Exception):
    """A sign-in that did not work; `reason` is a code, the message is for the person."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# --- Signing in --------------------------------------------------------------------------------


def _account_by_identifier(identifier: str) -> tuple[str, FamilyAccount | None]:
    """(rate-limit key, account) for a typed phone number or family code."""
    if security.looks_like_phone(identifier):
        phone = security.normalize_phone(identifier)
        key = security.digest("phone:" + (phone or identifier.strip()))
        account = FamilyAccount.objects.filter(phone=phone).first() if phone else None
    else:
        code = security.normalize_code(identifier)
        key = security.digest("code:" + code)
        account = FamilyAccount.objects.filter(sign_in_code=code).first() if code else None
    if account is not None and not (account.user.is_active and policy.is_family(account.user)):
        account = None
    return key, account


def _no_match() -> SignInRefused:
    return SignInRefused(
        "no_match", _("That phone number or code and PIN do not match. Please try again.")
    )


def _locked(until: Any) -> SignInRefused:
    local = timezone.localtime(until)
    return SignInRefused(
        "locked",
        _("Too many wrong PINs. You can try again after %(time)s, or ask your clinician.")
        % {"time": local.strftime("%H:%M")},
    )


def sign_in_with_pin(identifier: str, pin: str, *, request: HttpRequest | None = None) -> User:
    """Check a phone number or family code and a PIN. Wrong PINs count toward a lock; the
    lock tells the child's clinician. Raises SignInRefused or RateLimited."""
    ip = audit.client_ip(request)
    key, account = _account_by_identifier(identifier)
    if security.is_limited(AttemptKind.PIN, key=key, ip=ip):
        audit.record(
            None,
            AuditAction.LOGIN_FAILED,
            request=request,
            outcome="failed",
            object_type="accounts.user",
            object_id=account.user_id if account else "",
            detail="pin:rate_limited",
        )
        raise RateLimited()
    if account is None:
        security.note_attempt(AttemptKind.PIN, key=key, ip=ip)
        audit.record(
            None, AuditAction.LOGIN_FAILED, request=request, outcome="failed", detail="pin:unknown"
        )
        raise _no_match()
    outcome = ""
    with transaction.atomic():
        locked = FamilyAccount.objects.select_for_update().select_related("user").get(pk=account.pk)
        now = timezone.now()
        if locked.is_locked_at(now):
            outcome = "locked"
        else:
            if locked.locked_until is not None:  # the lock has run out: a fresh start
                locked.locked_until = None
                locked.failed_pin_attempts = 0
            if locked.user.check_password(pin):
                outcome = "ok"
                locked.failed_pin_attempts = 0
            else:
                locked.failed_pin_attempts += 1
                outcome = "wrong"
                if locked.failed_pin_attempts >= security.LOCK_AFTER:
                    outcome = "locked_now"
                    locked.failed_pin_attempts = 0
                    locked.locked_until = now + timedelta(minutes=security.LOCK_MINUTES)
                    _alert_clinicians(locked.user)
            locked.save(update_fields=["failed_pin_attempts", "locked_until"])
            if outcome == "locked_now":
                audit.record(
                    None,
                    AuditAction.UPDATE,
                    locked.user,
                    request=request,
                    outcome="failed",
                    detail="pin:locked",
                )
    user = locked.user
    if outcome == "ok":
        security.prune_attempts()
        return user
    security.note_attempt(AttemptKind.PIN, key=key, ip=ip)
    audit.record(
        None,
        AuditAction.LOGIN_FAILED,
        user,
        request=request,
        outcome="failed",
        detail=f"pin:{outcome}",
    )
    if outcome in ("locked", "locked_now"):
        raise _locked(locked.locked_until)
    raise _no_match()


def _alert_clinicians(user: User) -> None:
    """Tell each linked child's primary clinician that the family is locked out."""
    clients = Client.objects.filter(Q(caregivers__user=user) | Q(portal_user=user)).distinct()
    for client in clients.select_related("primary_clinician"):
        if client.primary_clinician is not None:
            notify.raise_alert(client.primary_clinician, kind="family_locked_out", client=client)


def request_sign_in_link(
    identifier: str, *, site_url: str = "", request: HttpRequest | None = None
) -> SignInLink | None:
    """Send a one-time sign-in link to a known caregiver's phone or email.

    Says nothing about whether the number is known (the page always answers the same); returns
    the link for tests. Raises RateLimited when asked too often."""
    ip = audit.client_ip(request)
    text = identifier.strip()
    by_email = "@" in text
    value = text.lower() if by_email else security.normalize_phone(text)
    key = security.digest(("email:" if by_email else "phone:") + (value or text))
    if security.is_limited(AttemptKind.LINK_REQUEST, key=key, ip=ip):
        raise RateLimited()
    security.note_attempt(AttemptKind.LINK_REQUEST, key=key, ip=ip)
    caregiver = None
    if by_email and value:
        caregiver = Caregiver.objects.filter(email__iexact=value, user__isnull=False).first()
    elif value:
        account = FamilyAccount.objects.filter(phone=value).select_related("user").first()
        caregiver = Caregiver.objects.filter(user=account.user).first() if account else None
    if caregiver is None or caregiver.user is None or not caregiver.user.is_active:
        audit.record(
            None,
            AuditAction.LOGIN_FAILED,
            request=request,
            outcome="failed",
            detail="link_request:unknown",
        )
        return None
    token = security.new_token()
    channel = Channel.EMAIL if by_email else Channel.SMS
    with transaction.atomic():
        link = SignInLink.objects.create(
            user=caregiver.user,
            token_hash=security.digest(token),
            expires_at=timezone.now() + timedelta(minutes=security.SIGN_IN_LINK_MINUTES),
        )
        audit.record(None, AuditAction.CREATE, link, request=request, detail=f"link:{channel}")
        _send_link(caregiver, link, token, channel, site_url)
    link.token = token  # type: ignore[attr-defined]  # only for tests and the caller, never stored
    return link


def _send_link(
    caregiver: Caregiver, link: SignInLink, token: str, channel: str, site_url: str
) -> None:
    user = caregiver.user
    assert user is not None
    language = user.preferred_language if user.preferred_language in ("en", "es") else "en"
    url = site_url + reverse("portal:link-sign-in", args=[token])
    with translation.override(language):
        body = _(
            "Sign in to Between Sessions: %(url)s This link works once, for %(minutes)s minutes."
        ) % {"url": url, "minutes": security.SIGN_IN_LINK_MINUTES}
        subject = _("Your sign-in link")
    notify.queue_message(
        None,
        channel=channel,
        kind="sign_in_link",
        body=body,
        subject=subject if channel == Channel.EMAIL else "",
        language=language,
        caregiver=caregiver,
        dedupe_key=f"portal-sign-in-link:{link.pk}",
    )


def sign_in_with_link(token: str, *, request: HttpRequest | None = None) -> User:
    """Use a one-time link: it works once, before it expires."""
    ip = audit.client_ip(request)
    if security.is_limited(AttemptKind.LINK, key="", ip=ip):
        raise RateLimited()
    with transaction.atomic():
        link = (
            SignInLink.objects.select_for_update()
            .select_related("user")
            .filter(token_hash=security.digest(token))
            .first()
        )
        usable = (
            link is not None
            and link.used_at is None
            and link.expires_at > timezone.now()
            and link.user.is_active
        )
        if usable and link is not None:
            SignInLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
            audit.record(link.user, AuditAction.UPDATE, link, request=request, detail="link:used")
            return link.user
    security.note_attempt(AttemptKind.LINK, key="", ip=ip)
    state = "unknown" if link is None else ("used" if link.used_at else "expired")
    audit.record(
        None,
        AuditAction.LOGIN_FAILED,
        link,
        request=request,
        outcome="failed",
        object_type="portal.signinlink",
        detail=f"link:{state}",
    )
    raise SignInRefused(
        state, _("This sign-in link does not work any more. Please ask for a new one.")
    )
