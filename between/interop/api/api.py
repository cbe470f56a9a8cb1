"""The REST API, version 1: /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Every endpoint needs a personal API token (auth.TokenAuth); a token acts as its user, through
the same access policy as the pages. Errors have one shape (errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Swagger
from ninja.throttling import SimpleRateThrottle
from ninja.types import DictStrAny

from between.accounts import policy
from between.interop.api import aggregates, errors, records
from between.interop.api.auth import TokenAuth, user_from_bearer

DESCRIPTION = """
Between Sessions' REST API. Authenticate with a personal API token made at `/api/tokens/`
(`Authorization: Bearer <secret>`). A token sees exactly what its user may see on the pages;
a read-scoped token may not change anything.

Lists are paged with an opaque `cursor` (`next_cursor` of the previous page) and `limit`
(at most 200). Every error has the shape `{"error": {"code", "message", "details"}}`.
"""


def staff_docs(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs page and the schema: for signed-in staff, or a request with a valid token."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        if user is None and request.headers.get("Authorization"):
            user = user_from_bearer(request)
        if user is not None and policy.is_staff_member(user):
            return view(request, *args, **kwargs)
        if user is not None:
            return errors.error_response(api, request, 404, "Not found.")
        if request.path.endswith(".json"):
            return errors.error_response(api, request, 401, "A valid API token is required.")
        return redirect_to_login(request.get_full_path())

    return wrapper


# Mounted inside the "api" app's namespace (between/interop/api/urls.py): ninja reverses its
# own routes as "<urls_namespace>:...", so both the API and its docs name the outer one too.
OUTER_NAMESPACE = "api"


class Api(NinjaAPI):
    def get_root_path(self, path_params: DictStrAny) -> str:
        return reverse(f"{OUTER_NAMESPACE}:{self.urls_namespace}:api-root", kwargs=path_params)


class Docs(Swagger):
    def get_openapi_url(self, api: NinjaAPI, path_params: DictStrAny) -> str:
        return reverse(f"{OUTER_NAMESPACE}:{api.urls_namespace}:openapi-json", kwargs=path_params)


class TokenThrottle(SimpleRateThrottle):
    """Requests per token (429 beyond the rate), so one runaway script cannot starve the rest.
    Keyed by the token's hash, not its id: ids are reused after rollbacks and deletions."""

    scope = "api-token"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "api_token", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.secret_hash[:32]}


THROTTLE = TokenThrottle("600/m")

api = Api(
    title="Between Sessions API",
    version="v1",
    description=DESCRIPTION,
    urls_namespace="v1",
    auth=TokenAuth(),
    docs=Docs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=staff_docs,
    throttle=[THROTTLE],
)
errors.install(api)
api.add_router("", records.router)
api.add_router("", aggregates.router)
