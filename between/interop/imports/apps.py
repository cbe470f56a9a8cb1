from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "between.interop.imports"
    label = "interop_imports"
    verbose_name = "Interoperability: imports"
