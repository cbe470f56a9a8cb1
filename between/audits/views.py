"""Review cycles for analysts, the reviewer's workspace, and the results.

Thin views: policy first (accounts/policy.py), then an action, then a page.
"""

from __future__ import annotations

import csv
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from between.accounts import audit, policy
from between.accounts.models import AuditAction, User
from between.accounts.types import AuthedRequest
from between.audits import actions, results
from between.audits.forms import AnswerForm, CorrectiveActionForm, CycleForm
from between.audits.highlight import highlight, latest_model
from between.audits.models import (
    CorrectiveAction,
    RecordReview,
    ReviewCycle,
    SampledSession,
)
from between.audits.tools import ASSIGNED_ITEM
from between.formtools import add_errors


@require_http_methods(["GET", "POST"])
@login_required
def cycle_list(request: AuthedRequest) -> HttpResponse:
    """Cycles the user runs or reviews in; analysts start a new one here."""
    if not policy.is_staff_member(request.user):
        raise Http404("No such page.")
    program_ids = policy.review_program_ids(request.user)
    posted = request.POST if request.method == "POST" else None
    form = CycleForm(posted, program_ids=program_ids) if program_ids else None
    if request.method == "POST":
        if form is None:
            raise Http404("No such page.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                cycle = actions.create_cycle(
                    request.user,
                    organization=data["programs"][0].organization,
                    tool_version=data["tool_version"],
                    name=data["name"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    programs=list(data["programs"]),
                    reviewers=list(data["reviewers"]),
                    sampling_rule=data["sampling_rule"],
                    sample_size=data["sample_size"],
                    sample_share=data["sample_share"],
                    seed=data["seed"],
                    double_share=data["double_share"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                return redirect("audits:cycle-detail", cycle.pk)
    cycles = policy.visible_cycles(request.user).prefetch_related("programs")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "audits/cycle_list.html", {"cycles": cycles, "form": form}, status=status
    )


@require_GET
@login_required
def cycle_detail(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = policy.get_cycle_for(request.user, cycle_id, request=request)
    runs = policy.can_run_cycle(request.user, cycle)
    mine = (
        RecordReview.objects.filter(sampled__cycle=cycle, reviewer=request.user)
        .select_related("sampled")  # the list prints each record's position
        .order_by("sampled__position")
    )
    done = sum(1 for r in mine if r.submitted_at)
    context = {
        "cycle": cycle,
        "runs": runs,
        "mine": mine,
        "done": done,
        "sample_size": cycle.sample.count(),
        "corrective_actions": cycle.corrective_actions.select_related("owner", "program"),
    }
    if runs:
        context["items"] = results.item_results(cycle)
        context["gap"] = results.documentation_gap(cycle)
        context["detector"] = results.detector_check(cycle)
        context["action_form"] = CorrectiveActionForm(
            program_ids=set(cycle.programs.values_list("pk", flat=True))
        )
        names = {p.pk: p.name for p in cycle.programs.all()}
        context["by_program"] = [
            (names.get(g.group_id, g.group_id), g)
            for g in results.rates_by(cycle, ASSIGNED_ITEM, "program")
        ]
        by_clinician = results.rates_by(cycle, ASSIGNED_ITEM, "clinician")
        people = User.objects.in_bulk([g.group_id for g in by_clinician])
        context["by_clinician"] = [
            (people[g.group_id].get_full_name() or people[g.group_id].username, g)
            for g in by_clinician
        ]
        spent = results.time_spent(cycle)
        people.update(User.objects.in_bulk([t.reviewer_id for t in spent if t.reviewer_id]))
        context["time_spent"] = [
            (
                _("All reviewers")
                if t.reviewer_id is None
                else people[t.reviewer_id].get_full_name() or people[t.reviewer_id].username,
                t,
            )
            for t in spent
        ]
        if request.GET.get("download") == "csv":
            audit.record(request.user, AuditAction.EXPORT, cycle, detail="results")
            return _results_csv(context)
    return render(request, "audits/cycle_detail.html", context)


def _results_csv(context: dict[str, object]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="review-results.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["item", "yes", "no", "not_applicable", "rate", "ci_low", "ci_high", "pairs",
         "percent_agreement", "kappa"]
    )  # fmt: skip
    for item in context["items"]:  # type: ignore[attr-defined]
        rate = item.rate
        writer.writerow(
            [
                item.key,
                item.yes,
                item.no,
                item.not_applicable,
                "" if rate is None else f"{rate.proportion:.4f}",
                "" if rate is None else f"{rate.ci_low:.4f}",
                "" if rate is None else f"{rate.ci_high:.4f}",
                item.pairs,
                "" if item.percent_agreement is None else f"{item.percent_agreement:.4f}",
                "" if item.kappa is None else f"{item.kappa:.4f}",
            ]
        )
    return response


@require_POST
@login_required
def cycle_sample(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = policy.get_cycle_for(request.user, cycle_id, request=request)
    try:
        sample = actions.draw_sample(request.user, cycle)
    except PermissionDenied:
        raise Http404("No such page.") from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(n)d sessions drawn.") % {"n": len(sample)})
    return redirect("audits:cycle-detail", cycle.pk)


@require_http_methods(["GET", "POST"])
@login_required
def record_review(request: AuthedRequest, review_id: int) -> HttpResponse:
    """The reviewer's workspace: the note, the questions, save and resume or submit."""
    review = policy.get_record_review_for(request.user, review_id, request=request)
    session = review.sampled.session
    items = list(review.sampled.cycle.tool_version.items.all())
    saved = {a.item.key: a.answer for a in review.answers.select_related("item")}
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        initial={**saved, "opened_at": time.time()},
        items=items,
        language=translation.get_language() or "en",
    )
    if request.method == "POST" and form.is_valid():
        answers = {k: v for k, v in form.cleaned_data.items() if k != "opened_at" and v}
        opened = form.cleaned_data.get("opened_at") or time.time()
        try:
            actions.save_answers(
                request.user,
                review,
                answers,
                seconds=int(time.time() - opened),
                submit="submit" in request.POST,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if "submit" in request.POST:
                following = (
                    RecordReview.objects.filter(
                        sampled__cycle=review.sampled.cycle,
                        reviewer=request.user,
                        submitted_at__isnull=True,
                    )
                    .order_by("sampled__position")
                    .first()
                )
                if following is not None:
                    return redirect("audits:record-review", following.pk)
                return redirect("audits:cycle-detail", review.sampled.cycle_id)
            messages.success(request, _("Saved. You can come back to it."))
            return redirect("audits:record-review", review.pk)
    model = latest_model()
    queue = list(
        RecordReview.objects.filter(sampled__cycle=review.sampled.cycle, reviewer=request.user)
        .order_by("sampled__position")
        .values_list("pk", "submitted_at")
    )
    return render(
        request,
        "audits/record_review.html",
        {
            "review": review,
            "session": session,
            "notes": [highlight(n.text, n.language, model) for n in session.notes.all()],
            "form": form,
            "position": [pk for pk, _ in queue].index(review.pk) + 1,
            "total": len(queue),
            "done": sum(1 for _, at in queue if at),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def corrective_action_create(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = policy.get_cycle_for(request.user, cycle_id, request=request)
    if not policy.can_run_cycle(request.user, cycle):
        raise Http404("No such page.")
    form = CorrectiveActionForm(
        request.POST, program_ids=set(cycle.programs.values_list("pk", flat=True))
    )
    if form.is_valid():
        try:
            actions.add_corrective_action(request.user, cycle, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Corrective action added."))
    else:
        messages.error(request, _("Give what will be done, an owner and a due date."))
    return redirect("audits:cycle-detail", cycle.pk)


@require_POST
@login_required
def corrective_action_done(request: AuthedRequest, action_id: int) -> HttpResponse:
    action = policy.get_corrective_action_for(request.user, action_id, request=request)
    try:
        actions.complete_corrective_action(request.user, action)
    except PermissionDenied:
        raise Http404("No such page.") from None
    return redirect("audits:cycle-detail", action.cycle_id)


@require_GET
@login_required
def feedback(request: AuthedRequest) -> HttpResponse:
    """What the review found for me (a clinician) and for my team (a supervisor)."""
    if not policy.is_staff_member(request.user):
        raise Http404("No such page.")
    team = {c.pk: c for c in policy.supervised_clinicians(request.user)}
    people = {request.user.pk, *team}
    cycles = (
        ReviewCycle.objects.filter(sample__session__clinician_id__in=people)
        .exclude(status="draft")
        .distinct()
        .order_by("-period_end")
    )
    rows = []
    for cycle in cycles:
        by_clinician = {g.group_id: g for g in results.rates_by(cycle, ASSIGNED_ITEM, "clinician")}
        gap = results.documentation_gap(cycle)
        mine_missing = list(
            SampledSession.objects.filter(
                pk__in=gap.recorded_not_documented, session__clinician=request.user
            ).select_related("session")
        )
        rows.append(
            {
                "cycle": cycle,
                "mine": by_clinician.get(request.user.pk),
                "missing": mine_missing,
                "team": [(team[pk], by_clinician[pk]) for pk in sorted(team) if pk in by_clinician],
            }
        )
    return render(
        request,
        "audits/feedback.html",
        {
            "rows": rows,
            "owned": CorrectiveAction.objects.filter(owner=request.user).select_related("cycle"),
        },
    )
