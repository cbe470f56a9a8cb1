"""Who may see and change amendment requests, built on accounts/policy.py's helpers.

- a client's requests: staff who may open the client's record (`staff_visible_clients`) see
  them; staff who may change it (`writable_clients`: clinicians, supervisors) record and decide;
- the family portal: a family account sees and makes requests for its own children only
  (`family_clients`), and adds a statement of disagreement to a denied one.

Lookups return the object or raise a 404 that is audited, as policy's do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from between.accounts import policy
from between.amendments.models import AmendmentRequest
from between.clinic.models import Client

OBJECT_TYPE = "amendments.amendmentrequest"


def can_write(user: Any, client: Client) -> bool:
    return policy.writable_clients(user).filter(pk=client.pk).exists()


def get_request_for(
    user: Any, request_id: int, *, request: HttpRequest | None = None, write: bool = False
) -> AmendmentRequest:
    """A request about a client the user may open (write=True: change); else 404, audited."""
    clients = policy.writable_clients(user) if write else policy.staff_visible_clients(user)
    found = (
        AmendmentRequest.objects.filter(pk=request_id, client__in=clients.values("pk"))
        .select_related("client")
        .first()
    )
    if found is None:
        raise policy._deny(user, request, OBJECT_TYPE, request_id, write=write)
    return found


def family_requests(user: Any) -> QuerySet[AmendmentRequest]:
    """The requests a family member made in the portal, about children still linked to them."""
    return AmendmentRequest.objects.filter(
        requested_by_user_id=getattr(user, "pk", 0) or 0,
        client__in=policy.family_clients(user).values("pk"),
    )


def is_requester(user: Any, amendment: AmendmentRequest) -> bool:
    return family_requests(user).filter(pk=amendment.pk).exists()


def get_family_request_for(
    user: Any, request_id: int, *, request: HttpRequest | None = None
) -> AmendmentRequest:
    """A request this family member made in the portal about one of their own children;
    else 404, audited. (Requests staff recorded, or another family member made, stay with
    staff: a youth's account does not see what a caregiver asked, nor the other way round.)"""
    found = family_requests(user).filter(pk=request_id).select_related("client").first()
    if found is None:
        raise policy._deny(user, request, OBJECT_TYPE, request_id, write=True)
    return found
