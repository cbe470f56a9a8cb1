"""Two-step sign-in: a TOTP authenticator app (django-otp) plus single-use recovery codes.

Every state change here is audited. Secrets never leave this module except to the person
setting up their own authenticator, once, on the set-up page.
"""

from __future__ import annotations

import base64
import io
import secrets

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from between.accounts import audit
from between.accounts.models import AuditAction, User

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
# Recovery codes: 10 characters from an alphabet without look-alikes, shown as xxxxx-xxxxx.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def has_two_step(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (one per person; a new visit reuses it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (allowed by the CSP's img-src)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for people who type it instead of scanning."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def confirm_device(
    user: User, device: TOTPDevice, code: str, *, request: HttpRequest
) -> list[str] | None:
    """Confirm the authenticator with a first code; returns the new recovery codes, or None
    when the code is wrong. Replaces any earlier authenticator and recovery codes."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(code.strip()):
        audit.record(user, AuditAction.MFA_FAILED, user, request=request, outcome="failed")
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_recovery_codes(user)
    otp_login(request, device)
    audit.record(user, AuditAction.MFA_ENROLLED, user, request=request)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [_new_code() for _ in range(settings.MFA_RECOVERY_CODES)]
    # django-otp keeps static tokens as given: store the canonical form without the dash.
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code.replace("-", "")) for code in codes
    )
    return codes


@transaction.atomic
def new_recovery_codes(user: User, *, request: HttpRequest) -> list[str]:
    codes = _replace_recovery_codes(user)
    audit.record(user, AuditAction.MFA_ENROLLED, user, request=request, detail="recovery-codes")
    return codes


def verify(user: User, code: str, *, request: HttpRequest) -> bool:
    """The second step: an authenticator code or an unused recovery code (used up by this)."""
    cleaned = code.strip().replace(" ", "").replace("-", "").lower()
    device = match_token(user, cleaned) if cleaned else None
    if device is None:
        audit.record(user, AuditAction.MFA_FAILED, user, request=request, outcome="failed")
        return False
    otp_login(request, device)
    used_recovery = isinstance(device, StaticDevice)
    audit.record(
        user,
        AuditAction.MFA_RECOVERY if used_recovery else AuditAction.MFA_VERIFIED,
        user,
        request=request,
    )
    return True


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@transaction.atomic
def reset(actor: User | None, user: User, *, request: HttpRequest | None = None) -> None:
    """An administrator removes someone's authenticator and codes (a lost phone): they set it
    up again at their next sign-in. A privilege change, audited."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(actor, AuditAction.MFA_RESET, user, request=request)
