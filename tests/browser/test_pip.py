"""A PIP in the browser on the demo county: the analyst creates it, adds a baseline and a
remeasurement, locks the baseline, reads the analysis and downloads the Word report."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from docx import Document

from between.clinic.actions import today
from between.improvement.report import SECTIONS
from tests.browser.conftest import assert_accessible
from tests.browser.test_clinician_walk import sign_in


def _month_start(day: date, back: int) -> date:
    year, month = day.year, day.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _add_period(page: Any, kind: str, label: str, start: date, end: date) -> None:
    form = page.locator("form", has=page.get_by_role("heading", name="Add a period"))
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("Label").fill(label)
    form.get_by_label("First day").fill(start.isoformat())
    form.get_by_label("Last day").fill(end.isoformat())
    with page.expect_navigation():
        form.get_by_role("button", name="Add the period").click()
    assert page.get_by_text("Period added.").is_visible(), page.locator(
        ".messages"
    ).all_inner_texts()


def test_it_creates_locks_and_reports_a_pip(
    live_server: Any, demo_county: None, page: Any, tmp_path: Any
) -> None:
    base = live_server.url
    now = today()
    baseline = (_month_start(now, 6), _month_start(now, 3) - timedelta(days=1))
    remeasure = (_month_start(now, 3), _month_start(now, 0) - timedelta(days=1))

    sign_in(page, base, "demo-analyst")
    page.get_by_role("link", name="PIPs").click()
    page.wait_for_url("**/pips/")
    assert_accessible(page)
    page.get_by_label("Title").fill("Browser PIP: homework in every session")
    programs = page.get_by_role("group", name="Programs").get_by_role("checkbox")
    for i in range(programs.count()):
        programs.nth(i).check()
    page.get_by_label("Primary indicator").select_option("homework_assigned")
    page.get_by_role("group", name="Other indicators").get_by_label(
        "Prior homework reviewed"
    ).check()
    page.get_by_label("Aim statement").fill("Raise homework assigned to 40% of sessions.")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the PIP").click()
    assert "/pips/" in page.url and page.get_by_role("heading", name="Browser PIP").is_visible()

    _add_period(page, "baseline", "Baseline", *baseline)
    _add_period(page, "remeasurement", "Remeasurement 1", *remeasure)
    with page.expect_navigation():
        page.get_by_role("button", name="Lock Baseline").click()
    assert page.get_by_text("Period locked").is_visible()
    assert page.get_by_role("table", name="Remeasurements against the baseline").first.is_visible()
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (Word)").click()
    path = tmp_path / "pip.docx"
    download_info.value.save_as(path)
    document = Document(io.BytesIO(path.read_bytes()))
    headings = {
        p.text for p in document.paragraphs if p.style and p.style.name.startswith("Heading")
    }
    assert {str(heading) for _, heading in SECTIONS} <= headings
    assert any("Baseline" in c.text for t in document.tables for r in t.rows for c in r.cells)

    page.get_by_role("link", name="Print view").click()
    page.wait_for_url("**/print/")
    assert page.get_by_role("heading", name="9. Significant and sustained improvement").is_visible()
    assert_accessible(page)
