from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "between.audits"
    label = "audits"
    verbose_name = "Medical Records Review"
