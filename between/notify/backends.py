"""Channels: how a claimed message leaves the building. `send(message) -> provider id`.

- OutboxBackend: nothing leaves; the row itself is the outbox (see the admin site). The default
  for SMS in development (BETWEEN_SMS_BACKEND=outbox), and the backend of the portal inbox.
- GatewaySMSBackend: one REST call to BETWEEN_SMS_GATEWAY_URL (form or JSON body, basic auth).
- EmailBackend: Django's email backends (BETWEEN_EMAIL_BACKEND).

A backend raises RetryableError (the worker tries again later) or PermanentError (the message
fails now). Error codes are short and carry no address or message text.
"""

from __future__ import annotations

import base64
import json
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage

from between.notify.models import Channel, Message


class SendError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code[:32]


class RetryableError(SendError):
    """Try again later: the gateway is down, slow or busy."""


class PermanentError(SendError):
    """Trying again will not help: the gateway refused this message."""


class Backend(Protocol):
    def send(self, message: Message) -> str: ...


class OutboxBackend:
    def send(self, message: Message) -> str:
        return f"outbox-{message.pk}"


class EmailBackend:
    def send(self, message: Message) -> str:
        email = EmailMessage(
            subject=message.subject or "Between Sessions",
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to_address],
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused:
            raise PermanentError("recipient_refused") from None
        except (smtplib.SMTPException, OSError):
            raise RetryableError("smtp_error") from None
        return f"email-{message.pk}"


class GatewaySMSBackend:
    """POST {To, From, Body} to the gateway; its answer's id (sid/id/message_id) is kept."""

    def __init__(
        self,
        *,
        url: str | None = None,
        user: str | None = None,
        token: str | None = None,
        sender: str | None = None,
        body_format: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = settings.SMS_GATEWAY_URL if url is None else url
        self.user = settings.SMS_GATEWAY_USER if user is None else user
        self.token = settings.SMS_GATEWAY_TOKEN if token is None else token
        self.sender = settings.SMS_FROM if sender is None else sender
        self.body_format = settings.SMS_GATEWAY_FORMAT if body_format is None else body_format
        self.timeout = settings.SMS_GATEWAY_TIMEOUT if timeout is None else timeout
        if urllib.parse.urlsplit(self.url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured("BETWEEN_SMS_GATEWAY_URL must be an http(s) URL")

    def _request(self, message: Message) -> urllib.request.Request:
        if self.body_format == "json":
            fields = {"to": message.to_address, "from": self.sender, "body": message.body}
            data, content_type = json.dumps(fields).encode(), "application/json"
        else:
            fields = {"To": message.to_address, "From": self.sender, "Body": message.body}
            data = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        credentials = base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
        # The URL comes from settings; its scheme was checked in __init__.
        return urllib.request.Request(  # noqa: S310
            self.url,
            data=data,
            method="POST",
            headers={
                "Content-Type": content_type,
                "Accept": "application/json",
                "Authorization": f"Basic {credentials}",
                "User-Agent": "between-sessions",
            },
        )

    def send(self, message: Message) -> str:
        request = self._request(message)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 429 or exc.code >= 500:
                raise RetryableError(f"http_{exc.code}") from None
            raise PermanentError(f"http_{exc.code}") from None
        except TimeoutError:
            raise RetryableError("timeout") from None
        except urllib.error.URLError as exc:
            code = "timeout" if isinstance(exc.reason, TimeoutError) else "unreachable"
            raise RetryableError(code) from None
        except OSError:
            raise RetryableError("unreachable") from None
        return _provider_id(answer) or f"gateway-{message.pk}"


def _provider_id(answer: bytes) -> str:
    try:
        payload = json.loads(answer or b"null")
    except ValueError:
        return ""
    if not isinstance(payload, dict):
        return ""
    for key in ("sid", "MessageSid", "message_id", "id"):
        value = payload.get(key)
        if isinstance(value, str | int) and str(value):
            return str(value)[:100]
    return ""


def get_backend(channel: str) -> Backend:
    if channel == Channel.EMAIL:
        return EmailBackend()
    if channel == Channel.SMS and settings.SMS_BACKEND == "gateway":
        return GatewaySMSBackend()
    return OutboxBackend()
