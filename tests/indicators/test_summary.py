"""The summary refresh: the right counts, idempotent, closed periods frozen, dimensions adding up,
and the same numbers as the session-level definitions in homework/queries.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext

from between.clinic.actions import today
from between.clinic.models import Caregiver, Client, Session
from between.homework import actions as homework_actions
from between.homework import queries
from between.homework.models import Assignment
from between.indicators import actions, periods, registry, repository
from between.indicators.actions import COUNT_COLUMNS, ROLLUP_KEYS, PeriodStart, refresh_summary
from between.indicators.models import IndicatorCount, ProgramCount, SummaryPeriod
from between.indicators.repository import Scope
from between.synth.generator import CountyParams, generate_county
from tests.conftest import County
from tests.homework.factories import attended, give


def totals(key: str, *, grain: str = "month", dimension: str = "") -> tuple[int, int]:
    sums = IndicatorCount.objects.filter(indicator=key, grain=grain, dimension=dimension).aggregate(
        n=Sum("numerator"), d=Sum("denominator")
    )
    return sums["n"] or 0, sums["d"] or 0


def last_two_months() -> dict[str, Any]:
    """The months of the month_of_care fixture, as repository reads take them."""
    return {"grain": "month", "start": today() - timedelta(days=60), "end": today()}


def rows_snapshot() -> list[tuple[Any, ...]]:
    return sorted(IndicatorCount.objects.values_list(*COUNT_COLUMNS))


@pytest.fixture
def month_of_care(county: County) -> dict[str, Any]:
    """Carla's sessions with Kai over the last five weeks, each case on purpose:

    - 30 days ago: homework given with 4 quality elements; a no-show the same week;
    - 23 days ago: the homework reviewed (done partly); new homework with 2 elements;
    - 16 days ago: crisis session, no homework (excluded);
    - 9 days ago: family declined (stays in the denominator), prior homework not reviewed;
    - 2 days ago: an intake-flagged session (excluded).
    The family logged the first homework from the portal."""
    first = attended(county, 30)
    a1 = give(
        first,
        rationale_explained=True,
        designed_together=True,
        practiced_in_session=True,
        written_copy_given=True,
    )
    attended(county, 29, status="no_show")
    second = attended(county, 23)
    homework_actions.review_assignment(county.clinician, second, a1, completion="partial")
    give(second, obstacles_discussed=True, written_copy_given=True)
    crisis = attended(county, 16)
    homework_actions.record_no_homework(county.clinician, crisis, reason="crisis")
    declined = attended(county, 9)
    homework_actions.record_no_homework(county.clinician, declined, reason="declined")
    attended(county, 2, is_intake=True)
    homework_actions.log_practice(
        county.family,
        a1,
        practiced_on=a1.session.occurred_on + timedelta(days=1),
        completion="done",
        source="portal",
        idempotency_key="k-1",
    )
    return {"a1": a1}


def test_it_counts_each_indicator_by_its_definition(county: County, month_of_care: Any) -> None:
    refresh_summary()
    # Eligible: 30, 23, 9 days ago (no-show, crisis and intake excluded; declined stays).
    assert totals("homework_assigned") == (2, 3)
    # Open homework at 23 days (a1, reviewed) and at 9 days (a2, not reviewed).
    assert totals("prior_reviewed") == (1, 2)
    assert totals("assignment_quality") == (1, 2)
    quality = IndicatorCount.objects.filter(
        indicator="assignment_quality", grain="month", dimension=""
    )
    assert quality.aggregate(e=Sum("elements"))["e"] == 6
    assert totals("completion") == (1, 1)
    assert totals("family_logging") == (1, 2)
    # Weeks hold the same totals.
    assert totals("homework_assigned", grain="week") == (2, 3)


def test_it_splits_every_cell_by_each_dimension_without_losing_any(
    county: County, month_of_care: Any
) -> None:
    refresh_summary()
    for indicator in registry.INDICATORS:
        whole = totals(indicator.key)
        for key in registry.DIMENSION_KEYS:
            assert totals(indicator.key, dimension=key) == whole, (indicator.key, key)
    values = set(
        IndicatorCount.objects.filter(indicator="homework_assigned").values_list(
            "dimension", "value"
        )
    )
    # Kai: born 2015-03-14, disruptive behavior, Spanish-speaking mother, individual sessions.
    assert ("diagnosis_group", "disruptive") in values
    assert ("language", "es") in values
    assert ("session_type", "individual") in values
    age = today().year - 2015 - ((today().month, today().day) < (3, 14))
    band = next(code for code, low, high in registry.AGE_BANDS if low <= age <= (high or 99))
    assert {v for d, v in values if d == "age_band"} <= {band, *[b[0] for b in registry.AGE_BANDS]}


def test_it_gives_the_same_rows_when_run_twice(county: County, month_of_care: Any) -> None:
    refresh_summary()
    first = rows_snapshot()
    refresh_summary()
    assert rows_snapshot() == first
    assert first


def test_it_picks_up_late_entries_in_open_periods(county: County, month_of_care: Any) -> None:
    refresh_summary()
    before = totals("homework_assigned")
    late = attended(county, 5)
    give(late)
    refresh_summary()
    assert totals("homework_assigned") == (before[0] + 1, before[1] + 1)


def test_it_writes_only_the_rows_that_changed(county: County, month_of_care: Any) -> None:
    refresh_summary()
    kept = {row[-1]: row for row in _rows_with_ids()}
    again = refresh_summary()
    assert again.rows_written == 0  # nothing changed: nothing written
    assert {row[-1]: row for row in _rows_with_ids()} == kept
    late = attended(county, 5)
    give(late)
    homework_actions.record_no_homework(county.clinician, attended(county, 4), reason="crisis")
    changed = refresh_summary()
    after = rows_snapshot()
    # Only the cells the two sessions touch were written, and the rows equal a rebuild's.
    assert 0 < changed.rows_written < len(after) / 2
    # Rows of an indicator the sessions leave alone (completion) were not rewritten.
    untouched = {pk for pk, row in kept.items() if row[0] == "completion"}
    assert untouched
    assert set(IndicatorCount.objects.filter(pk__in=untouched).values_list("pk", flat=True)) == (
        untouched
    )
    refresh_summary(rebuild=True)
    assert rows_snapshot() == after


def _rows_with_ids() -> list[tuple[Any, ...]]:
    return list(IndicatorCount.objects.values_list(*COUNT_COLUMNS, "pk"))


def test_it_never_recomputes_a_closed_period(county: County, month_of_care: Any) -> None:
    # A session 40 days ago always lies in a month that has ended, whatever today is.
    give(attended(county, 40))
    # Look-back of zero days: every period that has ended is closed by this refresh.
    refresh_summary(lookback_days=0)
    closed = SummaryPeriod.objects.filter(closed_at__isnull=False, grain="month")
    old = sorted(p.start for p in closed if p.end < today())
    assert old
    month = old[0]
    before = rows_for(month)
    late = attended(county, (today() - month).days)  # the first day of the closed month
    give(late)
    refresh_summary(lookback_days=0)
    assert rows_for(month) == before
    refresh_summary(lookback_days=0, rebuild=True)
    assert rows_for(month) != before


def rows_for(month: date) -> list[tuple[Any, ...]]:
    return [r for r in rows_snapshot() if r[1] == "month" and r[2] == month]


def test_it_closes_periods_older_than_the_look_back_only(county: County) -> None:
    attended(county, 200)
    refresh_summary(lookback_days=62)
    cutoff = today() - timedelta(days=62)
    for period in SummaryPeriod.objects.all():
        assert period.is_closed == (period.end < cutoff), period
        assert period.refreshed_at is not None


def test_it_does_nothing_without_sessions(db: None) -> None:
    result = refresh_summary()
    assert result.rows_written == 0
    assert not IndicatorCount.objects.exists()


def test_it_agrees_with_the_session_level_definitions_on_a_synthetic_county(db: None) -> None:
    """The summary's per-clinician counts equal homework/queries.py's live counts, and the
    assignment-level indicators equal direct counts, for every month of a synthetic county."""
    end = date(2025, 6, 30)
    generate_county(
        CountyParams(
            programs=2, clinicians=4, clients=50, months=3, end_date=end, seed=5, slug="agree"
        )
    )
    refresh_summary(today=end)
    for start in periods.periods("month", date(2025, 4, 1), end):
        last = periods.period_end("month", start)
        live = {
            r["clinician_id"]: r
            for r in queries.clinician_summary(Session.objects.all(), start, last)
        }
        stored: dict[int, dict[str, int]] = {}
        for key in ("homework_assigned", "prior_reviewed"):
            for row in IndicatorCount.objects.filter(
                indicator=key, grain="month", period_start=start, dimension=""
            ):
                cell = stored.setdefault(row.clinician_id, {})
                cell[key + "_n"] = cell.get(key + "_n", 0) + row.numerator
                cell[key + "_d"] = cell.get(key + "_d", 0) + row.denominator
        assert set(stored) == set(live)
        for clinician_id, counts in live.items():
            assert stored[clinician_id]["homework_assigned_n"] == counts["assigned"]
            assert stored[clinician_id]["homework_assigned_d"] == counts["eligible"]
            assert stored[clinician_id].get("prior_reviewed_n", 0) == counts["reviewed"]
            assert stored[clinician_id].get("prior_reviewed_d", 0) == counts["with_open"]
        quality = queries.assignment_quality(
            Assignment.objects.filter(
                session__occurred_on__gte=start, session__occurred_on__lte=last
            )
        )
        n, d = (
            IndicatorCount.objects.filter(
                indicator="assignment_quality", grain="month", period_start=start, dimension=""
            )
            .aggregate(n=Sum("numerator"), d=Sum("denominator"))
            .values()
        )
        assert (n, d) == (quality["four_plus"], quality["n"])


def test_the_dashboard_series_reads_the_summary_not_the_sessions(
    county: County, month_of_care: Any
) -> None:
    refresh_summary()
    indicator = registry.get("homework_assigned")
    scope = Scope(frozenset({county.harbor.pk}))
    window = last_two_months()
    # A program's series reads the program rollup; one clinician's reads the summary.
    for table, seen in (
        ("indicators_programcount", scope),
        ("indicators_indicatorcount", Scope(scope.program_ids, county.clinician.pk)),
    ):
        with CaptureQueriesContext(connection) as queries_run:
            cells = repository.series(indicator, scope=seen, **window)
        assert sum(c.numerator for c in cells) == 2
        assert sum(c.denominator for c in cells) == 3
        assert len(queries_run) == 1
        sql = queries_run.captured_queries[0]["sql"]
        assert table in sql
        assert "clinic_session" not in sql
    quarters = repository.series(
        indicator, grain="quarter", start=today() - timedelta(days=60), end=today(), scope=scope
    )
    assert sum(c.denominator for c in quarters) == 3
    assert all(c.period == periods.period_start("quarter", c.period) for c in quarters if c.period)


def test_its_breakdowns_equal_each_row_s_own_dimensions(db: None) -> None:
    """The refresh counts by client and reads each client's diagnosis group and caregiver
    language once; its rows must equal counting every row by the dimensions the registry gives
    that row itself. Two families made unusual first: one with no primary caregiver (the
    client's preferred language counts), one whose primary caregiver speaks another language
    than the client's preferred one; and a client whose birthday falls in the period."""
    end = date(2025, 6, 30)
    generate_county(
        CountyParams(programs=2, clinicians=4, clients=40, months=3, end_date=end, seed=7, slug="d")
    )
    first, second, third = Client.objects.filter(
        sessions__occurred_on__gte=date(2025, 5, 1)
    ).distinct()[:3]
    first.caregiver_links.update(is_primary=False)
    Client.objects.filter(pk=first.pk).update(preferred_language="other")
    link = second.caregiver_links.first()
    assert link is not None
    second.caregiver_links.exclude(pk=link.pk).update(is_primary=False)
    second.caregiver_links.filter(pk=link.pk).update(is_primary=True)
    Caregiver.objects.filter(pk=link.caregiver_id).update(language="other")
    Client.objects.filter(pk=second.pk).update(preferred_language="en")
    # Twelve on a day in the middle of May 2025: the month counts both bands.
    Client.objects.filter(pk=third.pk).update(birth_date=date(2013, 5, 15))
    refresh_summary(today=end)

    start = date(2025, 4, 1)
    for indicator in registry.INDICATORS:
        day = indicator.path("occurred_on")
        expected: dict[tuple[Any, ...], list[int]] = {}
        rows = registry.annotated_base(indicator).filter(**{f"{day}__gte": start})
        for row in rows.values(
            day,
            indicator.path("program_id"),
            indicator.path("clinician_id"),
            "is_numerator",
            *(f"dim_{key}" for key in registry.DIMENSION_KEYS),
        ):
            month = row[day].replace(day=1)
            cell = (month, row[indicator.path("program_id")], row[indicator.path("clinician_id")])
            for key in registry.DIMENSION_KEYS:
                total = expected.setdefault((*cell, key, row[f"dim_{key}"] or ""), [0, 0])
                total[0] += row["is_numerator"]
                total[1] += 1
        stored = {
            (s, p, c, d, v): [n, den]
            for s, p, c, d, v, n, den in IndicatorCount.objects.filter(
                indicator=indicator.key, grain="month", period_start__gte=start
            )
            .exclude(dimension="")
            .values_list(*COUNT_COLUMNS[2:9])  # period_start ... denominator
        }
        assert stored == expected, indicator.key
    languages = set(
        IndicatorCount.objects.filter(dimension="language").values_list("value", flat=True)
    )
    assert "other" in languages
    bands = set(
        IndicatorCount.objects.filter(
            dimension="age_band", period_start=date(2025, 5, 1), clinician__isnull=False
        ).values_list("value", flat=True)
    )
    assert {"6-11", "12-17"} <= bands


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (date(2013, 5, 15), date(2025, 5, 14), "6-11"),  # the day before the 12th birthday
        (date(2013, 5, 15), date(2025, 5, 15), "12-17"),  # the birthday itself
        (date(2012, 2, 29), date(2018, 2, 28), "0-5"),  # born on 29 February: not yet six
        (date(2012, 2, 29), date(2018, 3, 1), "6-11"),
        (date(2007, 12, 31), date(2025, 12, 31), "18+"),
        (date(2007, 12, 31), date(2025, 12, 30), "12-17"),
    ],
)
def test_the_age_band_is_the_age_in_whole_years_on_the_session_day(
    county: County, born: date, on: date, band: str
) -> None:
    Client.objects.filter(pk=county.client.pk).update(birth_date=born)
    session = attended(county, 1)
    Session.objects.filter(pk=session.pk).update(occurred_on=on)
    indicator = registry.get("homework_assigned")
    found = (
        registry.annotated_base(indicator)
        .filter(pk=session.pk)
        .values_list("dim_age_band", flat=True)
    )
    assert list(found) == [band]


