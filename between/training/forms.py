"""Forms of the training pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from between.accounts import policy
from between.accounts.models import User
from between.clinic.models import Program
from between.training.models import SCORE_MAX, Course, EventMode


class EventForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.filter(is_active=True), empty_label=None
    )
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Program.objects.none(), empty_label=None
    )
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput({"type": "date"}))
    mode = forms.ChoiceField(label=_("Mode"), choices=EventMode.choices)
    location = forms.CharField(label=_("Location"), max_length=120, required=False)

    def __init__(self, *args: Any, program_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program = self.fields["program"]
        assert isinstance(program, forms.ModelChoiceField)
        program.queryset = Program.objects.filter(pk__in=program_ids, is_active=True)


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class AttendanceForm(forms.Form):
    clinician = StaffChoice(label=_("Clinician"), queryset=User.objects.none())
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)
    pre_score = forms.IntegerField(
        label=_("Pre-test score (0–10)"), min_value=0, max_value=SCORE_MAX, required=False
    )
    post_score = forms.IntegerField(
        label=_("Post-test score (0–10)"), min_value=0, max_value=SCORE_MAX, required=False
    )

    def __init__(self, *args: Any, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinician = self.fields["clinician"]
        assert isinstance(clinician, forms.ModelChoiceField)
        clinician.queryset = policy.trainable_staff(program_id)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Attendance file (CSV)"),
        help_text=_(
            "Columns: username, attended (yes/no), pre_score, post_score (0–10, may be blank)."
        ),
    )
