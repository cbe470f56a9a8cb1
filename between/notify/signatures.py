"""How the SMS gateway signs its webhooks, and checking that signature.

The scheme (the widespread one: Twilio's, with SHA-256 as the default):

1. The signed text is the full URL the gateway called - scheme, host, path and query string,
   exactly as configured at the gateway - followed by:
   - for a form-encoded body (`application/x-www-form-urlencoded`): every POST parameter, sorted
     by name (and by value for a repeated name), each written as the name immediately followed
     by its value, with no separators (`...inboundBodySi` + `From+16195550100` + ...);
   - for any other content type: the raw request body, byte for byte.
   Behind a proxy that changes the host or scheme the app sees, set
   BETWEEN_SMS_WEBHOOK_BASE_URL (e.g. `https://between.example.org`): the URL is then that origin
   followed by the request's path and query string.
2. The MAC is HMAC-SHA256 keyed with BETWEEN_SMS_WEBHOOK_SECRET (UTF-8). HMAC-SHA1 is accepted
   as well only when BETWEEN_SMS_SIGNATURE_ALGORITHMS lists `sha1` (gateways signing the classic
   way).
3. The request header named by BETWEEN_SMS_SIGNATURE_HEADER (default `X-Signature`) carries the
   MAC in standard base64 with padding, optionally prefixed `sha256=` or `sha1=` to name the
   algorithm.
4. The comparison is constant-time (`hmac.compare_digest`). No secret configured, a missing or
   malformed header, an algorithm not accepted or a mismatch: the view answers 403 and records
   nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

FORM = "application/x-www-form-urlencoded"
DIGESTS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}


def signed_text(
    url: str, *, params: Iterable[tuple[str, str]] | None = None, body: bytes = b""
) -> bytes:
    """The bytes the gateway signs: the URL, then sorted name+value pairs or the raw body."""
    if params is not None:
        return (url + "".join(name + value for name, value in sorted(params))).encode()
    return url.encode() + body


def sign(secret: str, text: bytes, algorithm: str = "sha256") -> str:
    """The header value a gateway would send (for tests and local gateway simulators)."""
    mac = hmac.new(secret.encode(), text, DIGESTS[algorithm]).digest()
    return base64.b64encode(mac).decode()


def request_url(request: HttpRequest) -> str:
    base = settings.SMS_WEBHOOK_BASE_URL
    return f"{base}{request.get_full_path()}" if base else request.build_absolute_uri()


def request_text(request: HttpRequest) -> bytes:
    url = request_url(request)
    if request.content_type == FORM:
        pairs = [(name, value) for name, values in request.POST.lists() for value in values]
        return signed_text(url, params=pairs)
    return signed_text(url, body=request.body)


def is_valid(request: HttpRequest) -> bool:
    secret = settings.SMS_WEBHOOK_SECRET
    header = request.headers.get(settings.SMS_SIGNATURE_HEADER, "").strip()
    if not secret or not header:
        return False
    algorithms = list(settings.SMS_SIGNATURE_ALGORITHMS)
    for name in DIGESTS:
        if header.startswith(f"{name}="):
            header, algorithms = header[len(name) + 1 :], [name] if name in algorithms else []
            break
    try:
        given = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        return False
    text = request_text(request)
    matched = False
    for name in algorithms:
        expected = hmac.new(secret.encode(), text, DIGESTS[name]).digest()
        # No early exit: every accepted algorithm is compared.
        matched |= hmac.compare_digest(expected, given)
    return matched
