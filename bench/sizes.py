"""The counties the benchmarks run on, in plain data (importable before Django is set up).

The synthetic generator gives each child one long episode of care in the window (about 77
sessions over 36 months, measured), so the number of clients sets the number of sessions:
23,400 clients make about 1.8 million sessions, the three years of a county with about
600,000 sessions a year. Caseloads stay inside the generator's realistic 10-25 clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# A fixed end date, so every run of a size draws the same county.
END_DATE = date(2026, 6, 30)


@dataclass(frozen=True)
class Size:
    name: str
    programs: int
    clinicians: int
    clients: int
    months: int
    runs: int  # timed repetitions of each measurement
    warmups: int  # untimed repetitions before them
    seed: int = 2026
    end_date: date = END_DATE
    window_months: int = 24  # the dashboard's range: the last 24 months, month grain
    import_rows: int = 2_000  # sessions in the CSV the import benchmark reads
    load_seconds: int = 3  # how long the practice-log load runs
    detector_notes: int = 500  # notes the detector benchmark classifies
    postgres_only: bool = False  # too big for SQLite to be a sensible deployment
    workers: int = 4  # gunicorn workers (gthread, two threads each)
    tokens: int = 64  # API write tokens the practice-log load spreads over
    load_warmup_seconds: int = 2

    @property
    def slug(self) -> str:
        return f"bench-{self.name}"


SIZES: dict[str, Size] = {
    # A few thousand sessions: runs in seconds (the smoke test and CI).
    "ci": Size(
        "ci",
        programs=2,
        clinicians=6,
        clients=60,
        months=25,
        runs=5,
        warmups=1,
        load_seconds=2,
        workers=2,
        tokens=12,
        load_warmup_seconds=1,
    ),
    # A tenth of a county (about 180,000 sessions): the first point of the growth curve.
    "tenth": Size(
        "tenth",
        programs=6,
        clinicians=110,
        clients=2_340,
        months=36,
        runs=30,
        warmups=3,
        import_rows=20_000,
        load_seconds=10,
        detector_notes=5_000,
    ),
    # About 1.8 million sessions over three years.
    "county": Size(
        "county",
        programs=60,
        clinicians=1100,
        clients=23_400,
        months=36,
        runs=30,
        warmups=3,
        import_rows=30_000,
        load_seconds=10,
        detector_notes=20_000,
    ),
    # Ten counties (about 18 million sessions): PostgreSQL only.
    "state": Size(
        "state",
        programs=600,
        clinicians=11_000,
        clients=234_000,
        months=36,
        runs=50,
        warmups=3,
        import_rows=100_000,
        load_seconds=15,
        detector_notes=20_000,
        postgres_only=True,
    ),
}
