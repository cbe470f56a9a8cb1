"""The SMS gateway's webhooks. Not for people: no sign-in, no session, no CSRF token; the HMAC
signature (see signatures.py) is the only authentication, checked before anything is read or
written. A bad signature gets 403 and leaves no trace in the database."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from between.notify import actions, signatures

log = logging.getLogger(__name__)


def _empty(status: int = 200) -> HttpResponse:
    return HttpResponse(b"", status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """A text message from a family (form fields `From`, `Body`, `MessageSid`).

    For the gateway only, authenticated by its signature. Answers 200 with an empty body: a
    reply, if any, is queued as a message and sent by the worker.
    """
    if not signatures.is_valid(request):
        log.warning("sms inbound webhook: bad signature")
        return _empty(403)
    provider_id = request.POST.get("MessageSid", "").strip()
    sender = request.POST.get("From", "").strip()
    if not provider_id or not sender:
        return _empty(400)
    inbound, _reply = actions.handle_inbound(
        provider_id=provider_id, from_number=sender, body=request.POST.get("Body", "")
    )
    log.info("sms inbound %s: %s", inbound.pk, inbound.outcome)
    return _empty()


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """The gateway's delivery report (`MessageSid`, `MessageStatus`). For the gateway only,
    authenticated by its signature. Unknown ids are acknowledged too, so it stops retrying."""
    if not signatures.is_valid(request):
        log.warning("sms status webhook: bad signature")
        return _empty(403)
    actions.record_delivery_status(
        provider_id=request.POST.get("MessageSid", "").strip(),
        status=request.POST.get("MessageStatus", ""),
    )
    return _empty()
