"""The homework items of the county's Medical Records Review tool.

The data migration seeds version 1 of the tool; administrators add items (other documentation
standards) in a new version, without code. Item keys stay stable: results and the note detector
refer to them.
"""

from __future__ import annotations

from typing import Any

HOMEWORK_TOOL_KEY = "homework"
ASSIGNED_ITEM = "homework_assigned"
REVIEWED_ITEM = "homework_reviewed"

HOMEWORK_ITEMS = [
    {
        "key": ASSIGNED_ITEM,
        "question_en": (
            "Does the progress note document that therapeutic homework was assigned in this "
            "session?"
        ),
        "question_es": (
            "¿La nota de progreso documenta que se asignó tarea terapéutica en esta sesión?"
        ),
        "guidance_en": (
            "Yes when the note says the child or caregiver is to practice a skill between "
            'sessions (the word homework is not needed: "practice deep breathing nightly", '
            '"special time daily", a worksheet or log to complete). No when homework is '
            'negated ("no homework assigned"), only planned for later ("will consider '
            'assigning"), is school homework ("his math homework is stressful"), or is a task '
            "for someone else (a teacher's daily report card). Not applicable only when the "
            "session was not a treatment contact (e.g. a no-show recorded as a note)."
        ),
        "guidance_es": (
            "Sí cuando la nota dice que el niño o el cuidador practicará una habilidad entre "
            'sesiones (no hace falta la palabra tarea: "practicar la respiración cada noche", '
            '"tiempo especial a diario", una hoja o registro para completar). No cuando la '
            'tarea se niega ("no se asignó tarea"), solo se planea para después ("se '
            'considerará asignar"), es tarea escolar ("su tarea de matemáticas le estresa") '
            "o es para otra persona (el reporte diario de la maestra). No aplica solo cuando la "
            "sesión no fue un contacto de tratamiento."
        ),
    },
    {
        "key": REVIEWED_ITEM,
        "question_en": (
            "Does the progress note document that homework assigned previously was reviewed?"
        ),
        "question_es": (
            "¿La nota de progreso documenta que se revisó la tarea asignada anteriormente?"
        ),
        "guidance_en": (
            "Yes when the note says how the previous homework went, including that it was not "
            'done and why ("did not practice; barriers discussed"). No when earlier homework '
            "is not mentioned or the note says it was not reviewed. Not applicable when no "
            "homework had been assigned before this session."
        ),
        "guidance_es": (
            "Sí cuando la nota dice cómo fue la tarea anterior, incluso que no se hizo y por "
            'qué ("no practicó; se hablaron las barreras"). No cuando no se menciona la tarea '
            "anterior o la nota dice que no se revisó. No aplica cuando no se había asignado "
            "tarea antes de esta sesión."
        ),
    },
]


def seed_homework_tool(tool_model: Any, version_model: Any, item_model: Any) -> None:
    """Create the homework tool's first version if it is missing (idempotent). Takes the
    models so the migration can pass its historical ones."""
    tool, _ = tool_model.objects.get_or_create(
        key=HOMEWORK_TOOL_KEY,
        defaults={
            "name_en": "Medical Records Review: therapeutic homework",
            "name_es": "Revisión de expedientes: tarea terapéutica",
        },
    )
    version, created = version_model.objects.get_or_create(tool=tool, number=1)
    if created:
        for position, item in enumerate(HOMEWORK_ITEMS):
            item_model.objects.create(version=version, position=position, **item)


def current_homework_version() -> Any:
    """The newest version of the homework tool, seeding it first if it is missing (the data
    migration seeds it; a database flushed since, e.g. by a test, would lack it)."""
    from between.audits.models import ReviewItem, ReviewTool, ToolVersion

    seed_homework_tool(ReviewTool, ToolVersion, ReviewItem)
    return ToolVersion.objects.filter(tool__key=HOMEWORK_TOOL_KEY).order_by("-number")[0]
