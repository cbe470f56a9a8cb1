"""Role × URL for the imports routes, in the shape of tests/clinic/test_access_matrix.py (whose
coverage test takes these rows: see OTHER_MATRICES there). Batch A was checked by Adele, Harbor's
administrator; batch B by an operator on the command line. Also: the upload page's two steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from between.clinic.models import Session
from between.interop.imports import actions
from between.interop.imports.models import BatchStatus, ImportBatch
from tests.clinic.test_access_matrix import PERSONAS, clinical_counts, request, sign_in_as
from tests.conftest import County
from tests.interop.imports_helpers import SESSION_HEADER, write_csv

# fmt: off
#  route  method  object  anon clin  sup  rev  ana  trn  adm  fam  out
IMPORTS_MATRIX: list[tuple[str, str, str, int, int, int, int, int, int, int, int, int]] = [
    # Administrators of a program (and superusers) import; nobody else sees the pages.
    ("imports:upload",       "GET",  "-", 302, 404, 404, 404, 404, 404, 200, 404, 404),
    # An empty form: 422, nothing checked or written.
    ("imports:upload",       "POST", "-", 302, 404, 404, 404, 404, 404, 422, 404, 404),
    ("imports:batch-detail", "GET",  "A", 302, 404, 404, 404, 404, 404, 200, 404, 404),
    ("imports:batch-detail", "GET",  "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
    # A commit without the file: 422, nothing written.
    ("imports:batch-detail", "POST", "A", 302, 404, 404, 404, 404, 404, 422, 404, 404),
    ("imports:batch-detail", "POST", "B", 302, 404, 404, 404, 404, 404, 404, 404, 404),
]
# fmt: on


def _batches(county: County, tmp_path: Path) -> dict[str, ImportBatch]:
    path = write_csv(
        tmp_path / "sessions.csv", SESSION_HEADER, [["S-1", "H-1001", "carla", "3/4/25", ""]]
    )
    batches = {}
    for side, actor, scope in (("A", county.admin, {county.harbor.pk}), ("B", None, None)):
        report = actions.validate_import(
            actor, county.organization, "sessions", path, program_ids=scope
        )
        assert report.batch is not None
        batches[side] = report.batch
        path.write_text(path.read_text() + "\n")  # another file for the other batch
    return batches


URL_ARGUMENTS: dict[str, Callable[[dict[str, ImportBatch], str], dict[str, Any]]] = {
    "imports:batch-detail": lambda batches, side: {"batch_id": batches[side].pk},
}


@pytest.mark.parametrize(
    "row", IMPORTS_MATRIX, ids=[f"{r}-{m}-{s}" for r, m, s, *_ in IMPORTS_MATRIX]
)
def test_it_answers_each_persona_as_the_matrix_says(
    county: County, client: HttpClient, tmp_path: Path, row: tuple[Any, ...]
) -> None:
    route, method, side, *expected = row
    batches = _batches(county, tmp_path)
    before = clinical_counts()
    arguments = URL_ARGUMENTS[route](batches, side) if route in URL_ARGUMENTS else {}
    url = reverse(route, kwargs=arguments)
    wrong = []
    for persona, status in zip(PERSONAS, expected, strict=True):
        sign_in_as(client, county, persona)
        response = request(client, method, route, url)
        if response.status_code != status:
            wrong.append(f"{persona}: expected {status}, got {response.status_code}")
        elif persona == "anonymous":
            assert response["Location"].startswith("/accounts/sign-in/?next="), url
    assert wrong == [], f"{method} {url}"
    assert clinical_counts() == before


def test_it_keeps_every_program_a_object_from_the_outsider() -> None:
    outsider = PERSONAS.index("outsider") + 3
    for row in IMPORTS_MATRIX:
        if row[2] == "A":
            assert row[outsider] == 404, row


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_it_checks_then_commits_an_upload(county: County, client: HttpClient) -> None:
    content = (
        ",".join(SESSION_HEADER) + "\nS-1,H-1001,carla,03/04/2025,attended\n"
        "S-2,H-1001,carla,03/11/2025,attended\n"
    ).encode()
    client.force_login(county.admin)
    response = client.post(
        reverse("imports:upload"),
        {
            "kind": "sessions",
            "organization": county.organization.pk,
            "file": _upload("visits.csv", content),
        },
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows, batch.created, batch.created_by) == (
        BatchStatus.VALIDATED,
        2,
        2,
        county.admin,
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "All 2 rows are valid" in page.content.decode()
    assert not Session.objects.filter(ehr_id__startswith="S-").exists()
    # Another file is refused at the commit.
    other = client.post(response["Location"], {"file": _upload("visits.csv", content + b"\n")})
    assert other.status_code == 422
    assert "not the file that was validated" in other.content.decode()
    assert not Session.objects.filter(ehr_id__startswith="S-").exists()
    done = client.post(response["Location"], {"file": _upload("visits.csv", content)})
    assert done.status_code == 302
    assert Session.objects.filter(ehr_id__startswith="S-").count() == 2
    assert "Imported 2 rows" in client.get(response["Location"]).content.decode()


def test_it_lists_bad_rows_and_limits_an_admin_to_their_programs(
    county: County, client: HttpClient
) -> None:
    content = (
        ",".join(SESSION_HEADER) + "\nS-1,B-2002,olivia,03/04/2025,attended\n"
        "S-2,H-1001,carla,02/30/2025,attended\n"
    ).encode()
    client.force_login(county.admin)
    response = client.post(
        reverse("imports:upload"),
        {
            "kind": "sessions",
            "organization": county.organization.pk,
            "file": _upload("visits.csv", content),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "program BAY is not one you administer" in page
    assert "impossible date in occurred_on" in page
    assert "Commit the import" not in page
    assert ImportBatch.objects.get().status == BatchStatus.FAILED
