from django.apps import AppConfig


class TrailConfig(AppConfig):
    name = "between.trail"
    label = "trail"
    verbose_name = "Audit trail reports"
