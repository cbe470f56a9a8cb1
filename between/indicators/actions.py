"""Refreshing the indicator summary (ADR 004).

`refresh_summary` recomputes every open week and month from the sessions with one aggregate
query per indicator and grain, replaces their rows in one transaction, and closes periods that
ended more than the look-back window ago. Running it twice gives the same rows; a closed period
is recomputed only by an explicit `rebuild`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, DateField, Exists, F, Func, Max, Min, OuterRef, Sum
from django.db.models.functions import Cast, TruncMonth, TruncWeek
from django.utils import timezone

from between.accounts import audit
from between.accounts.models import AuditAction
from between.bulkwrite import write_rows
from between.clinic.models import Client, Session
from between.indicators import periods
from between.indicators.models import (
    Grain,
    IndicatorCount,
    Intervention,
    ProgramCount,
    SummaryPeriod,
)
from between.indicators.registry import (
    INDICATORS,
    SESSION_DIMENSION_KEYS,
    Indicator,
    annotated_base,
    client_dimension_values,
)

Key = tuple[str, date, int, int, str, str]
# client id -> its (dimension, value) pairs of the client's own dimensions.
ClientPairs = dict[int, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class RefreshResult:
    periods_refreshed: int
    periods_closed: int
    rows_written: int
    refreshed_at: datetime | None


def count_rows(
    indicator: Indicator,
    grain: str,
    first: date,
    last: date,
    *,
    by_dimension: bool,
    clients: ClientPairs | None = None,
) -> dict[Key, list[int]]:
    """[numerator, denominator, elements] per (indicator, period, program, clinician,
    dimension, value), from one GROUP BY over the indicator's rows dated first..last.

    With `by_dimension` the rows are grouped by client as well, and the client's own dimensions
    (diagnosis group, caregiver language) are read once per client into `clients` (shared by
    the indicators of one refresh) rather than computed in every row of every aggregate.

    (Counting the indicators of one universe together, with 0/1 flags per row summed per
    cell, was tried and measured: no faster at a county's month on PostgreSQL, and open
    homework as a flag on every session cost 3.9 s instead of 0.6 s as a join.)"""
    day = indicator.path("occurred_on")
    trunc = PeriodStart(grain, day)
    rows = annotated_base(indicator, (first, last)).filter(
        **{f"{day}__gte": first, f"{day}__lte": last}
    )
    group: dict[str, Any] = {
        "period": trunc,
        "program_ref": F(indicator.path("program_id")),
        "clinician_ref": F(indicator.path("clinician_id")),
    }
    session_keys = SESSION_DIMENSION_KEYS if by_dimension else ()
    if by_dimension:
        group["client_ref"] = F(indicator.path("client_id"))
        group.update({f"d_{key}": F(f"dim_{key}") for key in session_keys})
    sums: dict[str, Any] = {"num": Sum("is_numerator"), "den": Count("pk")}
    if indicator.elements is not None:
        sums["el"] = Sum(indicator.elements())
    grouped = list(rows.values(**group).annotate(**sums).order_by().values_list(*group, *sums))
    pairs = _read_clients(clients, {row[3] for row in grouped}) if by_dimension else {}

    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    key = indicator.key
    whole = (("", ""),)
    sessions_at = 4 + len(session_keys)  # where the sums start, with dimensions
    for row in grouped:
        cell = (key, row[0], row[1], row[2])
        if by_dimension:
            splits = (
                *whole,
                *((k, str(v or "")) for k, v in zip(session_keys, row[4:sessions_at], strict=True)),
                *pairs[row[3]],
            )
            amounts = row[sessions_at:]
        else:
            splits = whole
            amounts = row[3:]
        numerator, denominator = int(amounts[0] or 0), int(amounts[1])
        elements = int(amounts[2] or 0) if len(amounts) > 2 else 0
        for split in splits:
            total = totals[cell + split]
            total[0] += numerator
            total[1] += denominator
            total[2] += elements
    return totals


class PeriodStart(Func):
    """The first day of the week (Monday) or month of a date, as a date: `periods.period_start`
    in SQL (a test holds them equal).

    Django's Trunc goes through a timestamp with time zone on PostgreSQL (loading it and making
    a date of it again cost 0.5 s of a county month's 2.6; bench/, issue 10) and through a
    Python function per row on SQLite; both databases have a plain form."""

    output_field = DateField()

    def __init__(self, grain: str, expression: Any) -> None:
        if grain not in (Grain.WEEK, Grain.MONTH):
            raise ValueError(f"unknown grain {grain!r}")
        self.grain = str(grain)
        super().__init__(expression)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        (day,) = self.get_source_expressions()
        trunc = TruncWeek(day) if self.grain == Grain.WEEK else TruncMonth(day)
        return compiler.compile(Cast(trunc, DateField()).resolve_expression(compiler.query))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        unit = "week" if self.grain == Grain.WEEK else "month"  # ISO weeks begin on Monday
        return f"CAST(date_trunc('{unit}', CAST({sql} AS timestamp)) AS date)", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        if self.grain == Grain.WEEK:  # back six days, then forward to the next Monday
            return f"date({sql}, '-6 days', 'weekday 1')", params
        return f"strftime('%%Y-%%m-01', {sql})", params


def _read_clients(known: ClientPairs | None, wanted: set[int]) -> ClientPairs:
    """`known`, with the client dimensions of the `wanted` clients it lacks read in."""
    known = {} if known is None else known
    missing = sorted(wanted - known.keys())
    for at in range(0, len(missing), DELETE_CHUNK):
        chunk = missing[at : at + DELETE_CHUNK]
        known.update(client_dimension_values(Client.objects.filter(pk__in=chunk)))
    return known


def _clients_seen(first: date, last: date) -> ClientPairs:
    """The client dimensions of every client with a session dated first..last: one query
    instead of one per chunk of ids."""
    seen = Session.objects.filter(client=OuterRef("pk"), occurred_on__range=(first, last))
    return client_dimension_values(Client.objects.filter(Exists(seen)))


def _ensure_periods(grain: str, first: date, today: date) -> None:
    wanted = [
        SummaryPeriod(grain=grain, start=start, end=periods.period_end(grain, start))
        for start in periods.periods(grain, first, today)
    ]
    SummaryPeriod.objects.bulk_create(wanted, ignore_conflicts=True)


def refresh_summary(
    *, today: date | None = None, rebuild: bool = False, lookback_days: int | None = None
) -> RefreshResult:
    """Recompute the open periods (every period with `rebuild`) up to `today`."""
    today = today or timezone.localdate()
    lookback = settings.SUMMARY_LOOKBACK_DAYS if lookback_days is None else lookback_days
    first = Session.objects.aggregate(first=Min("occurred_on"))["first"]
    if first is None:
        return RefreshResult(0, 0, 0, None)
    now = timezone.now()
    refreshed = closed = written = 0
    for grain in (Grain.WEEK, Grain.MONTH):
        _ensure_periods(grain, first, today)
        with transaction.atomic():
            # Locking the period rows makes two concurrent refreshes take turns.
            _tune_for_aggregates()
            due = SummaryPeriod.objects.select_for_update().filter(grain=grain, start__lte=today)
            if not rebuild:
                due = due.filter(closed_at__isnull=True)
            starts = {p.start: p for p in due}
            if not starts:
                continue
            ordered = sorted(starts)
            step = PERIODS_PER_PASS[grain]
            for at in range(0, len(ordered), step):
                written += _refresh_periods(grain, ordered[at : at + step], rebuild=rebuild)
            cutoff = today - timedelta(days=lookback)
            ending = [p.pk for p in starts.values() if p.end < cutoff and p.closed_at is None]
            SummaryPeriod.objects.filter(pk__in=[p.pk for p in starts.values()]).update(
                refreshed_at=now
            )
            closed += SummaryPeriod.objects.filter(pk__in=ending).update(closed_at=now)
            refreshed += len(starts)
    return RefreshResult(refreshed, closed, written, now)


# A rebuild counts and holds half a year of periods at a time: the whole history of a state
# (18 million sessions) at once held about 7 GB of counts in the process (bench/, issue 10).
# The nightly refresh's open periods fit in one pass.
PERIODS_PER_PASS = {Grain.WEEK: 26, Grain.MONTH: 6}


def _refresh_periods(grain: str, chunk: list[date], *, rebuild: bool) -> int:
    """Count these consecutive periods and store their rows (every row with `rebuild`, else
    only the changed ones) and their program rollup; the number of summary rows written."""
    low, high = chunk[0], periods.period_end(grain, chunk[-1])
    wanted = set(chunk)
    rows: dict[Key, list[int]] = {}
    by_dimension = grain == Grain.MONTH
    clients = _clients_seen(low, high) if by_dimension else None
    for indicator in INDICATORS:
        counted = count_rows(
            indicator, grain, low, high, by_dimension=by_dimension, clients=clients
        )
        rows.update({k: v for k, v in counted.items() if k[1] in wanted})
    if rebuild:
        IndicatorCount.objects.filter(grain=grain, period_start__in=chunk).delete()
        write_rows(IndicatorCount, COUNT_COLUMNS, _count_rows(grain, rows))
        roll_up(grain, chunk)
        return len(rows)
    count, touched = _replace_changed(grain, chunk, rows)
    roll_up(grain, touched)
    return count


def _replace_changed(
    grain: str, starts: list[date], rows: dict[Key, list[int]]
) -> tuple[int, set[date]]:
    """Make the stored rows of these periods equal `rows`, writing only the rows whose
    counts changed, appeared or went away; the number written, and the periods touched.

    The nightly refresh recomputes open periods whose counts are mostly as they were: deleting
    and inserting all of them cost more than computing them (a county's open month: 64,000
    rows, 2.3 s of a 7 s refresh; bench/, issue 10) and left as many dead rows behind."""
    stored = IndicatorCount.objects.filter(grain=grain, period_start__in=starts).values_list(
        "pk", "indicator", *COUNT_COLUMNS[2:]
    )
    stale: list[int] = []
    unchanged: set[Key] = set()
    touched: set[date] = set()
    for pk, key, start, program, clinician, dimension, value, *amounts in stored:
        cell = (key, start, program, clinician, dimension, value)
        if rows.get(cell) == amounts:
            unchanged.add(cell)
        else:
            stale.append(pk)
            touched.add(start)
    for at in range(0, len(stale), DELETE_CHUNK):
        IndicatorCount.objects.filter(pk__in=stale[at : at + DELETE_CHUNK])._raw_delete(
            connection.alias
        )
    fresh = {key: amounts for key, amounts in rows.items() if key not in unchanged}
    write_rows(IndicatorCount, COUNT_COLUMNS, _count_rows(grain, fresh))
    touched.update(key[1] for key in fresh)
    return len(fresh), touched


def roll_up(
    grain: str,
    starts: Collection[date],
    *,
    counts: type[models.Model] = IndicatorCount,
    rollup: type[models.Model] = ProgramCount,
) -> None:
    """Make the program rows (`ProgramCount`) of these periods the sums over clinicians of the
    summary's rows, in the database: one INSERT ... SELECT ... GROUP BY per chunk of periods,
    the one definition of the rollup (the migration that made the table passes its own
    models). Tests that write summary rows by hand call it too."""
    wanted = sorted(starts)
    table = connection.ops.quote_name(rollup._meta.db_table)
    fields = [
        cast("models.Field[Any, Any]", rollup._meta.get_field(name))
        for name in (*ROLLUP_KEYS, "numerator", "denominator", "elements")
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    for at in range(0, len(wanted), DELETE_CHUNK):
        chunk = wanted[at : at + DELETE_CHUNK]
        rollup._default_manager.filter(grain=grain, period_start__in=chunk)._raw_delete(
            connection.alias
        )
        sums = (
            counts._default_manager.filter(grain=grain, period_start__in=chunk)
            .values(*ROLLUP_KEYS)
            .annotate(n=Sum("numerator"), d=Sum("denominator"), e=Sum("elements"))
            .order_by()
        )
        sql, params = sums.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)


# The program rows' keys: a summary row's without the clinician.
ROLLUP_KEYS = ("indicator", "grain", "period_start", "program_id", "dimension", "value")


DELETE_CHUNK = 900  # ids per DELETE or IN list (SQLite's older limit of 999 parameters)


def _tune_for_aggregates() -> None:
    """For the rest of the refresh transaction on PostgreSQL: no JIT, and room to sort and
    hash a month of a county in memory.

    The aggregates' estimated cost is above jit_above_cost, so each was compiled first: about
    0.2 s of compiling per query, more than the query itself (a tenth of a county's open
    month: 3.2 s with JIT, 1.9 s without). With the default 4 MB work_mem a county's month
    was sorted on disk and its exclusions hashed in two batches (bench/, issue 10). SQLite
    has neither setting."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")


