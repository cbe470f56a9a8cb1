from django.apps import AppConfig


class ExportConfig(AppConfig):
    name = "between.interop.export"
    label = "interop_export"
    verbose_name = "Interoperability: export"
