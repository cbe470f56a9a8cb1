"""Outcome pages: a client's scores and the clinician's entry form, the family's due
questionnaires and their form, and the homework–outcome analysis (aggregates only).

Thin views: access first (outcomes/access.py, built on accounts/policy.py), then an action,
then a page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from between.accounts import audit, policy
from between.accounts.models import AuditAction
from between.accounts.types import AuthedRequest
from between.clinic.actions import today
from between.clinic.models import Client
from between.formtools import add_errors
from between.outcomes import access, actions, analysis, schedule
from between.outcomes.forms import AdministrationForm
from between.outcomes.models import Administration, Instrument, Occasion, Source
from between.outcomes.seed import PSC_35, active_instruments
from between.portal.access import family_required
from between.stats.disclosure import suppress

# Below this many children an analysis is shown only to those who may see exact counts.
MIN_CHILDREN = 11


def _language_of(client: Client) -> str:
    """The primary caregiver's language (they answer), else the family's on the client."""
    link = (
        client.caregiver_links.filter(is_primary=True).select_related("caregiver").first()
        or client.caregiver_links.select_related("caregiver").first()
    )
    language = link.caregiver.language if link else client.preferred_language
    return "es" if language == "es" else "en"


def _history(client: Client) -> list[dict[str, Any]]:
    """Per instrument: its administrations, oldest first, with the change since the intake."""
    rows = (
        Administration.objects.filter(client=client)
        .select_related("instrument", "entered_by")
        .order_by("instrument__key", "administered_on", "id")
    )
    groups: dict[int, dict[str, Any]] = {}
    spanish = (translation.get_language() or "").startswith("es")
    for row in rows:
        group = groups.setdefault(
            row.instrument_id,
            {
                "instrument": row.instrument,
                "name": row.instrument.name_es if spanish else row.instrument.name_en,
                "rows": [],
                "baseline": None,
            },
        )
        instrument = row.instrument
        change = None
        if row.is_valid and row.occasion == Occasion.INTAKE and group["baseline"] is None:
            group["baseline"] = row.total
        elif row.is_valid and group["baseline"] is not None and row.total is not None:
            change = row.total - group["baseline"]
        labels = instrument.scoring.get("subscales") or {}
        subscales = [
            (spec["label_es" if spanish else "label_en"], row.subscales.get(name))
            for name, spec in labels.items()
        ]
        better = None
        if change:
            better = (change > 0) == instrument.higher_is_better
        group["rows"].append(
            {"row": row, "change": change, "better": better, "subscales": subscales}
        )
    return list(groups.values())


@require_GET
@login_required
def client_outcomes(request: AuthedRequest, client_id: int) -> HttpResponse:
    """A client's questionnaires with their scores and the change from intake."""
    client = access.get_client_for(request.user, client_id, request=request)
    may_enter = policy.writable_clients(request.user).filter(pk=client.pk).exists()
    instruments = active_instruments()
    language = translation.get_language() or "en"
    due = [
        {"due": d, "name": d.instrument.text("name", language)}
        for d in schedule.schedule([client], instruments, today())
    ]
    return render(
        request,
        "outcomes/client_outcomes.html",
        {
            "client": client,
            "history": _history(client),
            "instruments": [(i, i.text("name", language)) for i in instruments],
            "may_enter": may_enter,
            "due": due,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def administration_create(
    request: AuthedRequest, client_id: int, instrument_key: str
) -> HttpResponse:
    """The clinician enters a form answered on paper or aloud, in the family's language."""
    client = access.get_client_for(request.user, client_id, request=request, write=True)
    instrument = access.get_instrument(instrument_key)
    chosen = request.POST.get("language") or request.GET.get("language") or ""
    language = chosen if chosen in ("en", "es") else _language_of(client)
    day = today()
    has_intake = Administration.objects.filter(
        client=client, instrument=instrument, occasion=Occasion.INTAKE, is_valid=True
    ).exists()
    form = AdministrationForm(
        request.POST if request.method == "POST" else None,
        instrument=instrument,
        language=language,
        staff=True,
        initial={
            "administered_on": day,
            "occasion": Occasion.FOLLOW_UP if has_intake else Occasion.INTAKE,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_administration(
                request.user,
                client,
                instrument,
                form.answers(),
                form.cleaned_data["occasion"],
                form.cleaned_data["administered_on"],
                Source.CLINICIAN,
                form.cleaned_data["idempotency_key"],
                language=language,
            )
        except PermissionDenied:
            raise Http404("No such page.") from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The questionnaire is saved."))
            return redirect("outcomes:client-outcomes", client.pk)
    return render(
        request,
        "outcomes/administration_form.html",
        {
            "client": client,
            "instrument": instrument,
            "form": form,
            "language": language,
            "texts": _texts(instrument, language),
        },
        status=422 if request.method == "POST" else 200,
    )


def _texts(instrument: Instrument, language: str) -> dict[str, str]:
    return {
        stem: instrument.text(stem, language)
        for stem in ("name", "instructions", "license_note", "notes")
    }


# --- The family portal ------------------------------------------------------------------------


@require_GET
@family_required
def family_due(request: AuthedRequest) -> HttpResponse:
    """The family's questionnaires: those due now, and when the next ones come."""
    children = list(policy.family_clients(request.user).order_by("given_name", "pk"))
    found = schedule.schedule(children, active_instruments(), today())
    language = translation.get_language() or "en"
    many = len(children) > 1
    rows = [
        (due, {"due": due, "name": due.instrument.text("name", language), "show_child": many})
        for due in found
    ]
    return render(
        request,
        "outcomes/family_due.html",
        {
            "due_now": [row for due, row in rows if due.is_due],
            "later": [row for due, row in rows if not due.is_due],
        },
    )


@require_http_methods(["GET", "POST"])
@family_required
def family_form(request: AuthedRequest, client_id: int, instrument_key: str) -> HttpResponse:
    """A caregiver answers one questionnaire about their child, in their language."""
    client = access.get_family_client_for(request.user, client_id, request=request)
    instrument = access.get_instrument(instrument_key)
    language = translation.get_language() or "en"
    day = today()
    has_intake = Administration.objects.filter(
        client=client, instrument=instrument, occasion=Occasion.INTAKE, is_valid=True
    ).exists()
    occasion = Occasion.FOLLOW_UP if has_intake else Occasion.INTAKE
    form = AdministrationForm(
        request.POST if request.method == "POST" else None,
        instrument=instrument,
        language=language,
        staff=False,
        age=client.age_on(day),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_administration(
                request.user,
                client,
                instrument,
                form.answers(),
                occasion,
                day,
                Source.PORTAL,
                form.cleaned_data["idempotency_key"],
                language=language,
            )
        except PermissionDenied:
            raise Http404("No such page.") from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Thank you! Your answers are saved."))
            return redirect("outcomes:family-due")
    return render(
        request,
        "outcomes/family_form.html",
        {
            "client": client,
            "instrument": instrument,
            "form": form,
            "texts": _texts(instrument, language),
        },
        status=422 if request.method == "POST" else 200,
    )


# --- The analysis -----------------------------------------------------------------------------


def _count(value: int, exact: bool) -> str:
    return str(value) if exact else suppress(value)


@require_GET
@login_required
def analysis_page(request: AuthedRequest) -> HttpResponse:
    """Homework exposure and outcome change, for supervisors and analysts (aggregates only)."""
    programs = list(access.analysis_programs(request.user))
    if not programs:
        raise Http404("No such page.")
    instruments = active_instruments()
    wanted = request.GET.get("instrument") or PSC_35
    instrument = next((i for i in instruments if i.key == wanted), instruments[0])
    exposure = request.GET.get("exposure")
    exposure = exposure if exposure in analysis.EXPOSURES else "homework_assigned"
    chosen = request.GET.get("program") or ""
    selected = [p for p in programs if str(p.pk) == chosen] or programs
    program_ids = {p.pk for p in selected}
    found = analysis.analyse(instrument, program_ids, exposure_key=exposure)
    exact = access.sees_exact_counts(request.user, program_ids)
    result = found.result
    n_analysed = result.n_clients if result is not None else 0
    # Small numbers would show through the counts and the model's reasons ("only 4 children").
    hidden = not exact and any(0 < n < MIN_CHILDREN for n in (found.n_pairs, n_analysed))
    audit.record(
        request.user,
        AuditAction.VIEW,
        object_type="outcomes.analysis",
        object_id=instrument.key,
        detail=f"programs:{','.join(str(pk) for pk in sorted(program_ids))}"[:200],
    )
    language = translation.get_language() or "en"
    return render(
        request,
        "outcomes/analysis.html",
        {
            "programs": programs,
            "chosen_program": chosen,
            "instruments": [(i, i.text("name", language)) for i in instruments],
            "instrument": instrument,
            "instrument_name": instrument.text("name", language),
            "exposures": [
                ("homework_assigned", _("Share of sessions with homework assigned")),
                ("completion", _("Share of reviewed homework completed")),
            ],
            "exposure": exposure,
            "found": found,
            "result": None if hidden else result,
            "hidden": hidden,
            "counts": {
                "pairs": _count(found.n_pairs, exact),
                "analysed": _count(n_analysed, exact),
                "excluded": _count(result.n_excluded if result else 0, exact),
                "clinicians": _count(result.n_clusters if result else 0, exact),
            },
            "exact": exact,
        },
    )
