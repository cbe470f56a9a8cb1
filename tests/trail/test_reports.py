"""The audit trail report: filters (user, client, period in the county's zone, action,
outcome), sort orders, pages, the CSV download, and what reading the report leaves behind."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client as HttpClient
from django.urls import reverse

from between.accounts import actions as account_actions
from between.accounts.models import AuditAction, AuditEvent, Role
from between.trail.forms import EventFilterForm
from between.trail.views import CSV_COLUMNS, EVENTS_PER_PAGE, _events
from tests.conftest import PASSWORD, County
from tests.trail.conftest import PERIOD, Trail, local, record_at

LIST = reverse("trail:event-list")
EXPORT = reverse("trail:event-export")


def add_events(county: County, n: int) -> None:
    """n events of several users and clients, on 1 March 2025 (inside PERIOD)."""
    actors = (county.clinician, county.supervisor, county.admin)
    clients = (county.client.pk, None)
    for i in range(n):
        record_at(
            local(date(2025, 3, 1), time(12, i % 60)),
            actors[i % 3],
            AuditAction.VIEW,
            object_type="clinic.session",
            object_id=i,
            client_id=clients[i % 2],
            program_id=county.harbor.pk,
        )


@pytest.fixture
def admin(trail: Trail, client: HttpClient) -> HttpClient:
    client.force_login(trail.county.admin)
    return client


def shown(trail: Trail, response: Any) -> list[str]:
    """The fixture's events on the page, by name, in the page's order."""
    names = {event.pk: name for name, event in trail.events.items()}
    return [names[row.event.pk] for row in response.context["rows"] if row.event.pk in names]


def get(http: HttpClient, url: str = LIST, **params: Any) -> Any:
    return http.get(url, {**PERIOD, **params})


# --- Filters -----------------------------------------------------------------------------------


def test_it_lists_the_events_newest_first(trail: Trail, admin: HttpClient) -> None:
    response = get(admin)
    assert response.status_code == 200
    assert shown(trail, response) == ["olivia_harbor", "carla_denied", "month_end", "kai_view"]
    page = response.content.decode()
    assert "<caption>" in page and 'scope="col"' in page and 'aria-sort="descending"' in page


def test_it_filters_by_user(trail: Trail, admin: HttpClient) -> None:
    response = get(admin, user="carla")
    assert shown(trail, response) == ["carla_denied", "kai_view"]
    assert "user carla" in response.content.decode()


def test_it_filters_by_client(trail: Trail, admin: HttpClient) -> None:
    response = get(admin, client=trail.county.client.pk)
    assert shown(trail, response) == ["month_end", "kai_view"]


def test_it_takes_whole_days_in_the_county_zone(trail: Trail, admin: HttpClient) -> None:
    # 23:30 on 31 March in the county is already 1 April in UTC: it is a March event.
    march = get(admin, start="2025-03-31", end="2025-03-31")
    assert shown(trail, march) == ["month_end"]
    april = get(admin, start="2025-04-01", end="2025-04-02")
    assert shown(trail, april) == ["carla_denied"]
    open_ended = admin.get(LIST, {"start": "2025-04-02"})
    assert shown(trail, open_ended) == ["olivia_harbor", "carla_denied"]


def test_it_filters_by_action_and_outcome(trail: Trail, admin: HttpClient) -> None:
    assert shown(trail, get(admin, action="view")) == ["kai_view"]
    assert shown(trail, get(admin, outcome="denied")) == ["carla_denied"]
    assert shown(trail, get(admin, action="view", outcome="denied")) == []


def test_it_combines_the_quick_links_with_the_filters(trail: Trail, admin: HttpClient) -> None:
    response = get(admin, sort="time")
    row = next(r for r in response.context["rows"] if r.event == trail.events["kai_view"])
    assert "user=carla" in row.user_query and "sort=time" in row.user_query
    assert f"client={trail.county.client.pk}" in row.client_query
    assert "start=2025-03-01" in row.client_query
    by_client = admin.get(f"{LIST}?{row.client_query}")
    assert shown(trail, by_client) == ["kai_view", "month_end"]


def test_it_links_a_client_only_for_viewers_who_may_open_the_record(
    trail: Trail, admin: HttpClient
) -> None:
    kai, nico = trail.county.client.pk, trail.county.other_client.pk
    assert f'href="/clients/{kai}/"' not in get(admin).content.decode()
    account_actions.grant_role(None, trail.county.admin, trail.county.harbor, Role.SUPERVISOR)
    page = get(admin).content.decode()
    assert f'href="/clients/{kai}/"' in page
    assert f'href="/clients/{nico}/"' not in page
    assert f"client={nico}" in page  # still filterable by id


def test_it_never_shows_client_names(trail: Trail, admin: HttpClient) -> None:
    account_actions.grant_role(None, trail.county.admin, trail.county.harbor, Role.SUPERVISOR)
    page = get(admin).content.decode()
    assert "Kai" not in page and "Nico" not in page


# --- Sorting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("time", ["kai_view", "month_end", "carla_denied", "olivia_harbor"]),
        ("-time", ["olivia_harbor", "carla_denied", "month_end", "kai_view"]),
        # carla, olivia, sam; newest first within a user.
        ("user", ["carla_denied", "kai_view", "olivia_harbor", "month_end"]),
        ("-user", ["month_end", "olivia_harbor", "carla_denied", "kai_view"]),
        # deny, export, update, view.
        ("action", ["carla_denied", "olivia_harbor", "month_end", "kai_view"]),
        ("-action", ["kai_view", "month_end", "olivia_harbor", "carla_denied"]),
    ],
)
def test_it_sorts_by_a_whitelisted_key(
    trail: Trail, admin: HttpClient, sort: str, order: list[str]
) -> None:
    assert shown(trail, get(admin, sort=sort)) == order


def test_it_sorts_by_client_with_no_client_last(trail: Trail, admin: HttpClient) -> None:
    kai, nico = trail.county.client.pk, trail.county.other_client.pk
    assert kai < nico
    assert shown(trail, get(admin, sort="client")) == [
        "month_end",
        "kai_view",
        "carla_denied",
        "olivia_harbor",
    ]
    assert shown(trail, get(admin, sort="-client")) == [
        "carla_denied",
        "month_end",
        "kai_view",
        "olivia_harbor",
    ]


def test_it_sorts_no_user_last(trail: Trail, client: HttpClient) -> None:
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client.force_login(root)
    for sort in ("user", "-user"):
        assert shown(trail, get(client, sort=sort))[-1] == "anonymous"


def test_it_refuses_a_sort_key_off_the_list(trail: Trail, admin: HttpClient) -> None:
    response = get(admin, sort="detail")
    assert response.status_code == 400
    assert response.context["page"] is None
    assert "Select a valid choice" in response.content.decode()


# --- Pages -------------------------------------------------------------------------------------


def test_it_pages_the_events_with_counts(trail: Trail, admin: HttpClient) -> None:
    add_events(trail.county, 150)
    first = get(admin, sort="time")
    page = first.context["page"]
    assert (page.paginator.count, page.paginator.num_pages) == (154, 2)
    assert len(first.context["rows"]) == EVENTS_PER_PAGE
    text = first.content.decode()
    assert "Events 1 to 100 of 154" in text
    assert "sort=time&amp;page=2" in text
    second = get(admin, sort="time", page=2)
    assert len(second.context["rows"]) == 54
    assert "Events 101 to 154 of 154" in second.content.decode()
    ids = [r.event.pk for r in first.context["rows"]] + [r.event.pk for r in second.context["rows"]]
    assert len(set(ids)) == 154


def test_it_shows_the_first_or_last_page_for_odd_page_numbers(
    trail: Trail, admin: HttpClient
) -> None:
    assert get(admin, page="abc").context["page"].number == 1
    assert get(admin, page="999").context["page"].number == 1
    assert get(admin, page="-1").status_code == 200


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-13-45"}, "Enter a valid date."),
        ({"end": "yesterday"}, "Enter a valid date."),
        ({"start": "2025-04-02", "end": "2025-04-01"}, "The end date is before the start date."),
        ({"end": "9999-12-31"}, "Enter a date between 2000-01-01 and 2999-12-31."),
        ({"client": "kai"}, "Enter a whole number."),
        ({"client": "99999999999999999999"}, "less than or equal to"),
        ({"client": "0"}, "greater than or equal to 1"),
        ({"user": "nobody-here"}, "No user has this username."),
        ({"action": "drop_table"}, "Select a valid choice"),
        ({"outcome": "maybe"}, "Select a valid choice"),
    ],
)
def test_it_explains_bad_filters(
    trail: Trail, admin: HttpClient, params: dict[str, str], message: str
) -> None:
    for url in (LIST, EXPORT):
        response = admin.get(url, params)
        assert response.status_code == 400, url
        assert not isinstance(response, StreamingHttpResponse)
        page = response.content.decode()
        assert message in page, url
        assert 'role="alert"' in page
        assert response.context["page"] is None


def test_it_keeps_the_values_typed_in_a_bad_form(trail: Trail, admin: HttpClient) -> None:
    page = admin.get(LIST, {"start": "2025-13-45", "user": "carla"}).content.decode()
    assert 'value="2025-13-45"' in page and 'value="carla"' in page


# --- Reading the report is audited -------------------------------------------------------------


def test_it_audits_each_look_at_the_report(trail: Trail, admin: HttpClient) -> None:
    get(admin, user="carla", client=trail.county.client.pk, action="view")
    event = AuditEvent.objects.filter(action="view", object_type="accounts.auditevent").get()
    assert event.actor == trail.county.admin
    assert event.path == "/audit/"
    carla = trail.county.clinician.pk
    assert event.detail == (
        f"user={carla} client={trail.county.client.pk} start=2025-03-01 end=2025-04-30 "
        "action=view sort=-time page=1"
    )


# --- CSV ---------------------------------------------------------------------------------------


def body_of(response: Any) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()  # type: ignore[arg-type]


def read_csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body_of(response))))


def test_it_streams_the_filtered_events_as_csv(trail: Trail, admin: HttpClient) -> None:
    response = get(admin, EXPORT, sort="time")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = read_csv(response)
    assert list(rows[0]) == list(CSV_COLUMNS)
    kai = trail.events["kai_view"]
    assert [int(r["id"]) for r in rows] == [
        trail.events[name].pk for name in ("kai_view", "month_end", "carla_denied", "olivia_harbor")
    ]
    assert rows[0] == {
        "id": str(kai.pk),
        "at": "2025-03-10T09:00:00-07:00",
        "actor_id": str(trail.county.clinician.pk),
        "actor_username": "carla",
        "action": "view",
        "outcome": "ok",
        "object_type": "clinic.client",
        "object_id": str(trail.county.client.pk),
        "client_id": str(trail.county.client.pk),
        "program_id": str(trail.county.harbor.pk),
        "ip_address": "",
        "path": "",
        "detail": "",
    }


def test_it_exports_the_same_set_as_the_list_shows(trail: Trail, admin: HttpClient) -> None:
    add_events(trail.county, 120)
    for params in ({"user": "sam"}, {"client": trail.county.client.pk}, {"outcome": "denied"}):
        listed = get(admin, **params).context["page"].paginator.object_list
        exported = read_csv(get(admin, EXPORT, **params))
        assert [int(r["id"]) for r in exported] == [e.pk for e in listed], params


def test_it_writes_no_client_names_into_the_csv(trail: Trail, admin: HttpClient) -> None:
    body = "".join(str(v) for row in read_csv(get(admin, EXPORT)) for v in row.values())
    for name in ("Kai", "Lopez", "Nico", "Hart", "Maria"):
        assert name not in body


def test_it_defuses_spreadsheet_formulas(trail: Trail, client: HttpClient) -> None:
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client.force_login(root)
    rows = read_csv(get(client, EXPORT, outcome="failed"))
    assert [r["detail"] for r in rows] == ["'=HYPERLINK(1)"]


def test_it_leaves_an_export_event_without_phi(trail: Trail, admin: HttpClient) -> None:
    rows = read_csv(get(admin, EXPORT, client=trail.county.client.pk))
    event = AuditEvent.objects.filter(action="export", object_type="accounts.auditevent").get()
    assert event.actor == trail.county.admin
    assert event.detail == (
        f"client={trail.county.client.pk} start=2025-03-01 end=2025-04-30 sort=-time rows=2"
    )
    assert len(rows) == 2
    # The download is the trail as it was: its own export event is not in the file.
    assert str(event.pk) not in {r["id"] for r in rows}


def test_it_exports_nothing_to_whom_may_not_read_the_trail(
    trail: Trail, client: HttpClient
) -> None:
    client.force_login(trail.county.supervisor)
    assert client.get(EXPORT).status_code == 404
    assert not AuditEvent.objects.filter(action="export", actor=trail.county.supervisor).exists()


def test_it_exports_an_empty_file_with_its_header(trail: Trail, admin: HttpClient) -> None:
    response = admin.get(EXPORT, {"start": "2001-01-01", "end": "2001-01-02"})
    assert body_of(response).strip() == ",".join(CSV_COLUMNS)


def test_it_writes_the_fixture_events_at_their_named_times(trail: Trail) -> None:
    # Through audit.record, the one writer: 23:30 on 31 March in the county, stored in UTC.
    stored = AuditEvent.objects.get(pk=trail.events["month_end"].pk)
    assert stored.at == datetime(2025, 4, 1, 6, 30, tzinfo=UTC)


def test_it_orders_by_time_as_the_time_index_reads(trail: Trail) -> None:
    # "DESC NULLS LAST" on the never-NULL time column would make PostgreSQL sort the whole
    # trail instead of reading the newest rows off the `at` index.
    form = EventFilterForm({})
    assert form.is_valid()
    sql = str(_events(trail.county.admin, form).query).upper()
    assert "NULLS" not in sql
    assert sql.endswith('ORDER BY "ACCOUNTS_AUDITEVENT"."AT" DESC, "ACCOUNTS_AUDITEVENT"."ID" DESC')
