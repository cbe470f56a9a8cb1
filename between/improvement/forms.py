"""Forms of the PIP pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from between.clinic.models import Program
from between.improvement.models import PeriodKind
from between.indicators import registry
from between.indicators.models import Intervention

INDICATOR_CHOICES = [(i.key, i.title) for i in registry.INDICATORS]
TEXTAREA = forms.Textarea(attrs={"rows": 4})


class PipCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    programs = forms.ModelMultipleChoiceField(
        label=_("Programs"), queryset=Program.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    primary = forms.ChoiceField(
        label=_("Primary indicator"), choices=INDICATOR_CHOICES, initial=registry.DEFAULT_INDICATOR
    )
    others = forms.MultipleChoiceField(
        label=_("Other indicators"),
        choices=INDICATOR_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    aim = forms.CharField(label=_("Aim statement"), widget=TEXTAREA, required=False)

    def __init__(self, *args: Any, program_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programs = self.fields["programs"]
        assert isinstance(programs, forms.ModelMultipleChoiceField)
        programs.queryset = Program.objects.filter(pk__in=program_ids, is_active=True)

    def indicator_keys(self) -> list[str]:
        primary = self.cleaned_data["primary"]
        return [primary, *(k for k in self.cleaned_data["others"] if k != primary)]


class NarrativeForm(forms.Form):
    """Protocol 1's narrative sections, every one editable until the report is final."""

    title = forms.CharField(label=_("Title"), max_length=160)
    topic = forms.CharField(label=_("Topic"), widget=TEXTAREA, required=False)
    rationale = forms.CharField(label=_("Rationale"), widget=TEXTAREA, required=False)
    aim = forms.CharField(label=_("Aim statement"), widget=TEXTAREA, required=False)
    study_question = forms.CharField(label=_("Study question"), widget=TEXTAREA, required=False)
    population = forms.CharField(label=_("Population"), widget=TEXTAREA, required=False)
    sampling = forms.CharField(label=_("Sampling"), widget=TEXTAREA, required=False)
    data_collection = forms.CharField(label=_("Data collection"), widget=TEXTAREA, required=False)
    strategies = forms.CharField(label=_("Improvement strategies"), widget=TEXTAREA, required=False)
    interpretation = forms.CharField(
        label=_("Analysis and interpretation"), widget=TEXTAREA, required=False
    )


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PeriodKind.choices)
    label = forms.CharField(label=_("Label"), max_length=60)
    start = forms.DateField(label=_("First day"), widget=forms.DateInput({"type": "date"}))
    end = forms.DateField(label=_("Last day"), widget=forms.DateInput({"type": "date"}))


class InterventionForm(forms.Form):
    label = forms.CharField(label=_("Intervention"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Intervention.Kind.choices)
    started_on = forms.DateField(label=_("Started on"), widget=forms.DateInput({"type": "date"}))
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("All programs"),
    )

    def __init__(self, *args: Any, program_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program = self.fields["program"]
        assert isinstance(program, forms.ModelChoiceField)
        program.queryset = Program.objects.filter(pk__in=program_ids)
