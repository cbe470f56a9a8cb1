from django.apps import AppConfig


class HomeworkConfig(AppConfig):
    name = "between.homework"
    label = "homework"
    verbose_name = "Homework"
