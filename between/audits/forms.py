"""Forms of the Medical Records Review: a new cycle, and a reviewer's answers."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from between.accounts.models import Role, User
from between.audits.models import AnswerChoice, ReviewItem, SamplingRule, ToolVersion
from between.audits.tools import current_homework_version
from between.clinic.models import Program


class ToolVersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        spanish = (get_language() or "").startswith("es")
        name = obj.tool.name_es if spanish else obj.tool.name_en
        return _("%(tool)s, version %(number)s") % {"tool": name, "number": obj.number}


class CycleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    programs = forms.ModelMultipleChoiceField(
        label=_("Programs"), queryset=Program.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    period_start = forms.DateField(
        label=_("Sessions from"), widget=forms.DateInput({"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Sessions until"), widget=forms.DateInput({"type": "date"})
    )
    tool_version = ToolVersionChoice(
        label=_("Review tool"),
        queryset=ToolVersion.objects.none(),
        empty_label=None,
        help_text=_("A version with items; a new version is made in the admin site."),
    )
    sampling_rule = forms.ChoiceField(label=_("Sampling rule"), choices=SamplingRule.choices)
    sample_size = forms.IntegerField(
        label=_("Sessions per clinician or program"), required=False, min_value=1, max_value=500
    )
    sample_share = forms.FloatField(
        label=_("Share of sessions (0–1)"), required=False, min_value=0.001, max_value=1
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("The same seed draws the same sample: keep it to show how it was drawn."),
    )
    double_share = forms.FloatField(
        label=_("Share reviewed twice (0–1)"), min_value=0, max_value=1, initial=0.2
    )
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Reviewers"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, program_ids: set[int], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("seed", secrets.randbelow(2**31))
        super().__init__(*args, **kwargs)
        programs = self.fields["programs"]
        reviewers = self.fields["reviewers"]
        assert isinstance(programs, forms.ModelMultipleChoiceField)
        assert isinstance(reviewers, forms.ModelMultipleChoiceField)
        programs.queryset = Program.objects.filter(pk__in=program_ids, is_active=True)
        versions = self.fields["tool_version"]
        assert isinstance(versions, ToolVersionChoice)
        current = current_homework_version()
        versions.queryset = (
            ToolVersion.objects.filter(items__isnull=False)
            .distinct()
            .select_related("tool")
            .order_by("tool__key", "-number")
        )
        self.initial.setdefault("tool_version", current.pk)
        reviewers.queryset = (
            User.objects.filter(
                is_active=True,
                memberships__role=Role.REVIEWER,
                memberships__program_id__in=program_ids,
            )
            .distinct()
            .order_by("last_name", "first_name")
        )


class AnswerForm(forms.Form):
    """One radio group per item of the tool version, keyboard-friendly (arrow keys)."""

    def __init__(self, *args: Any, items: list[ReviewItem], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[item.key] = forms.ChoiceField(
                label=item.question_es if language == "es" else item.question_en,
                help_text=item.guidance_es if language == "es" else item.guidance_en,
                choices=AnswerChoice.choices,
                widget=forms.RadioSelect,
                required=False,
            )
        self.fields["opened_at"] = forms.FloatField(widget=forms.HiddenInput, required=False)


class CorrectiveActionForm(forms.Form):
    description = forms.CharField(label=_("What will be done"), max_length=500)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput({"type": "date"}))
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Program.objects.none(), required=False
    )

    def __init__(self, *args: Any, program_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        program = self.fields["program"]
        assert isinstance(owner, forms.ModelChoiceField)
        assert isinstance(program, forms.ModelChoiceField)
        owner.queryset = (
            User.objects.filter(is_active=True, memberships__program_id__in=program_ids)
            .exclude(memberships__role=Role.FAMILY)
            .distinct()
            .order_by("last_name", "first_name")
        )
        program.queryset = Program.objects.filter(pk__in=program_ids)
