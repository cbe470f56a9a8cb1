"""Forms of the amendment pages. The actions validate again; the forms give clear messages."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from between.amendments import records
from between.amendments.models import TEXT_MAX_LENGTH, Requester, Status


def _text(
    label: Any, *, help_text: Any = "", rows: int = 4, required_message: Any = None
) -> forms.CharField:
    """A text area; without `required_message` it may be left empty (the form or the action
    then says what is missing)."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required_message is not None,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message} if required_message else None,
    )


class RecordField(forms.ChoiceField):
    """A select of records ("type:id"); cleaned to (type, id)."""

    def clean(self, value: Any) -> tuple[str, int] | None:
        chosen = super().clean(value)
        if not chosen:
            return None
        parsed = records.parse_key(chosen)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid")
        return parsed


class StaffRequestForm(forms.Form):
    """Staff record a request the family made by phone, letter or in person."""

    record = RecordField(
        label=_("Record to amend"),
        error_messages={
            "required": _("Choose the record the family asks to change."),
            "invalid_choice": _("Choose one of this client's records."),
        },
    )
    requested_by = forms.ChoiceField(
        label=_("Asked by"), choices=Requester.choices, initial=Requester.CAREGIVER
    )
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    requested_change = _text(
        _("Requested change"),
        help_text=_("What the family says is wrong, and what they say it should say."),
        rows=5,
        required_message=_("Write what the family says is wrong and what it should say."),
    )
    # One key per rendered form: submitting it twice records one request.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, record_choices: records.Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["record"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *record_choices]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(Status.ACCEPTED, _("Accept")), (Status.DENIED, _("Deny"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose to accept or to deny the request.")},
    )
    note = _text(
        _("Amendment or reason"),
        help_text=_(
            "Accepting: the amendment to append to the record. "
            "Denying: the reason for the denial, which the family is told."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision and not (data.get("note") or "").strip():
            message = (
                _("Write the amendment to append to the record.")
                if decision == Status.ACCEPTED
                else _("Give the reason for the denial.")
            )
            self.add_error("note", message)
        return data


class DisagreementForm(forms.Form):
    statement = forms.CharField(
        label=_("Statement of disagreement"),
        help_text=_("Why you disagree with the decision. It is added to the record."),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please write why you disagree with the decision.")},
    )


class FamilyRequestForm(forms.Form):
    """A family member asks to change something in their child's record."""

    record = RecordField(
        label=_("What is wrong?"),
        error_messages={
            "required": _("Please choose what you want to change."),
            "invalid_choice": _("Please choose what you want to change."),
        },
    )
    requested_change = _text(
        _("What should it say?"),
        help_text=_("Tell us what is wrong and what it should say instead."),
        rows=5,
        required_message=_("Please write what is wrong and what it should say."),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, record_choices: records.Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["record"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *record_choices]