class _PortableDayNumber(registry.DayNumber):
    """DayNumber as a database without its own form (neither PostgreSQL nor SQLite) gets it."""

    as_postgresql = None  # type: ignore[assignment]
    as_sqlite = None  # type: ignore[assignment]


def test_a_day_number_is_yyyymmdd_natively_and_portably(county: County) -> None:
    session = attended(county, 1)
    Session.objects.filter(pk=session.pk).update(occurred_on=date(2024, 2, 29))
    found = Session.objects.filter(pk=session.pk).values_list(
        registry.DayNumber("occurred_on"), _PortableDayNumber("occurred_on")
    )
    assert list(found) == [(20240229, 20240229)]


def rollup_snapshot() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    return {
        tuple(row[:6]): tuple(row[6:])
        for row in ProgramCount.objects.values_list(
            *ROLLUP_KEYS, "numerator", "denominator", "elements"
        )
    }


def summed_over_clinicians() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    sums: dict[tuple[Any, ...], list[int]] = {}
    for row in IndicatorCount.objects.values_list(
        *ROLLUP_KEYS, "numerator", "denominator", "elements"
    ):
        total = sums.setdefault(tuple(row[:6]), [0, 0, 0])
        for i, amount in enumerate(row[6:]):
            total[i] += amount
    return {key: (n, d, e) for key, (n, d, e) in sums.items()}


