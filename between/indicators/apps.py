from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "between.indicators"
    label = "indicators"
    verbose_name = "Indicators"
