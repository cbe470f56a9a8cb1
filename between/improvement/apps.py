from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "between.improvement"
    label = "improvement"
    verbose_name = "Performance Improvement Projects"
