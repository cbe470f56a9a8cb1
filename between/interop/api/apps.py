from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "between.interop.api"
    label = "interop_api"
    verbose_name = "Interoperability: api"
