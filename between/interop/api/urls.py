from django.urls import URLPattern, URLResolver, path, re_path

from between.interop.api import views
from between.interop.api.api import api

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("v1/", api.urls),
    # Anything else under /api/v1/ answers in the API's error shape, not an HTML page.
    re_path(r"^v1/(?P<rest>.+)$", views.api_not_found, name="v1-not-found"),
]
