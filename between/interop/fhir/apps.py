from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "between.interop.fhir"
    label = "interop_fhir"
    verbose_name = "Interoperability: fhir"
