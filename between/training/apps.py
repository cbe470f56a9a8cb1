from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "between.training"
    label = "training"
    verbose_name = "Trainings"
