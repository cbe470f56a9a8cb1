"""The clinician's side of the portal: invite a caregiver (or the youth), print the code once,
revoke an invitation. Reached from the client page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from between.accounts import policy
from between.accounts.types import AuthedRequest
from between.clinic.models import Caregiver, Client, ClientCaregiver
from between.formtools import add_errors
from between.portal import actions
from between.portal.access import site_url
from between.portal.forms import InviteForm
from between.portal.models import Invitation
from between.portal.security import INVITATION_DAYS

SHOWN_ONCE = "portal-invitation-code-{}"


def _people(client: Client) -> tuple[list[tuple[str, str]], dict[str, Caregiver]]:
    links = ClientCaregiver.objects.filter(client=client).select_related("caregiver")
    caregivers = {f"caregiver-{link.caregiver_id}": link.caregiver for link in links}
    people = [
        (key, f"{c.given_name} {c.family_name} ({_('caregiver')})") for key, c in caregivers.items()
    ]
    if actions.can_invite_youth(client):
        people.append(("youth", f"{client.given_name} ({_('youth, 12 or older')})"))
    return people, caregivers


@require_http_methods(["GET", "POST"])
@login_required
def invite(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = policy.get_client_for(request.user, client_id, request=request, write=True)
    people, caregivers = _people(client)
    form = InviteForm(request.POST or None, people=people)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            who = form.cleaned_data["who"]
            try:
                issued = actions.invite(
                    request.user,
                    client,
                    channel=form.cleaned_data["channel"],
                    caregiver=caregivers.get(who),
                    youth=who == "youth",
                    site_url=site_url(request),
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                invitation = issued.invitation
                if invitation.channel == "print":
                    # Shown once, on the next page: never stored in plain text.
                    request.session[SHOWN_ONCE.format(invitation.pk)] = issued.code
                    return redirect("portal:invitation-handout", invitation_id=invitation.pk)
                messages.success(request, _("The invitation is on its way."))
                return redirect("portal:invite", client_id=client.pk)
    invitations = Invitation.objects.filter(client=client).select_related("caregiver")[:20]
    return render(
        request,
        "portal/invite.html",
        {
            "client": client,
            "form": form,
            "invitations": invitations,
            "caregivers": caregivers.values(),
            "days": INVITATION_DAYS,
            "now": timezone.now(),
        },
        status=status,
    )


@require_GET
@login_required
def invitation_handout(request: AuthedRequest, invitation_id: int) -> HttpResponse:
    """The printable invitation with its code, in the family's language. The code is shown
    only right after the invitation is made."""
    invitation = policy.get_invitation_for(request.user, invitation_id, request=request)
    key = SHOWN_ONCE.format(invitation.pk)
    code = request.session.get(key, "")
    language = request.GET.get("lang") or (
        invitation.caregiver.language
        if invitation.caregiver
        else invitation.client.preferred_language
    )
    if language not in ("en", "es"):
        language = "en"
    context: dict[str, Any] = {
        "invitation": invitation,
        "code": f"{code[:4]}-{code[4:]}" if code else "",
        "language": language,
        "join_url": site_url(request) + reverse("portal:join"),
    }
    if code and request.GET.get("done"):
        request.session.pop(key, None)
        return redirect("portal:invite", client_id=invitation.client_id)
    with translation.override(language):
        return render(request, "portal/invitation_handout.html", context)


@require_POST
@login_required
def invitation_revoke(request: AuthedRequest, invitation_id: int) -> HttpResponse:
    invitation = policy.get_invitation_for(request.user, invitation_id, request=request)
    try:
        actions.revoke_invitation(request.user, invitation, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation was cancelled."))
    return redirect("portal:invite", client_id=invitation.client_id)
