from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from between.homework.models import (
    Assignee,
    Barrier,
    Completion,
    LogSource,
    NoHomeworkReason,
    PracticeFormat,
    ReviewCompletion,
    SkillArea,
    Strategy,
    Target,
)

LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
CONFIDENCE = [("", _("not asked")), *[(str(n), str(n)) for n in range(11)]]


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=80)
    skill = forms.ChoiceField(
        label=_("Skill area"), required=False, choices=[("", _("Any skill")), *SkillArea.choices]
    )
    target = forms.ChoiceField(
        label=_("Who practices"), required=False, choices=[("", _("Anyone")), *Target.choices]
    )
    age = forms.IntegerField(label=_("Child's age"), required=False, min_value=2, max_value=21)
    tag = forms.CharField(label=_("Practice tag"), required=False, max_length=40)
    language = forms.ChoiceField(
        label=_("Search in"), required=False, choices=[("", _("Both languages")), *LANGUAGES]
    )
    favorites = forms.BooleanField(label=_("Only my favorites"), required=False)


Catalogs = tuple[list[tuple[str, str]], list[tuple[str, str]]]


def review_catalogs() -> Catalogs:
    """The active barriers and strategies as choices. A page with several review cards reads
    them once and hands them to each form (one query per card would grow with the caseload)."""
    return (
        [(b.code, b.label) for b in Barrier.objects.filter(is_active=True)],
        [(s.code, s.label) for s in Strategy.objects.filter(is_active=True)],
    )


class ReviewForm(forms.Form):
    completion = forms.ChoiceField(
        label=_("Was it done?"), choices=ReviewCompletion.choices, widget=forms.RadioSelect
    )
    barriers = forms.MultipleChoiceField(
        label=_("What got in the way?"), required=False, widget=forms.CheckboxSelectMultiple
    )
    barrier_other = forms.CharField(label=_("Other barrier"), required=False, max_length=200)
    strategy = forms.ChoiceField(label=_("Plan agreed"), required=False, widget=forms.RadioSelect)
    strategy_other = forms.CharField(label=_("Other plan"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, catalogs: Catalogs | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        barrier_field = self.fields["barriers"]
        strategy_field = self.fields["strategy"]
        assert isinstance(barrier_field, forms.MultipleChoiceField)
        assert isinstance(strategy_field, forms.ChoiceField)
        barrier_field.choices, strategy_field.choices = catalogs or review_catalogs()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missed = data.get("completion") in ("partial", "none")
        if missed and not (data.get("barriers") or data.get("barrier_other")):
            self.add_error("barriers", _("Pick at least one barrier, or describe another."))
        if not missed:
            data["barriers"], data["strategy"] = [], ""
        if "other" in (data.get("barriers") or []) and not data.get("barrier_other"):
            self.add_error("barrier_other", _("Describe the other barrier."))
        if data.get("strategy") == "other" and not data.get("strategy_other"):
            self.add_error("strategy_other", _("Describe the other plan."))
        return data


class AssignForm(forms.Form):
    template = forms.IntegerField(required=False, widget=forms.HiddenInput)
    custom_title = forms.CharField(label=_("Or a custom title"), required=False, max_length=80)
    custom_instructions = forms.CharField(
        label=_("Custom instructions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    assignee = forms.ChoiceField(
        label=_("Who practices"), choices=Assignee.choices, widget=forms.RadioSelect
    )
    frequency_per_week = forms.IntegerField(
        label=_("Times per week"), min_value=1, max_value=14, initial=7
    )
    due_on = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.ChoiceField(label=_("Handout language"), choices=LANGUAGES)
    rationale_explained = forms.BooleanField(label=_("Rationale explained"), required=False)
    designed_together = forms.BooleanField(label=_("Designed together"), required=False)
    practiced_in_session = forms.BooleanField(label=_("Practiced in session"), required=False)
    written_copy_given = forms.BooleanField(label=_("Written copy given"), required=False)
    obstacles_discussed = forms.BooleanField(label=_("Obstacles discussed"), required=False)
    confidence = forms.TypedChoiceField(
        label=_("Family's confidence (0–10)"),
        choices=CONFIDENCE,
        required=False,
        coerce=int,
        empty_value=None,
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("template") and not data.get("custom_title"):
            self.add_error("custom_title", _("Choose a library item or give a title."))
        return data


class NoHomeworkForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why no homework today?"), choices=NoHomeworkReason.choices)
    detail = forms.CharField(label=_("Detail (optional)"), required=False, max_length=200)


class PracticeLogForm(forms.Form):
    practiced_on = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    completion = forms.ChoiceField(
        label=_("Practiced?"), choices=Completion.choices, widget=forms.RadioSelect
    )
    count = forms.IntegerField(
        label=_("How many times"), required=False, min_value=0, max_value=1000
    )
    rating = forms.IntegerField(label=_("Rating (0–10)"), required=False, min_value=0, max_value=10)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    source = forms.ChoiceField(
        label=_("Reported by"),
        choices=[
            (LogSource.CLINICIAN, _("Told to me in session")),
            (LogSource.PAPER, _("Paper tracker")),
        ],
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class TemplateForm(forms.Form):
    """An administrator's edit of a library item; saving makes a new version."""

    key = forms.SlugField(label=_("Key"), max_length=64)
    skill_area = forms.ChoiceField(label=_("Skill area"), choices=SkillArea.choices)
    ebp_tags = forms.CharField(label=_("Practice tags (comma-separated)"), required=False)
    target = forms.ChoiceField(label=_("Who practices"), choices=Target.choices)
    age_min = forms.IntegerField(label=_("Youngest age"), min_value=2, max_value=21)
    age_max = forms.IntegerField(label=_("Oldest age"), min_value=2, max_value=21)
    practice_format = forms.ChoiceField(label=_("Practice format"), choices=PracticeFormat.choices)
    frequency_per_week = forms.IntegerField(label=_("Times per week"), min_value=1, max_value=14)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=120)
    title_en = forms.CharField(label=_("Title (English)"), max_length=80)
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=80)
    short_name_en = forms.CharField(label=_("Short name for messages (English)"), max_length=24)
    short_name_es = forms.CharField(label=_("Short name for messages (Spanish)"), max_length=24)
    rationale_en = forms.CharField(
        label=_("Why it helps (English)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    rationale_es = forms.CharField(
        label=_("Why it helps (Spanish)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    steps_en = forms.CharField(
        label=_("Steps, one per line (English)"), widget=forms.Textarea(attrs={"rows": 6})
    )
    steps_es = forms.CharField(
        label=_("Steps, one per line (Spanish)"), widget=forms.Textarea(attrs={"rows": 6})
    )
    help_en = forms.CharField(label=_("What it is for (English)"), required=False)
    help_es = forms.CharField(label=_("What it is for (Spanish)"), required=False)
    spanish_needs_review = forms.BooleanField(
        label=_("Spanish still needs professional review"), required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for lang in ("en", "es"):
            raw = data.get(f"steps_{lang}") or ""
            data[f"steps_{lang}"] = [line.strip() for line in raw.splitlines() if line.strip()]
        if len(data["steps_en"]) != len(data["steps_es"]):
            self.add_error("steps_es", _("Give the same number of steps in both languages."))
        if (data.get("age_min") or 0) > (data.get("age_max") or 99):
            self.add_error("age_max", _("The oldest age must not be below the youngest."))
        data["ebp_tags"] = [t.strip() for t in (data.get("ebp_tags") or "").split(",") if t.strip()]
        return data

    def version_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("key", None)
        return data
