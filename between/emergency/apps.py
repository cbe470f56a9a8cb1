from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "between.emergency"
    label = "emergency"
    verbose_name = "Emergency access"
