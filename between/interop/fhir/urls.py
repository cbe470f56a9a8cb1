"""/fhir/R4/: metadata, read, search and Patient/$everything for the types in kinds.KINDS.

One route per type and interaction (`fhir:patient-read`, `fhir:patient-search`, ...), so the
access matrix names every one of them."""

from django.urls import URLPattern, URLResolver, path, register_converter

from between.interop.fhir import views
from between.interop.fhir.kinds import KINDS


class FhirIdConverter:
    """FHIR's id: [A-Za-z0-9-.]{1,64}."""

    regex = r"[A-Za-z0-9\-\.]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(FhirIdConverter, "fhir_id")

app_name = "fhir"


def _routes() -> list[URLPattern | URLResolver]:
    routes: list[URLPattern | URLResolver] = [
        path("metadata", views.metadata, name="metadata"),
        path(
            "Patient/<fhir_id:resource_id>/$everything",
            views.patient_everything,
            name="patient-everything",
        ),
    ]
    for name in KINDS:
        slug = name.lower()
        routes += [
            path(name, views.search, {"resource_type": name}, name=f"{slug}-search"),
            path(
                f"{name}/<fhir_id:resource_id>",
                views.read,
                {"resource_type": name},
                name=f"{slug}-read",
            ),
        ]
    return routes


urlpatterns = _routes()
