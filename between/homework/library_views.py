"""The homework library: search and filter, favorites, and administrators' edits (versions)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from between.accounts import policy
from between.accounts.types import AuthedRequest
from between.formtools import add_errors
from between.homework import actions
from between.homework.forms import LibraryFilterForm, TemplateForm
from between.homework.library import library_queryset
from between.homework.models import HomeworkTemplate, TemplateVersion


def _require_library(request: AuthedRequest) -> None:
    if not policy.can_use_library(request.user):
        raise Http404("No library for this account.")


def _require_editor(request: AuthedRequest) -> None:
    if not policy.can_edit_library(request.user):
        raise Http404("No such page.")


def _template_for(request: AuthedRequest, template_id: int) -> HomeworkTemplate:
    template = (
        library_queryset(request.user, include_retired=policy.can_edit_library(request.user))
        .filter(pk=template_id)
        .first()
    )
    if template is None:
        raise Http404("No such library item.")
    return template


@require_GET
@login_required
def library_list(request: AuthedRequest) -> HttpResponse:
    _require_library(request)
    form = LibraryFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in ("", None, False)}
    editor = policy.can_edit_library(request.user)
    templates = library_queryset(request.user, include_retired=editor, **filters)
    page = Paginator(templates, 24).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_edit": editor, "total": page.paginator.count}
    template = "homework/_library_results.html" if request.htmx else "homework/library.html"
    return render(request, template, context)


@require_GET
@login_required
def library_detail(request: AuthedRequest, template_id: int) -> HttpResponse:
    _require_library(request)
    template = _template_for(request, template_id)
    return render(
        request,
        "homework/library_detail.html",
        {
            "template": template,
            "version": template.current,
            "versions": template.versions.order_by("-number").select_related("created_by"),
            "can_edit": policy.can_edit_library(request.user),
        },
    )


@require_POST
@login_required
def favorite_toggle(request: AuthedRequest, template_id: int) -> HttpResponse:
    _require_library(request)
    template = _template_for(request, template_id)
    is_favorite = actions.toggle_favorite(request.user, template)
    if request.htmx:
        return render(
            request,
            "homework/_favorite.html",
            {"template": template, "is_favorite": is_favorite},
        )
    return redirect(request.POST.get("next") or "homework:library-list")


def _initial_from(version: TemplateVersion, key: str) -> dict[str, Any]:
    initial = {name: getattr(version, name) for name in actions.VERSION_FIELDS}
    initial["key"] = key
    initial["ebp_tags"] = ", ".join(version.ebp_tags)
    initial["steps_en"] = "\n".join(version.steps_en)
    initial["steps_es"] = "\n".join(version.steps_es)
    return initial


@require_http_methods(["GET", "POST"])
@login_required
def library_edit(request: AuthedRequest, template_id: int | None = None) -> HttpResponse:
    """Create (no id) or revise a template. A revision is a new version."""
    _require_editor(request)
    template = _template_for(request, template_id) if template_id else None
    initial = None
    if template is not None and template.current is not None:
        initial = _initial_from(template.current, template.key)
    form = TemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    if template is not None:
        form.fields["key"].disabled = True  # the key is the item's identity across versions
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                if template is None:
                    template = actions.create_template(
                        request.user, key=form.cleaned_data["key"], fields=form.version_fields()
                    )
                else:
                    actions.revise_template(request.user, template, form.version_fields())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Library item saved."))
                return redirect("homework:library-detail", template_id=template.pk)
        status = 422
    return render(
        request, "homework/library_edit.html", {"form": form, "template": template}, status=status
    )


@require_POST
@login_required
def library_retire(request: AuthedRequest, template_id: int) -> HttpResponse:
    _require_editor(request)
    template = _template_for(request, template_id)
    retire = request.POST.get("retire") == "1"
    actions.set_template_retired(request.user, template, retire)
    messages.success(request, _("Library item retired.") if retire else _("Library item restored."))
    return redirect("homework:library-detail", template_id=template.pk)
