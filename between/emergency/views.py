"""Pages: ask for emergency access, end it, review grants. Thin: authorize, act, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from between.accounts.types import AuthedRequest
from between.emergency import access, actions
from between.emergency.forms import RequestForm, ReviewForm
from between.emergency.models import EmergencyAccess
from between.formtools import add_errors

REVIEW_PAGE_SIZE = 100


@require_http_methods(["GET", "POST"])
@login_required
def request_access(request: AuthedRequest) -> HttpResponse:
    """Designated staff: a client's EHR id and a reason open that one record for a few hours."""
    user = request.user
    if not access.can_break_glass(user):
        raise Http404("No such page.")
    form = RequestForm(request.POST or None, organizations=access.organizations_of(user))
    if request.method == "POST" and form.is_valid():
        organization = form.chosen_organization()
        client = (
            access.find_client(user, form.cleaned_data["ehr_id"], organization)
            if organization is not None
            else None
        )
        if client is None:
            actions.refuse_lookup(user, request=request)
            form.add_error("ehr_id", _("No client with that id."))
        else:
            try:
                grant = actions.break_glass(
                    user, client, form.cleaned_data["reason"], request=request
                )
            except ValidationError as error:
                if error.code == "already_visible":
                    messages.info(request, _("You can already open this client's record."))
                    return redirect("clinic:client-detail", client_id=client.pk)
                add_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                ends = formats.time_format(timezone.localtime(grant.expires_at), "H:i")
                messages.warning(
                    request,
                    _("Emergency access granted until %(time)s. It is recorded and reviewed.")
                    % {"time": ends},
                )
                return redirect("clinic:client-detail", client_id=client.pk)
    context = {
        "form": form,
        "grants": access.active_grants(user).select_related("client").order_by("expires_at"),
        "hours": actions.access_hours(),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "emergency/request.html", context, status=status)


@require_POST
@login_required
def end_access(request: AuthedRequest, grant_id: int) -> HttpResponse:
    grant = access.get_own_grant_for(request.user, grant_id, request=request)
    was_active = grant.is_active
    actions.end_emergency_access(request.user, grant, request=request)
    if was_active:
        messages.success(request, _("Emergency access ended."))
    return redirect("home")


def _require_reviewer(request: AuthedRequest) -> None:
    if not access.can_review(request.user):
        raise Http404("No such page.")


def _review_page(
    request: AuthedRequest,
    failed: EmergencyAccess | None = None,
    failed_form: ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    grants = list(
        access.reviewable_grants(request.user)
        .unreviewed()
        .select_related("user", "client", "client__program")
        .order_by("granted_at", "id")[:REVIEW_PAGE_SIZE]
    )
    if failed is not None and failed.pk not in {grant.pk for grant in grants}:
        grants.insert(0, failed)
    rows = [
        (
            grant,
            failed_form
            if failed is not None and grant.pk == failed.pk and failed_form is not None
            else ReviewForm(auto_id=f"id_grant{grant.pk}_%s"),
        )
        for grant in grants
    ]
    return render(
        request,
        "emergency/review_list.html",
        {"rows": rows, "now": timezone.now()},
        status=status,
    )


@require_GET
@login_required
def review_list(request: AuthedRequest) -> HttpResponse:
    """Grants waiting for review, for supervisors and administrators of the clients' programs."""
    _require_reviewer(request)
    return _review_page(request)


@require_POST
@login_required
def review(request: AuthedRequest, grant_id: int) -> HttpResponse:
    _require_reviewer(request)
    grant = access.get_grant_for_review(request.user, grant_id, request=request)
    if grant.is_reviewed:
        messages.info(request, _("This emergency access was already reviewed."))
        return redirect("emergency:review-list")
    form = ReviewForm(request.POST, auto_id=f"id_grant{grant.pk}_%s")
    if form.is_valid():
        try:
            actions.review_emergency_access(
                request.user,
                grant,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Review recorded."))
            return redirect("emergency:review-list")
    return _review_page(request, grant, form, status=422)
