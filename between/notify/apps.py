from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "between.notify"
    label = "notify"
    verbose_name = "Messages and reminders"
