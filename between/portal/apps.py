from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "between.portal"
    label = "portal"
    verbose_name = "Family portal"
