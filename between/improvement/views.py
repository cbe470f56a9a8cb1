"""PIP pages for QI analysts: the list, one PIP (narrative, periods, interventions, analysis,
chart), the print view and the Word report.

Thin views: policy first (accounts/policy.py), then an action, then a page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from between.accounts import audit, policy
from between.accounts.models import AuditAction
from between.accounts.types import AuthedRequest
from between.formtools import add_errors
from between.improvement import actions, report
from between.improvement.forms import InterventionForm, NarrativeForm, PeriodForm, PipCreateForm
from between.improvement.models import Pip
from between.indicators import actions as indicator_actions


def _exact(request: AuthedRequest, pip: Pip) -> bool:
    """Exact counts for those who may open every record of the PIP's programs."""
    ids = set(pip.programs.values_list("pk", flat=True))
    return bool(ids) and ids <= policy.record_program_ids(request.user)


@require_http_methods(["GET", "POST"])
@login_required
def pip_list(request: AuthedRequest) -> HttpResponse:
    """The PIPs the analyst runs; a new one starts here."""
    program_ids = policy.review_program_ids(request.user)
    if not policy.is_staff_member(request.user) or not program_ids:
        raise Http404("No such page.")
    form = PipCreateForm(request.POST or None, program_ids=program_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pip = actions.create_pip(
                request.user,
                title=data["title"],
                programs=list(data["programs"]),
                indicator_keys=form.indicator_keys(),
                aim=data["aim"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect("improvement:pip-detail", pip.pk)
    pips = policy.visible_pips(request.user).prefetch_related("programs", "periods")
    status = 422 if request.method == "POST" else 200
    return render(request, "improvement/pip_list.html", {"pips": pips, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def pip_detail(request: AuthedRequest, pip_id: int) -> HttpResponse:
    pip = policy.get_pip_for(request.user, pip_id, request=request)
    program_ids = set(pip.programs.values_list("pk", flat=True))
    narrative = NarrativeForm(
        request.POST or None, initial={"title": pip.title, **actions.narrative_of(pip)}
    )
    if request.method == "POST" and narrative.is_valid():
        try:
            actions.update_pip(request.user, pip, **narrative.cleaned_data)
        except ValidationError as error:
            add_errors(narrative, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("improvement:pip-detail", pip.pk)
    built = report.build(pip, exact=_exact(request, pip))
    audit.record(request.user, AuditAction.VIEW, pip, request=request)
    context = {
        "pip": pip,
        "report": built,
        "narrative": narrative,
        "period_form": PeriodForm(prefix="period"),
        "intervention_form": InterventionForm(program_ids=program_ids, prefix="intervention"),
        "corrections": report.corrections(built),
        "figure_header": report.FIGURE_HEADER,
        "comparison_header": report.COMPARISON_HEADER,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "improvement/pip_detail.html", context, status=status)


@require_POST
@login_required
def period_create(request: AuthedRequest, pip_id: int) -> HttpResponse:
    pip = policy.get_pip_for(request.user, pip_id, request=request)
    form = PeriodForm(request.POST, prefix="period")
    if form.is_valid():
        try:
            actions.add_period(request.user, pip, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Period added."))
    else:
        messages.error(request, _("Give the kind, a label and the first and last days."))
    return redirect("improvement:pip-detail", pip.pk)


@require_POST
@login_required
def period_lock(request: AuthedRequest, period_id: int) -> HttpResponse:
    period = policy.get_pip_period_for(request.user, period_id, request=request)
    try:
        actions.lock_period(request.user, period)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Period locked: its numbers are frozen."))
    return redirect("improvement:pip-detail", period.pip_id)


@require_POST
@login_required
def period_delete(request: AuthedRequest, period_id: int) -> HttpResponse:
    period = policy.get_pip_period_for(request.user, period_id, request=request)
    try:
        actions.delete_period(request.user, period)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Period removed."))
    return redirect("improvement:pip-detail", period.pip_id)


@require_POST
@login_required
def intervention_create(request: AuthedRequest, pip_id: int) -> HttpResponse:
    pip = policy.get_pip_for(request.user, pip_id, request=request)
    program_ids = set(pip.programs.values_list("pk", flat=True))
    form = InterventionForm(request.POST, program_ids=program_ids, prefix="intervention")
    if form.is_valid():
        data = form.cleaned_data
        try:
            indicator_actions.add_intervention(
                request.user,
                label=data["label"],
                kind=data["kind"],
                started_on=data["started_on"],
                program_id=data["program"].pk if data["program"] else None,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Intervention added to the timeline."))
    else:
        messages.error(request, _("Give the intervention, its kind and the day it started."))
    return redirect("improvement:pip-detail", pip.pk)


@require_GET
@login_required
def pip_print(request: AuthedRequest, pip_id: int) -> HttpResponse:
    pip = policy.get_pip_for(request.user, pip_id, request=request)
    built = report.build(pip, exact=_exact(request, pip))
    audit.record(request.user, AuditAction.EXPORT, pip, request=request, detail="print view")
    context = {
        "pip": pip,
        "report": built,
        "corrections": report.corrections(built),
        "figure_header": report.FIGURE_HEADER,
        "comparison_header": report.COMPARISON_HEADER,
        "significance_rule": report.SIGNIFICANCE_RULE,
        "sustained_rule": report.SUSTAINED_RULE,
    }
    return render(request, "improvement/pip_print.html", context)


@require_GET
@login_required
def pip_docx(request: AuthedRequest, pip_id: int) -> HttpResponse:
    pip = policy.get_pip_for(request.user, pip_id, request=request)
    content = report.docx_bytes(report.build(pip, exact=_exact(request, pip)))
    audit.record(request.user, AuditAction.EXPORT, pip, request=request, detail="docx")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = slugify(pip.title) or "pip"
    response["Content-Disposition"] = f'attachment; filename="pip-{pip.pk}-{name}.docx"'
    return response