def test_the_program_rollup_is_the_summary_summed_over_clinicians(
    county: County, month_of_care: Any
) -> None:
    """After a refresh, after late entries, and after a night with nothing new, the program
    rows equal the summary's rows summed over clinicians; periods nothing touched keep their
    program rows as they were (same ids), and the pages read the same numbers either way."""
    refresh_summary()
    assert rollup_snapshot() == summed_over_clinicians()
    assert ProgramCount.objects.exists()
    ids = dict(ProgramCount.objects.values_list("pk", "period_start"))

    refresh_summary()  # nothing changed: the program rows stay as they are
    assert dict(ProgramCount.objects.values_list("pk", "period_start")) == ids

    late = attended(county, 1)
    give(late)
    refresh_summary()
    assert rollup_snapshot() == summed_over_clinicians()
    kept = dict(ProgramCount.objects.values_list("pk", "period_start"))
    touched = {periods.period_start("week", late.occurred_on)} | {
        periods.period_start("month", late.occurred_on)
    }
    assert {pk: start for pk, start in ids.items() if start not in touched} == {
        pk: start for pk, start in kept.items() if start not in touched
    }
    assert set(kept) != set(ids)

    indicator = registry.get("homework_assigned")
    scope = Scope(frozenset({county.harbor.pk}))
    window = last_two_months()
    for by in ("program", *registry.DIMENSION_KEYS):
        rolled = repository.breakdown(indicator, by=by, scope=scope, **window)
        dimension = by if by in registry.DIMENSION_KEYS else ""
        summary = (
            repository._rows(
                indicator, **window, scope=scope, dimension=dimension, by_clinician=True
            )
            .values(group=F("value") if dimension else F("program_id"))
            .annotate(**repository.SUMS)
            .order_by("group")
        )
        assert [(c.group, c.numerator, c.denominator) for c in rolled] == [
            (str(r["group"]), r["num"], r["den"]) for r in summary
        ], by


