"""The words of every message, in English and Spanish through the translation catalog
(between/notify/locale/es). Short enough for one SMS; never clinical detail beyond the skill's
short name, never the child's name."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import override

from between.homework.models import Assignment


def family_language(language: str) -> str:
    """The language we write to a family in: Spanish or English (the catalog has no other)."""
    return "es" if (language or "")[:2] == "es" else "en"


def skill_name(assignment: Assignment, language: str) -> str:
    """The library item's short name, or just "your practice" for custom homework."""
    version = assignment.template_version
    if version is None:
        with override(language):
            return _("your practice")
    return version.short_name_es if language == "es" else version.short_name_en


def reminder(assignment: Assignment, language: str) -> tuple[str, str]:
    """(subject, body) of a practice reminder."""
    skill = skill_name(assignment, language)
    with override(language):
        # Translators: an SMS of at most 160 characters; %(skill)s is a 1-3 word skill name.
        body = _(
            "Between Sessions: time for %(skill)s. Did you practice today? "
            "Reply 1 yes, 2 a little, 3 no. STOP to end."
        ) % {"skill": skill}
        return _("Practice reminder"), body


def logged(language: str) -> str:
    with override(language):
        return _("Between Sessions: thank you, we noted it.")


def stopped(language: str) -> str:
    with override(language):
        return _(
            "Between Sessions: you will get no more messages. Your clinician can turn them back on."
        )


def help_text(language: str) -> str:
    with override(language):
        return _(
            "Between Sessions: answer a reminder with 1 (yes), 2 (a little) or 3 (no). "
            "STOP ends all messages."
        )
