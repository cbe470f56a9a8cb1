"""The questionnaire form: one group of radio buttons per item, in the respondent's language.

Staff also give the occasion and the date (a paper form may be entered days later); the
family portal fixes both. Families are asked to answer enough items for the form to be scored;
staff enter what the paper says, and a form with too many blanks is kept, unscored.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from between.outcomes import scoring
from between.outcomes.models import Instrument, Occasion


def _suffix(language: str) -> str:
    return "es" if language.startswith("es") else "en"


class AdministrationForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self,
        data: Any = None,
        *,
        instrument: Instrument,
        language: str,
        staff: bool,
        age: int | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        initial = {"idempotency_key": uuid.uuid4().hex, **(initial or {})}
        super().__init__(data, initial=initial)
        self.instrument = instrument
        self.language = _suffix(language)
        self.staff = staff
        self.age = age
        choices = [(str(o["value"]), o[self.language]) for o in instrument.options]
        if staff:
            self.fields["occasion"] = forms.ChoiceField(
                label=_("Occasion"), choices=Occasion.choices
            )
            self.fields["administered_on"] = forms.DateField(
                label=_("Date the form was answered"),
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        for number, item in enumerate(instrument.items, start=1):
            self.fields[self.field_name(item["key"])] = forms.TypedChoiceField(
                label=f"{number}. {item['text_' + self.language]}",
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(item_key: str) -> str:
        return f"item_{item_key}"

    def item_fields(self) -> list[forms.BoundField]:
        return [self[self.field_name(item["key"])] for item in self.instrument.items]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("occasion", "administered_on") if name in self.fields]

    def answers(self) -> dict[str, int | None]:
        return {
            item["key"]: self.cleaned_data.get(self.field_name(item["key"]))
            for item in self.instrument.items
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        answers = self.answers()
        if all(value is None for value in answers.values()):
            raise forms.ValidationError(_("Please answer the questions."))
        if not self.staff:
            result = scoring.score(self.instrument.definition, answers, age=self.age)
            if not result.is_valid:
                limit = self.instrument.scoring["max_missing"]
                raise forms.ValidationError(
                    _(
                        "%(blank)d questions have no answer. Please answer more of them: "
                        "at most %(limit)d may be left blank."
                    )
                    % {"blank": len(result.missing), "limit": limit}
                )
        return cleaned

    @property
    def administered_on(self) -> date | None:
        value = self.cleaned_data.get("administered_on")
        return value if isinstance(value, date) else None
