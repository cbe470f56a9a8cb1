"""The dashboards: exact numbers for those with record access, suppressed ones for the rest,
the chart, the CSV, the filters and the query budget."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from between.accounts.models import AuditEvent
from between.clinic.actions import today
from between.indicators.actions import refresh_summary
from between.indicators.models import Intervention
from tests.conftest import County
from tests.homework.factories import attended, give


@pytest.fixture
def busy_county(county: County) -> County:
    """Carla: 24 eligible sessions over about six weeks, homework in 9 of them."""
    for i in range(24):
        session = attended(county, 2 + i * 2)
        if i % 8 in (0, 3, 5):
            give(session)
    refresh_summary()
    return county


def program_url(county: County, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("indicators:program", args=[county.harbor.pk]) + (f"?{query}" if query else "")


def csv_rows(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_it_shows_a_supervisor_the_exact_numbers_and_the_chart(
    busy_county: County, client: HttpClient
) -> None:
    client.force_login(busy_county.supervisor)
    response = client.get(program_url(busy_county, breakdown="clinician"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "Data as of" in html
    assert "County baseline 13%" in html
    assert "Carla Reyes" in html  # the clinician breakdown, with a link to her dashboard
    assert reverse("indicators:clinician", args=[busy_county.clinician.pk]) in html
    board = response.context["board"]
    assert (board.total.numerator, board.total.denominator) == (9, 24)
    assert board.exact


def test_it_hides_small_counts_from_an_analyst_without_record_access(
    busy_county: County, client: HttpClient
) -> None:
    client.force_login(busy_county.analyst)
    response = client.get(program_url(busy_county, download="csv"))
    rows = csv_rows(response)
    assert rows
    for row in rows:
        for column in ("numerator", "denominator"):
            if row[column]:
                assert not 1 <= int(row[column]) <= 10, row
        if row["suppressed"]:
            assert row["numerator"] == row["denominator"] == row["rate"] == ""
    # Nine assignments in 24 sessions: the total's numerator is small, so nothing is shown.
    total = next(r for r in rows if r["label"] == "All")
    assert total["suppressed"]


def test_it_does_not_offer_an_analyst_weeks_or_clinicians(
    busy_county: County, client: HttpClient
) -> None:
    client.force_login(busy_county.analyst)
    response = client.get(program_url(busy_county))
    form = response.context["form"]
    assert "week" not in dict(form.fields["grain"].choices)
    assert "clinician" not in dict(form.fields["breakdown"].choices)
    response = client.get(program_url(busy_county, breakdown="clinician"))
    assert response.context["board"] is None
    assert "breakdown" in response.context["form"].errors


def test_it_shows_a_clinician_her_own_numbers(busy_county: County, client: HttpClient) -> None:
    client.force_login(busy_county.clinician)
    url = reverse("indicators:clinician", args=[busy_county.clinician.pk])
    response = client.get(url + "?grain=week&chart=run&rules=ihi")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.exact
    assert (board.total.numerator, board.total.denominator) == (9, 24)
    assert "IHI" in board.rules_text


def test_it_explains_a_bad_filter_and_shows_nothing_else(
    busy_county: County, client: HttpClient
) -> None:
    client.force_login(busy_county.supervisor)
    response = client.get(program_url(busy_county, start="2026-13", indicator="nope"))
    assert response.status_code == 200
    assert response.context["board"] is None
    assert set(response.context["form"].errors) == {"start", "indicator"}
    response = client.get(program_url(busy_county, grain="week", breakdown="diagnosis_group"))
    assert response.context["board"] is None
    assert "month or quarter" in response.content.decode()


def test_it_downloads_the_tables_as_csv_and_audits_the_export(
    busy_county: County, client: HttpClient
) -> None:
    client.force_login(busy_county.supervisor)
    response = client.get(program_url(busy_county, breakdown="diagnosis_group", download="csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    series = [r for r in rows if r["table"] == "series" and r["denominator"] not in ("", "0")]
    assert sum(int(r["numerator"]) for r in series if r["label"] != "All") == 9
    first_group = next(r for r in rows if r["table"] == "by_diagnosis_group")
    assert first_group["label"] == "Disruptive behavior"
    assert AuditEvent.objects.filter(
        action="export", actor=busy_county.supervisor, object_type="indicators.dashboard"
    ).exists()


def test_it_annotates_interventions_and_escapes_their_labels(
    busy_county: County, client: HttpClient
) -> None:
    Intervention.objects.create(
        label="<b>Training</b> day", started_on=today() - timedelta(days=20)
    )
    client.force_login(busy_county.supervisor)
    html = client.get(program_url(busy_county, phases="on", grain="week")).content.decode()
    assert "&lt;b&gt;Training&lt;/b&gt; day" in html
    assert "<b>Training</b>" not in html


def test_it_reads_the_summary_within_a_query_budget(
    busy_county: County, client: HttpClient
) -> None:
    client.force_login(busy_county.supervisor)
    client.get(program_url(busy_county))  # warm the chart cache and the session
    with CaptureQueriesContext(connection) as run:
        response = client.get(program_url(busy_county, breakdown="age_band"))
    assert response.status_code == 200
    sql = [q["sql"] for q in run.captured_queries]
    assert not [q for q in sql if "clinic_session" in q]
    assert len(sql) <= 20, sql


def test_it_shows_an_empty_program_without_a_chart(county: County, client: HttpClient) -> None:
    client.force_login(county.supervisor)
    response = client.get(program_url(county, start="2024-01", end="2024-06"))
    assert response.status_code == 200
    assert response.context["board"].chart_svg == ""
    assert "No data to chart" in response.content.decode()


def test_it_lets_a_whole_range_of_months_be_chosen(busy_county: County, client: HttpClient) -> None:
    client.force_login(busy_county.supervisor)
    start = date(today().year - 1, 1, 1)
    response = client.get(program_url(busy_county, start=start.strftime("%Y-%m"), grain="quarter"))
    board = response.context["board"]
    assert board.rows[0].label == f"{start.year}-Q1"
    assert board.total.denominator == 24


def test_it_freezes_limits_and_leaves_periods_out_on_request(
    busy_county: County, client: HttpClient
) -> None:
    client.force_login(busy_county.supervisor)
    weeks = client.get(program_url(busy_county, grain="week")).context["board"]
    labels = [r.label for r in weeks.rows if r.denominator]
    response = client.get(program_url(busy_county, grain="week", baseline=3, exclude=labels[0]))
    board = response.context["board"]
    shown = [r for r in board.rows if r.denominator]
    assert len({r.center_line for r in shown}) == 1
    # The first three points set the limits, but the first is left out: weeks two and three.
    used = shown[1:3]
    rate = sum(r.numerator or 0 for r in used) / sum(r.denominator or 0 for r in used)
    assert shown[0].center_line == pytest.approx(rate)
    response = client.get(program_url(busy_county, grain="week", exclude="1999-W01"))
    assert response.context["board"] is None
    assert "1999-W01" in response.content.decode()
    response = client.get(program_url(busy_county, grain="week", baseline=400))
    assert response.context["board"] is None
    assert "cannot be drawn" in response.content.decode()
