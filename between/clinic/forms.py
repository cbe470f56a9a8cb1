from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from between.clinic.models import SessionStatus, SessionType


class SessionForm(forms.Form):
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    session_type = forms.ChoiceField(label=_("Type"), choices=SessionType.choices)
    status = forms.ChoiceField(label=_("Status"), choices=SessionStatus.choices, initial="attended")
    is_intake = forms.BooleanField(label=_("Intake or assessment"), required=False)
    youth_attended = forms.BooleanField(label=_("Youth attended"), required=False, initial=True)
    caregiver_attended = forms.BooleanField(label=_("Caregiver attended"), required=False)
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), required=False, min_value=1, max_value=600
    )
    note_text = forms.CharField(
        label=_("Progress note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
    )
    # One key per rendered form: submitting it twice records one session.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
