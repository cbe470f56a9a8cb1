"""Requests and responses of the FHIR facade: who is asking, JSON out, errors as OperationOutcome.

Authentication: an API token (`Authorization: Bearer ...`, checked by interop/api/auth.py) or a
signed-in staff session. Anonymous callers get 401; families and people without a staff role
get 403 (the portal is their interface). Record-level refusals are 404s from the policy.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from between.accounts import policy
from between.accounts.models import User
from between.interop.fhir.codes import CodeError, required

logger = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
ACCEPTED_FORMATS = {"json", "application/json", "application/fhir+json", FHIR_JSON}


class FhirError(Exception):
    """An error to answer with an OperationOutcome."""

    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = required("issue-type", code)
        self.diagnostics = diagnostics


def operation_outcome(
    code: str, diagnostics: str, severity: str = "error", resource_id: str | None = None
) -> dict[str, Any]:
    outcome: dict[str, Any] = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": required("issue-severity", severity),
                "code": required("issue-type", code),
                "diagnostics": diagnostics,
            }
        ],
    }
    if resource_id:
        outcome["id"] = resource_id
    return outcome


def fhir_response(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(resource, ensure_ascii=False), status=status, content_type=FHIR_JSON
    )
    # Health data: never kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


def error_response(error: FhirError) -> HttpResponse:
    response = fhir_response(operation_outcome(error.code, error.diagnostics), error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


def _bearer_user(request: HttpRequest) -> User | None:
    """interop/api/auth.py's token check (imported late: it is built alongside this app)."""
    try:
        module = importlib.import_module("between.interop.api.auth")
    except ModuleNotFoundError as error:
        if error.name != "between.interop.api.auth":
            raise
        return None
    check: Callable[[HttpRequest], User | None] | None = getattr(module, "user_from_bearer", None)
    return check(request) if check is not None else None


def authenticate(request: HttpRequest) -> User:
    """The staff user behind the request, or a FhirError (401 / 403)."""
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        user = _bearer_user(request)
        if user is None:
            raise FhirError(401, "login", "The bearer token is not valid.")
    else:
        session_user = getattr(request, "user", None)
        user = session_user if getattr(session_user, "is_authenticated", False) else None
        if user is None:
            raise FhirError(401, "login", "Authentication is required.")
    if not user.is_active:
        raise FhirError(401, "login", "Authentication is required.")
    if not policy.is_staff_member(user):
        raise FhirError(403, "forbidden", "This interface is for staff and their systems.")
    return user


def fhir_view(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """GET only; JSON only; every failure as an OperationOutcome.

    CSRF-exempt so that a POST gets FHIR's 405 rather than an HTML 403: nothing here writes."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in ("GET", "HEAD"):
                raise FhirError(405, "not-supported", "Only read and search are supported.")
            wanted = request.GET.get("_format")
            if wanted is not None and wanted not in ACCEPTED_FORMATS:
                raise FhirError(406, "not-supported", "Only JSON is supported.")
            return view(request, *args, **kwargs)
        except FhirError as error:
            return error_response(error)
        except Http404:
            return error_response(FhirError(404, "not-found", "Not found."))
        except CodeError:
            # A code outside our value sets is our bug; say nothing about the data.
            logger.exception("FHIR resource with a code outside its value set")
            return error_response(FhirError(500, "exception", "The resource could not be built."))

    return wrapper