def test_a_rebuild_rolls_every_period_up_again(county: County, month_of_care: Any) -> None:
    refresh_summary()
    ProgramCount.objects.all().delete()
    refresh_summary(rebuild=True)
    assert rollup_snapshot() == summed_over_clinicians()
    assert ProgramCount.objects.exists()


class _PortablePeriodStart(PeriodStart):
    as_postgresql = None  # type: ignore[assignment]
    as_sqlite = None  # type: ignore[assignment]


@pytest.mark.parametrize("grain", ["week", "month"])
def test_the_sql_period_start_is_the_calendar_s(county: County, grain: str) -> None:
    """The refresh's period in SQL (native on each database, and portably) equals
    periods.period_start for every day of two months, across a year's end."""
    session = attended(county, 1)
    days = [date(2025, 12, 1) + timedelta(days=i) for i in range(62)]
    for day in days:
        Session.objects.filter(pk=session.pk).update(occurred_on=day)
        found = Session.objects.filter(pk=session.pk).values_list(
            PeriodStart(grain, "occurred_on"), _PortablePeriodStart(grain, "occurred_on")
        )
        start = periods.period_start(grain, day)
        assert list(found) == [(start, start)], day


def test_a_rebuild_in_passes_of_one_period_gives_the_rows_of_one_pass(
    county: County, month_of_care: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild counts a few periods at a time (its memory stays bounded at state size):
    splitting it further changes no row, of the summary or of its rollup."""
    refresh_summary(rebuild=True)
    whole, rolled = rows_snapshot(), rollup_snapshot()
    monkeypatch.setattr(actions, "PERIODS_PER_PASS", {"week": 1, "month": 1})
    result = refresh_summary(rebuild=True)
    assert rows_snapshot() == whole
    assert rollup_snapshot() == rolled
    assert result.rows_written == len(whole)
    assert SummaryPeriod.objects.filter(grain="week").count() > 1
