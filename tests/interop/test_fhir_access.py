"""Role × URL for the fhir routes, in the shape of tests/clinic/test_access_matrix.py (whose
coverage test takes these rows: see OTHER_MATRICES there)."""

from __future__ import annotations

# fmt: off
#  route  method  object  anon clin  sup  rev  ana  trn  adm  fam  out
FHIR_MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = []
# fmt: on