# The summary's columns in the order of a row from `_count_rows`.
COUNT_COLUMNS = (
    "indicator",
    "grain",
    "period_start",
    "program_id",
    "clinician_id",
    "dimension",
    "value",
    "numerator",
    "denominator",
    "elements",
)


def _count_rows(grain: str, rows: dict[Key, list[int]]) -> Iterable[tuple[Any, ...]]:
    for (key, start, program_id, clinician_id, dimension, value), amounts in rows.items():
        yield (key, grain, start, program_id, clinician_id, dimension, value, *amounts)


def data_as_of() -> datetime | None:
    """When the summary was last refreshed (what the pages print as "data as of")."""
    result: datetime | None = SummaryPeriod.objects.aggregate(at=Max("refreshed_at"))["at"]
    return result


def add_intervention(
    actor: Any,
    *,
    label: str,
    started_on: date,
    kind: str = Intervention.Kind.OTHER,
    program_id: int | None = None,
) -> Intervention:
    """Record a change the county made, to annotate charts and start a new chart phase."""
    intervention = Intervention(
        label=label, kind=kind, started_on=started_on, program_id=program_id
    )
    intervention.full_clean()
    intervention.save()
    audit.record(actor, AuditAction.CREATE, intervention, program_id=program_id)
    return intervention
