from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "between.clinic"
    label = "clinic"
    verbose_name = "Clinic"
