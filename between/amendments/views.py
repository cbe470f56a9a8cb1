"""Amendment requests: the client's list (record, decide, add a statement of disagreement) for
staff, and the family's own requests in the portal. Thin: authorize, act, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from between.accounts import audit, policy
from between.accounts.models import AuditAction
from between.accounts.types import AuthedRequest
from between.amendments import access, actions, records
from between.amendments.forms import (
    DecisionForm,
    DisagreementForm,
    FamilyRequestForm,
    StaffRequestForm,
)
from between.amendments.models import AmendmentRequest, RecordType
from between.clinic.actions import today
from between.clinic.models import Client
from between.formtools import add_errors
from between.portal.access import family_required


def _anchor(amendment: AmendmentRequest) -> str:
    return f"#amendment-{amendment.pk}"


def _list_url(amendment: AmendmentRequest) -> str:
    return reverse("amendments:client-list", args=[amendment.client_id]) + _anchor(amendment)


def _decision_form(amendment: AmendmentRequest, data: Any = None) -> DecisionForm:
    return DecisionForm(data, auto_id=f"id_a{amendment.pk}_%s")


def _disagreement_form(amendment: AmendmentRequest, data: Any = None) -> DisagreementForm:
    return DisagreementForm(data, auto_id=f"id_a{amendment.pk}_%s")


# --- Staff ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def client_list(request: AuthedRequest, client_id: int) -> HttpResponse:
    """The client's amendment requests; those who may change the record record new ones."""
    if request.method == "POST":
        return _record(request, client_id)
    client = policy.get_client_for(request.user, client_id, request=request)
    return _render_list(request, client)


