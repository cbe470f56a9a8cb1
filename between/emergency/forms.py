"""Forms of the emergency access pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from between.clinic.models import Organization
from between.emergency.models import REASON_MAX_LENGTH, REASON_MIN_LENGTH, ReviewOutcome


class RequestForm(forms.Form):
    """The client's EHR id and the reason. The organization is asked only of people who work
    in more than one (EHR ids are unique per organization)."""

    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=None
    )
    ehr_id = forms.CharField(
        label=_("Client's EHR id"),
        max_length=64,
        help_text=_("The id of the client in the EHR, as on the chart."),
    )
    reason = forms.CharField(
        label=_("Reason for emergency access"),
        min_length=REASON_MIN_LENGTH,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "min_length": _("Say why you need this record (at least %(limit_value)d characters).")
        },
        help_text=_(
            "Why you need this record now. Your access is recorded and reviewed by a supervisor."
        ),
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.only_organization: Organization | None = None
        choices = list(organizations[:2])
        if len(choices) == 1:
            self.only_organization = choices[0]
            del self.fields["organization"]
        else:
            field = self.fields["organization"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = organizations

    def chosen_organization(self) -> Organization | None:
        return self.only_organization or self.cleaned_data.get("organization")


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Was the access appropriate?"),
        choices=[("", _("Choose…")), *ReviewOutcome.choices],
    )
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the access was inappropriate."),
    )
