from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "between.synth"
    label = "synth"
    verbose_name = "Synthetic county"
