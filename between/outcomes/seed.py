"""The shipped instruments (data/instruments.json) and their seeding.

The data migration seeds them; `seed_instruments()` seeds again whatever is missing (a test
database flushed since the migration lacks them). An existing instrument is never changed
here: a new wording or scoring is a new instrument key or version, entered deliberately.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "instruments.json"

PSC_35 = "psc-35"
CAREGIVER_EFFECTIVENESS = "caregiver-effectiveness"

# The fields of an Instrument row that come straight from the data file.
FIELDS = (
    "name_en",
    "name_es",
    "respondent",
    "version",
    "source",
    "license_note_en",
    "license_note_es",
    "notes_en",
    "notes_es",
    "instructions_en",
    "instructions_es",
    "higher_is_better",
    "options",
    "items",
    "scoring",
    "intervals_days",
)


@cache
def definitions() -> tuple[dict[str, Any], ...]:
    """The instruments as the data file defines them (read once)."""
    with DATA.open(encoding="utf-8") as handle:
        return tuple(json.load(handle))


def definition(key: str) -> dict[str, Any]:
    for entry in definitions():
        if entry["key"] == key:
            return entry
    raise KeyError(f"no instrument {key!r} in {DATA.name}")


def seed_instruments(instrument_model: Any = None) -> int:
    """Create the shipped instruments that are missing; return how many were created.
    Takes the model so the migration can pass its historical one."""
    if instrument_model is None:
        from between.outcomes.models import Instrument

        instrument_model = Instrument
    existing = set(instrument_model.objects.values_list("key", flat=True))
    created = 0
    for entry in definitions():
        if entry["key"] in existing:
            continue
        fields = {name: entry.get(name, "") for name in FIELDS}
        instrument_model.objects.create(key=entry["key"], **fields)
        created += 1
    return created


def get_instrument(key: str) -> Any:
    """The instrument with this key, seeding the shipped ones first if they are missing."""
    from between.outcomes.models import Instrument

    found = Instrument.objects.filter(key=key).first()
    if found is None:
        seed_instruments()
        found = Instrument.objects.get(key=key)
    return found


def active_instruments() -> list[Any]:
    """Every active instrument (seeding the shipped ones if a flushed database lacks them)."""
    from between.outcomes.models import Instrument

    if not Instrument.objects.exists():
        seed_instruments()
    return list(Instrument.objects.filter(is_active=True).order_by("key"))
