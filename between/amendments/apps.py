from django.apps import AppConfig


class AmendmentsConfig(AppConfig):
    name = "between.amendments"
    label = "amendments"
    verbose_name = "Amendments"
