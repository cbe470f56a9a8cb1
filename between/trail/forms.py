"""The audit report's filters, read from the query string (bookmarkable, shareable)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext_lazy as _

from between.accounts.models import AuditAction, AuditOutcome, User

# The largest id a BigIntegerField holds: a larger number would be a database error.
MAX_ID = 2**63 - 1
# Dates outside this range are typos, and near date.max the day after overflows.
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)

# Whitelisted sort keys: query-string value -> leading column. Ties fall back to time and id,
# so pages never overlap. NULLs (no user, no client) sort last either way on both databases.
SORT_COLUMNS = {"time": "at", "user": "actor__username", "action": "action", "client": "client_id"}
SORT_CHOICES = [
    ("-time", _("Time, newest first")),
    ("time", _("Time, oldest first")),
    ("user", _("User, A to Z")),
    ("-user", _("User, Z to A")),
    ("action", _("Action, A to Z")),
    ("-action", _("Action, Z to A")),
    ("client", _("Client id, lowest first")),
    ("-client", _("Client id, highest first")),
]
DEFAULT_SORT = "-time"


def ordering(sort: str) -> list[OrderBy]:
    """The ORDER BY of a whitelisted sort key (anything else: newest first)."""
    if sort not in dict(SORT_CHOICES):
        sort = DEFAULT_SORT
    descending = sort.startswith("-")
    column = SORT_COLUMNS[sort.lstrip("-")]
    if column == "at":
        # Never NULL: plain ASC/DESC, which PostgreSQL reads straight off the `at` index
        # (DESC NULLS LAST would make it sort the whole trail).
        return [F("at").desc(), F("id").desc()] if descending else [F("at").asc(), F("id").asc()]
    lead = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return [lead, F("at").desc(), F("id").desc()]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EventFilterForm(forms.Form):
    # Set by clean_user: the filter is by id (usernames can change; the audit detail keeps ids).
    actor_id: int | None = None

    user = forms.CharField(
        label=_("User (username)"),
        required=False,
        max_length=150,
        help_text=_("Events done by this user."),
    )
    client = forms.IntegerField(
        label=_("Client id"),
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("Events about this client's record."),
    )
    start = forms.DateField(label=_("From"), required=False, widget=_date_input())
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=_date_input(),
        help_text=_("Includes this whole day, in the county's time zone."),
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *AuditAction.choices]
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any outcome")), *AuditOutcome.choices],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def clean_user(self) -> str:
        username: str = self.cleaned_data["user"].strip()
        self.actor_id = None
        if username:
            found = User.objects.filter(username=username).values_list("pk", flat=True).first()
            if found is None:
                raise forms.ValidationError(_("No user has this username."))
            self.actor_id = found
        return username

    def _clean_day(self, name: str) -> date | None:
        day: date | None = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s."),
                params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            )
        return day

    def clean_start(self) -> date | None:
        return self._clean_day("start")

    def clean_end(self) -> date | None:
        return self._clean_day("end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return data

    # --- After is_valid() ----------------------------------------------------------------------

    def sort_key(self) -> str:
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    def conditions(self) -> Q:
        """The filters as one Q; dates are whole days in the county's zone (settings.TIME_ZONE)."""
        data = self.cleaned_data
        q = Q()
        if data.get("user"):
            q &= Q(actor_id=self.actor_id)
        if data.get("client") is not None:
            q &= Q(client_id=data["client"])
        zone = ZoneInfo(settings.TIME_ZONE)
        if data.get("start"):
            q &= Q(at__gte=datetime.combine(data["start"], time.min, tzinfo=zone))
        if data.get("end"):
            next_day = data["end"] + timedelta(days=1)
            q &= Q(at__lt=datetime.combine(next_day, time.min, tzinfo=zone))
        if data.get("action"):
            q &= Q(action=data["action"])
        if data.get("outcome"):
            q &= Q(outcome=data["outcome"])
        return q

    def summary(self) -> str:
        """The filters as a short code for the audit event's detail: ids and codes only (a user
        by id, not username), never names."""
        data = self.cleaned_data
        parts = []
        if data.get("user"):
            parts.append(f"user={self.actor_id}")
        if data.get("client") is not None:
            parts.append(f"client={data['client']}")
        for name in ("start", "end"):
            if data.get(name):
                parts.append(f"{name}={data[name].isoformat()}")
        for name in ("action", "outcome"):
            if data.get(name):
                parts.append(f"{name}={data[name]}")
        parts.append(f"sort={self.sort_key()}")
        return " ".join(parts)