def _render_list(
    request: AuthedRequest,
    client: Client,
    *,
    form: StaffRequestForm | None = None,
    failed: AmendmentRequest | None = None,
    failed_form: DecisionForm | DisagreementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_write = access.can_write(request.user, client)
    amendments = list(
        AmendmentRequest.objects.filter(client=client).select_related(
            "recorded_by", "decided_by", "disagreement_by"
        )
    )
    labels = records.labels_for((client.pk, a.record_type, a.record_id) for a in amendments)
    rows = []
    for amendment in amendments:
        row: dict[str, Any] = {
            "amendment": amendment,
            "label": labels[(amendment.record_type, amendment.record_id)],
            "form": None,
        }
        if can_write and amendment.pk == getattr(failed, "pk", None):
            row["form"] = failed_form
        elif can_write and amendment.is_pending:
            row["form"] = _decision_form(amendment)
        elif can_write and amendment.may_add_disagreement:
            row["form"] = _disagreement_form(amendment)
        rows.append(row)
    if can_write and form is None:
        form = StaffRequestForm(
            initial={"received_on": today()}, record_choices=records.staff_choices(client)
        )
    context = {
        "client": client,
        "can_write": can_write,
        "form": form if can_write else None,
        "pending": [row for row in rows if row["amendment"].is_pending],
        "decided": [row for row in rows if not row["amendment"].is_pending],
    }
    return render(request, "amendments/client_list.html", context, status=status)


def _record(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = policy.get_client_for(request.user, client_id, request=request, write=True)
    form = StaffRequestForm(request.POST, record_choices=records.staff_choices(client))
    if form.is_valid():
        data = form.cleaned_data
        record_type, record_id = data["record"]
        try:
            amendment = actions.record_request(
                request.user,
                client,
                record_type=record_type,
                record_id=record_id,
                requested_by=data["requested_by"],
                received_on=data["received_on"],
                requested_change=data["requested_change"],
                submission_key=data["submission_key"],
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Amendment request recorded."))
            return redirect(_list_url(amendment))
    return _render_list(request, client, form=form, status=422)


@require_POST
@login_required
def decide(request: AuthedRequest, request_id: int) -> HttpResponse:
    """Accept with the amendment to append, or deny with the reason. Once only."""
    amendment = access.get_request_for(request.user, request_id, request=request, write=True)
    if not amendment.is_pending:
        messages.info(request, _("This request was already decided."))
        return redirect(_list_url(amendment))
    form = _decision_form(amendment, request.POST)
    if form.is_valid():
        try:
            decided, now = actions.decide(
                request.user,
                amendment,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if not now:  # someone decided it while this form was open
                messages.info(request, _("This request was already decided."))
            elif decided.is_accepted:
                messages.success(request, _("Accepted: the amendment is appended to the record."))
            else:
                messages.success(request, _("Denied: the request and the reason are appended."))
            return redirect(_list_url(amendment))
    return _render_list(request, amendment.client, failed=amendment, failed_form=form, status=422)


@require_POST
@login_required
def disagreement(request: AuthedRequest, request_id: int) -> HttpResponse:
    """Staff add the family's statement of disagreement they received (on paper, by phone)."""
    amendment = access.get_request_for(request.user, request_id, request=request, write=True)
    if not amendment.may_add_disagreement:
        messages.info(request, _("This request takes no statement of disagreement."))
        return redirect(_list_url(amendment))
    form = _disagreement_form(amendment, request.POST)
    if form.is_valid():
        try:
            _found, added = actions.add_disagreement(
                request.user, amendment, statement=form.cleaned_data["statement"], request=request
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if added:
                messages.success(request, _("Statement of disagreement added to the record."))
            else:
                messages.info(request, _("This request takes no statement of disagreement."))
            return redirect(_list_url(amendment))
    return _render_list(request, amendment.client, failed=amendment, failed_form=form, status=422)


# --- The family portal ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@family_required
def family_request(request: AuthedRequest) -> HttpResponse:
    """A family member asks to correct something in their child's record, and sees what they
    asked and what was decided."""
    form = FamilyRequestForm(
        request.POST if request.method == "POST" else None,
        record_choices=records.family_choices(request.user),
    )
    if request.method == "POST" and form.is_valid():
        record_type, record_id = form.cleaned_data["record"]
        try:
            actions.request_amendment(
                request.user,
                record_type=record_type,
                record_id=record_id,
                requested_change=form.cleaned_data["requested_change"],
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except PermissionDenied:
            form.add_error("record", _("Please choose what you want to change."))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Thank you. We sent your request to your child's clinician.")
            )
            return redirect("amendments:family-request")
    return _render_family(request, form, status=422 if request.method == "POST" else 200)


def _render_family(
    request: AuthedRequest,
    form: FamilyRequestForm,
    *,
    failed: AmendmentRequest | None = None,
    failed_form: DisagreementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    mine = list(
        access.family_requests(request.user)
        .select_related("client")
        .order_by("-received_on", "-id")
    )
    if mine:
        # Reading one's requests (and their decisions) is a read of the child's record.
        audit.record_many(
            request.user,
            AuditAction.VIEW,
            object_type=access.OBJECT_TYPE,
            client_ids=[a.client_id for a in mine],
            request=request,
            detail="family",
        )
    labels = {
        # The child's details are "Something else" to the family, as they chose it.
        pair: _("Something else") if pair[0] == RecordType.CLIENT else text
        for pair, text in records.labels_for(
            (a.client_id, a.record_type, a.record_id) for a in mine
        ).items()
    }
    many = len({a.client_id for a in mine}) > 1
    rows = []
    for amendment in mine:
        if amendment.pk == getattr(failed, "pk", None):
            disagreement_form = failed_form
        elif amendment.may_add_disagreement:
            disagreement_form = _disagreement_form(amendment)
        else:
            disagreement_form = None
        rows.append(
            {
                "amendment": amendment,
                "label": labels[(amendment.record_type, amendment.record_id)],
                "show_child": many,
                "form": disagreement_form,
            }
        )
    return render(
        request, "amendments/family_request.html", {"form": form, "rows": rows}, status=status
    )


@require_POST
@family_required
def family_disagreement(request: AuthedRequest, request_id: int) -> HttpResponse:
    """The family member who asked disagrees with a denial: their statement is appended."""
    amendment = access.get_family_request_for(request.user, request_id, request=request)
    target = reverse("amendments:family-request") + _anchor(amendment)
    if not amendment.may_add_disagreement:
        messages.info(request, _("You cannot add a statement to this request."))
        return redirect(target)
    form = _disagreement_form(amendment, request.POST)
    if form.is_valid():
        try:
            _found, added = actions.add_disagreement(
                request.user, amendment, statement=form.cleaned_data["statement"], request=request
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if added:
                messages.success(request, _("Thank you. Your statement was added to the record."))
            else:
                messages.info(request, _("You cannot add a statement to this request."))
            return redirect(target)
    blank = FamilyRequestForm(record_choices=records.family_choices(request.user))
    return _render_family(request, blank, failed=amendment, failed_form=form, status=422)
