"""The form that makes a personal API token."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from between.clinic.actions import today
from between.interop.api.models import DEFAULT_LIFETIME, MAX_LIFETIME, TokenScope


def last_expiry_day() -> date:
    # The token dies at the start of the day after: at most MAX_LIFETIME from now.
    return today() + MAX_LIFETIME - timedelta(days=1)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. the program's reporting script."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text=_("A read-only token cannot change anything. Choose write only if needed."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput({"type": "date"}),
        help_text=_("At most a year from today."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = today() + DEFAULT_LIFETIME

    def clean_expires_on(self) -> date:
        value: date = self.cleaned_data["expires_on"]
        if value < today():
            raise forms.ValidationError(_("Choose a day from today on."))
        if value > last_expiry_day():
            raise forms.ValidationError(_("A token may be valid for a year at most."))
        return value
