from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from between.clinic import views as clinic_views


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the app is up. Says nothing about data."""
    return JsonResponse({"status": "ok"})


admin.site.site_header = "Between Sessions administration"
admin.site.site_title = "Between Sessions"

urlpatterns = [
    path("", clinic_views.home, name="home"),
    path("accounts/", include("between.accounts.urls")),
    path("", include("between.clinic.urls")),
    path("", include("between.homework.urls")),
    path("family/", include("between.portal.urls")),
    path("notify/", include("between.notify.urls")),
    path("indicators/", include("between.indicators.urls")),
    path("reviews/", include("between.audits.urls")),
    path("pips/", include("between.improvement.urls")),
    path("trainings/", include("between.training.urls")),
    path("outcomes/", include("between.outcomes.urls")),
    path("imports/", include("between.interop.imports.urls")),
    path("api/", include("between.interop.api.urls")),
    path("fhir/R4/", include("between.interop.fhir.urls")),
    path("emergency/", include("between.emergency.urls")),
    path("audit/", include("between.trail.urls")),
    path("amendments/", include("between.amendments.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
