"""Amendment fixtures: Kai's and Nico's records (see helpers.py)."""

from __future__ import annotations

import pytest

from tests.amendments.helpers import Records, make_records
from tests.conftest import County


@pytest.fixture
def charts(county: County) -> Records:
    """Kai (Harbor, Carla's) and Nico (Bayside, Olivia's): a session a week ago with its note,
    homework given in it, and a practice log (Kai's by Maria in the portal)."""
    return make_records(county)
