"""Small helpers shared by the apps' views."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form


def add_errors(form: Form, exc: ValidationError) -> None:
    """Show an action's ValidationError on the form: on its field when it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
