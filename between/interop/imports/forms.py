"""Forms of the import pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from between.clinic.models import Organization
from between.interop.imports.models import ImportKind, ImportProfile

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # larger files: `between import` on the server
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


def _check_file(upload: Any) -> Any:
    name = str(upload.name or "").lower()
    if not name.endswith(SUFFIXES):
        raise forms.ValidationError(_("Choose a CSV (.csv) or Excel (.xlsx) file."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            _("The file is larger than 200 MB: import it with the `between import` command.")
        )
    return upload


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=None
    )
    profile = forms.ModelChoiceField(
        label=_("Column mapping"),
        queryset=ImportProfile.objects.all(),
        required=False,
        empty_label=_("Our column names"),
        help_text=_("A saved mapping of the EHR export's column headers to our fields."),
    )
    file = forms.FileField(label=_("File (CSV or Excel)"))

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        organization.queryset = organizations

    def clean_file(self) -> Any:
        return _check_file(self.cleaned_data["file"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        profile = data.get("profile")
        if profile is not None and profile.kind != data.get("kind"):
            self.add_error("profile", _("This mapping is for another kind of file."))
        return data


class CommitForm(forms.Form):
    file = forms.FileField(
        label=_("The same file again"),
        help_text=_(
            "Files with health information are not kept on the server between the two steps: "
            "choose the file you validated once more. It is checked to be the same file."
        ),
    )

    def clean_file(self) -> Any:
        return _check_file(self.cleaned_data["file"])
