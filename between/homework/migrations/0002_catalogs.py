"""The barrier and strategy catalogs the county's problem-solving training teaches.
Administrators can edit them afterwards (admin site); codes stay stable."""

from django.db import migrations

BARRIERS = [
    ("forgot", "Forgot", "Se le olvidó"),
    ("no-time", "No time", "No tuvo tiempo"),
    ("too-hard", "Too hard", "Fue muy difícil"),
    ("unclear", "Instructions unclear", "No entendió las instrucciones"),
    ("no-point", "Did not see the point", "No le vio sentido"),
    ("family-stress", "Family stress", "Estrés en la familia"),
    ("materials-lost", "Materials lost", "Perdió los materiales"),
    ("caregiver-not-involved", "Caregiver not involved", "El cuidador no participó"),
    ("other", "Other", "Otro"),
]
STRATEGIES = [
    ("simplify", "Simplify the task", "Simplificar la tarea"),
    ("smaller-step", "A smaller step", "Un paso más pequeño"),
    ("reminder", "Set a reminder", "Poner un recordatorio"),
    ("change-time-place", "Change the time or place", "Cambiar la hora o el lugar"),
    ("practice-in-session", "Practice it in session", "Practicarlo en la sesión"),
    ("involve-caregiver", "Involve the caregiver", "Involucrar al cuidador"),
    ("reward", "Add a reward", "Agregar una recompensa"),
    ("re-explain", "Re-explain the rationale", "Explicar de nuevo para qué sirve"),
    ("other", "Other", "Otro"),
]


def seed(apps, schema_editor):
    for model_name, rows in (("Barrier", BARRIERS), ("Strategy", STRATEGIES)):
        model = apps.get_model("homework", model_name)
        for position, (code, en, es) in enumerate(rows):
            model.objects.update_or_create(
                code=code, defaults={"label_en": en, "label_es": es, "position": position}
            )


class Migration(migrations.Migration):
    dependencies = [("homework", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
