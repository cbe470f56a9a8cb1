"""The barrier and strategy catalogs the county's problem-solving training teaches.

The data migration seeds them; administrators edit them afterwards (admin site). Codes stay
stable: reviews and the note sentence refer to them.
"""

from __future__ import annotations

from typing import Any

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


def seed_catalogs(barrier_model: Any, strategy_model: Any) -> None:
    """Create the default entries that are missing (existing ones, maybe edited, stay).
    Takes the models so the migration can pass its historical ones."""
    for model, rows in ((barrier_model, BARRIERS), (strategy_model, STRATEGIES)):
        for position, (code, en, es) in enumerate(rows):
            model.objects.get_or_create(
                code=code, defaults={"label_en": en, "label_es": es, "position": position}
            )
