"""The upload page for administrators: validate a file (a report of every bad row), then commit.

The file is not kept between the two steps (it holds health information and the app is
stateless across servers): the commit asks for the same file again and checks its SHA-256.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from between.accounts.types import AuthedRequest
from between.formtools import add_errors
from between.interop.imports import access, actions
from between.interop.imports.forms import CommitForm, UploadForm

RECENT_BATCHES = 20


def _require_importer(request: AuthedRequest) -> None:
    if not access.can_import(request.user):
        raise Http404("No such page.")


@contextmanager
def _saved(upload: Any) -> Iterator[Path]:
    """The upload as a file on disk for the streaming readers, removed afterwards."""
    suffix = Path(str(upload.name)).suffix.lower()
    with tempfile.NamedTemporaryFile(prefix="between-import-", suffix=suffix) as handle:
        for block in upload.chunks():
            handle.write(block)
        handle.flush()
        yield Path(handle.name)


@require_http_methods(["GET", "POST"])
@login_required
def upload(request: AuthedRequest) -> HttpResponse:
    _require_importer(request)
    organizations = access.import_organizations(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with _saved(data["file"]) as path:
                report = actions.validate_import(
                    request.user,
                    data["organization"],
                    data["kind"],
                    path,
                    file_name=data["file"].name,
                    profile=data["profile"],
                    program_ids=access.import_program_ids(request.user),
                )
        except ValidationError as error:
            add_errors(form, error)
        else:
            assert report.batch is not None
            return redirect("imports:batch-detail", report.batch.pk)
    context = {
        "form": form,
        "batches": access.visible_batches(request.user)[:RECENT_BATCHES],
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "imports/upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def batch_detail(request: AuthedRequest, batch_id: int) -> HttpResponse:
    """The validation report, and the commit (with the same file chosen again)."""
    _require_importer(request)
    batch = access.get_batch_for(request.user, batch_id, request=request)
    form = CommitForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                with _saved(form.cleaned_data["file"]) as path:
                    report = actions.commit_import(
                        request.user,
                        batch,
                        path,
                        program_ids=access.import_program_ids(request.user),
                    )
            except ValidationError as error:
                add_errors(form, error)
            else:
                if report.ok:
                    messages.success(request, _("The file was imported."))
                else:
                    messages.error(request, _("Nothing was imported: the file has errors now."))
                return redirect("imports:batch-detail", batch.pk)
    return render(
        request, "imports/batch_detail.html", {"batch": batch, "form": form}, status=status
    )
