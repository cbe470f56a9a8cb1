from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from between.portal import security
from between.portal.models import Channel

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def _pin_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=6,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "new-password", "pattern": "[0-9]*"}
        ),
    )


class ChoosePinForm(forms.Form):
    """Accepting an invitation: the code (unless it came in the link) and a new PIN, twice."""

    code = forms.CharField(
        label=_("Your code"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )
    pin = _pin_field(_("Choose a PIN (4 to 6 numbers)"))
    pin_again = _pin_field(_("Type the PIN again"))

    def __init__(self, *args: Any, needs_code: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].required = needs_code
        if not needs_code:
            del self.fields["code"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pin, again = data.get("pin"), data.get("pin_again")
        if pin and again and pin != again:
            self.add_error("pin_again", _("The two PINs are not the same."))
        elif pin:
            try:
                security.check_pin(pin)
            except forms.ValidationError as exc:
                self.add_error("pin", exc.message_dict["pin"])
        return data


class PinSignInForm(forms.Form):
    identifier = forms.CharField(
        label=_("Phone number or family code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=6,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "current-password", "pattern": "[0-9]*"}
        ),
    )


class LinkRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("Mobile phone number or email"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class LogForm(forms.Form):
    """The one tap: which answer, and the key that makes a retried tap the same log."""

    completion = forms.ChoiceField(
        choices=[("done", _("Yes")), ("partly", _("A little")), ("not", _("Not today"))]
    )
    idempotency_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", max_length=32)


DIFFICULTY_CHOICES = [("easy", _("Easy")), ("ok", _("OK")), ("hard", _("Hard"))]
HELPFUL_CHOICES = [(str(n), str(n)) for n in range(11)]


class DetailsForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many times?"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    difficulty = forms.ChoiceField(
        label=_("How hard was it?"),
        required=False,
        choices=DIFFICULTY_CHOICES,
        widget=forms.RadioSelect,
    )
    helpful = forms.TypedChoiceField(
        label=_("How helpful was it? 0 = not at all, 10 = very"),
        required=False,
        choices=HELPFUL_CHOICES,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("A short note (optional)"),
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReminderForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Which days?"),
        required=False,
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    time_of_day = forms.TimeField(
        label=_("What time?"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    is_active = forms.BooleanField(label=_("Send me reminders"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_active") and not data.get("weekdays"):
            self.add_error("weekdays", _("Choose at least one day."))
        return data


class InviteForm(forms.Form):
    """Staff side: who to invite and how. `who` is "caregiver-<id>" or "youth"."""

    who = forms.ChoiceField(label=_("Who"), widget=forms.RadioSelect)
    channel = forms.ChoiceField(
        label=_("How"), choices=Channel.choices, widget=forms.RadioSelect, initial="print"
    )

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["who"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = people
