"""One error shape for every API error: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from between.homework.actions import ConflictError

logger = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(HttpError):
    """An error with a machine-readable code and details (e.g. the write scope is missing)."""

    def __init__(self, status_code: int, message: str, *, code: str = "", details: Any = None):
        super().__init__(status_code, message)
        self.code = code or CODES.get(status_code, "error")
        self.details = details


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    message: str,
    *,
    code: str = "",
    details: Any = None,
) -> HttpResponse:
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message}}
    body["error"]["details"] = details
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def install(api: NinjaAPI) -> None:
    """Replace ninja's handlers (which answer {"detail": ...}) with the one shape."""

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            api, request, exc.status_code, exc.message, code=exc.code, details=exc.details
        )

    def on_auth_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 401, "A valid API token is required.")

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        response = error_response(api, request, exc.status_code, str(exc.message))
        wait = getattr(exc, "wait", None) if isinstance(exc, Throttled) else None
        if wait is not None:
            response["Retry-After"] = str(int(wait) + 1)
        return response

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 404, "Not found.")

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            api, request, 422, "The request is not valid.", details=_json_safe(exc.errors)
        )

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        details: Any = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return error_response(api, request, 422, " ".join(exc.messages), details=details)

    def on_conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 409, str(exc))

    def on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s", request.path)
        return error_response(api, request, 500, "Something went wrong on our side.")

    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(Http404, on_not_found)
    # Actions refuse writes with PermissionDenied; like the pages, the API answers 404 so
    # that an outsider does not learn that a record exists.
    api.add_exception_handler(PermissionDenied, on_not_found)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_auth_error)
    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(ConflictError, on_conflict)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


ERROR_RESPONSES: dict[int, type[ErrorOut]] = {
    status: ErrorOut for status in (400, 401, 403, 404, 409, 422)
}
