from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "between.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
