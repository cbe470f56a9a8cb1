"""PIPs: periods, locking, the analysis (Wilson, z, Fisher, clustered GEE), the verdict, and
the report in Word and HTML."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from docx import Document

from between.accounts.models import AuditEvent
from between.improvement import actions, analysis, report
from between.improvement.analysis import Verdict
from between.improvement.models import FrozenCount, Pip
from between.indicators import actions as indicator_actions
from tests.conftest import County
from tests.homework.factories import attended, clinicians_with_clients, days_ago, give

# (first, last) days ago of each period: baseline, then two remeasurements.
BASELINE = (200, 141)
FIRST = (120, 61)
SECOND = (50, 11)


def _team(county: County, size: int = 4) -> list[tuple[Any, Any]]:
    """Carla and three more clinicians of Harbor Clinic, each with a client."""
    return [(county.clinician, county.client), *clinicians_with_clients(county, size - 1)]


def _sessions(county: County, team: Any, days: tuple[int, int], with_homework: int) -> None:
    """Ten sessions per clinician spread over the period; homework in the first few."""
    first, last = days
    step = (first - last) // 10
    for clinician, client in team:
        for i in range(10):
            session = attended(county, first - i * step, client=client, clinician=clinician)
            if i < with_homework:
                give(session, actor=clinician)


@pytest.fixture
def improving(county: County) -> dict[str, Any]:
    """Homework in 2 of 10 sessions at baseline, 8 of 10 after, for four clinicians."""
    team = _team(county)
    _sessions(county, team, BASELINE, 2)
    _sessions(county, team, FIRST, 8)
    _sessions(county, team, SECOND, 8)
    return {"team": team}


def _pip(county: County, **changes: Any) -> Pip:
    fields: dict[str, Any] = {
        "title": "Homework in every session",
        "programs": [county.harbor],
        "indicator_keys": ["homework_assigned", "prior_reviewed"],
        "aim": "Raise the share of sessions with homework assigned from 13% to 40%.",
    }
    return actions.create_pip(county.analyst, **{**fields, **changes})


def _period(county: County, pip: Pip, kind: str, label: str, days: tuple[int, int]) -> Any:
    return actions.add_period(
        county.analyst, pip, kind=kind, label=label, start=days_ago(days[0]), end=days_ago(days[1])
    )


def test_it_keeps_pips_to_analysts_with_known_indicators(county: County) -> None:
    with pytest.raises(PermissionDenied):
        _pip(county, programs=[county.bayside])
    with pytest.raises(PermissionDenied):
        actions.create_pip(
            county.clinician, title="x", programs=[county.harbor], indicator_keys=["completion"]
        )
    with pytest.raises(ValidationError):
        _pip(county, indicator_keys=["homework_given_sometimes"])
    with pytest.raises(ValidationError):
        _pip(county, indicator_keys=[])
    pip = _pip(county)
    assert pip.primary_indicator == "homework_assigned"
    # The sections the system can describe are drafted, to edit; the rest start empty.
    assert "Harbor Clinic" in pip.population and "No sampling" in pip.sampling
    assert "structured record" in pip.data_collection and pip.topic == ""
    assert AuditEvent.objects.filter(object_type="improvement.pip", action="create").exists()


def test_it_checks_the_measurement_periods(county: County) -> None:
    pip = _pip(county)
    baseline = _period(county, pip, "baseline", "Baseline", BASELINE)
    with pytest.raises(ValidationError, match="already has a baseline"):
        _period(county, pip, "baseline", "Again", (300, 250))
    with pytest.raises(ValidationError, match="overlaps"):
        _period(county, pip, "remeasurement", "R1", (150, 100))
    with pytest.raises(ValidationError, match="after the baseline"):
        _period(county, pip, "remeasurement", "Early", (400, 300))
    with pytest.raises(ValidationError):
        actions.add_period(
            county.analyst,
            pip,
            kind="remeasurement",
            label="Backwards",
            start=days_ago(10),
            end=days_ago(20),
        )
    _period(county, pip, "remeasurement", "Remeasurement 1", FIRST)
    assert [p.label for p in pip.periods.order_by("start")] == ["Baseline", "Remeasurement 1"]
    actions.delete_period(county.analyst, baseline)
    assert pip.periods.count() == 1


def test_it_finds_significant_and_sustained_improvement(
    county: County, improving: dict[str, Any]
) -> None:
    pip = _pip(county)
    _period(county, pip, "baseline", "Baseline", BASELINE)
    _period(county, pip, "remeasurement", "Remeasurement 1", FIRST)
    found = analysis.analyse(pip)
    primary = found[0]
    assert primary.primary and primary.indicator.key == "homework_assigned"
    baseline, first = primary.figures
    assert (baseline.numerator, baseline.denominator) == (8, 40)
    assert (first.numerator, first.denominator) == (32, 40)
    assert (
        baseline.interval is not None and baseline.interval.ci_low < 0.2 < baseline.interval.ci_high
    )
    (comparison,) = primary.comparisons
    assert comparison.test.p_value is not None and comparison.test.p_value < 0.001
    assert comparison.test.fisher_p_two_sided < 0.001
    clustered = comparison.clustered
    assert clustered is not None and clustered.estimable and clustered.n_clusters == 4
    assert clustered.odds_ratio is not None and clustered.ci_low is not None
    assert clustered.ci_low > 1
    assert comparison.significant
    # One remeasurement: improved, but too early to call it sustained.
    assert primary.verdict == Verdict.NOT_YET
    _period(county, pip, "remeasurement", "Remeasurement 2", SECOND)
    assert analysis.analyse(pip)[0].verdict == Verdict.SUSTAINED


def test_it_calls_a_fall_back_not_sustained(county: County) -> None:
    team = _team(county)
    _sessions(county, team, BASELINE, 2)
    _sessions(county, team, FIRST, 8)
    _sessions(county, team, SECOND, 3)
    pip = _pip(county, indicator_keys=["homework_assigned"])
    _period(county, pip, "baseline", "Baseline", BASELINE)
    _period(county, pip, "remeasurement", "R1", FIRST)
    _period(county, pip, "remeasurement", "R2", SECOND)
    assert analysis.analyse(pip)[0].verdict == Verdict.NOT_SUSTAINED


def test_it_finds_no_improvement_without_change(county: County) -> None:
    team = _team(county)
    _sessions(county, team, BASELINE, 3)
    _sessions(county, team, FIRST, 3)
    pip = _pip(county, indicator_keys=["homework_assigned"])
    _period(county, pip, "baseline", "Baseline", BASELINE)
    _period(county, pip, "remeasurement", "R1", FIRST)
    (only,) = analysis.analyse(pip)
    assert only.verdict == Verdict.NO_IMPROVEMENT
    assert not only.comparisons[0].significant


def test_locking_freezes_the_numbers_and_corrections_show_as_a_note(
    county: County, improving: dict[str, Any]
) -> None:
    pip = _pip(county)
    baseline = _period(county, pip, "baseline", "Baseline", BASELINE)
    current = _period(county, pip, "remeasurement", "Now", (5, -20))
    with pytest.raises(ValidationError, match="ended"):
        actions.lock_period(county.analyst, current)
    actions.lock_period(county.analyst, baseline)
    baseline.refresh_from_db()
    assert baseline.locked
    frozen = FrozenCount.objects.filter(period=baseline, indicator_key="homework_assigned")
    assert sum(f.denominator for f in frozen) == 40 and frozen.count() == 4
    actions.lock_period(county.analyst, baseline)  # twice: nothing changes
    assert FrozenCount.objects.filter(period=baseline).count() == frozen.count() * 2
    # A late entry in the baseline period: the report keeps 8/40 and notes the change.
    clinician, client = improving["team"][1]
    give(attended(county, BASELINE[0] - 1, client=client, clinician=clinician), actor=clinician)
    figure = analysis.analyse(pip)[0].figures[0]
    assert (figure.numerator, figure.denominator) == (8, 40)
    assert figure.corrected == (9, 41)
    notes = report.corrections(report.build(pip))
    assert any("9 / 41" in note and "8 / 40" in note for note in notes)
    with pytest.raises(ValidationError):
        actions.delete_period(county.analyst, baseline)
    with pytest.raises(ValidationError):
        actions.update_pip(county.analyst, pip, indicator_keys=["homework_assigned"])


def _headings(content: bytes) -> list[str]:
    document = Document(io.BytesIO(content))
    return [
        p.text
        for p in document.paragraphs
        if p.style and p.style.name.startswith(("Heading", "Title"))
    ]


def test_the_word_report_has_every_protocol_section(
    county: County, improving: dict[str, Any]
) -> None:
    pip = actions.update_pip(county.analyst, _pip(county), topic="Homework is rarely assigned.")
    _period(county, pip, "baseline", "Baseline", BASELINE)
    _period(county, pip, "remeasurement", "Remeasurement 1", FIRST)
    indicator_actions.add_intervention(
        county.analyst, label="Homework training", kind="training", started_on=days_ago(130)
    )
    indicator_actions.refresh_summary()  # the chart reads the summary, as the dashboards do
    content = report.docx_bytes(report.build(pip))
    document = Document(io.BytesIO(content))
    headings = _headings(content)
    for _, heading in report.SECTIONS:
        assert str(heading) in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Homework is rarely assigned." in text
    assert str(analysis.SUSTAINED_RULE) in text and str(analysis.SIGNIFICANCE_RULE) in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "8 / 40" in cells and "32 / 40" in cells and "Homework training" in cells
    assert len(document.inline_shapes) == 1  # the control chart


def test_the_command_writes_the_report(
    county: County, improving: dict[str, Any], tmp_path: Any
) -> None:
    pip = _pip(county)
    _period(county, pip, "baseline", "Baseline", BASELINE)
    out = tmp_path / "pip.docx"
    call_command("report", "pip", "--id", str(pip.pk), "--out", str(out))
    assert "1. Topic" in _headings(out.read_bytes())
    with pytest.raises(CommandError, match="No PIP"):
        call_command("report", "pip", "--id", "99999", "--out", str(out))
    with pytest.raises(CommandError, match="docx"):
        call_command("report", "pip", "--id", str(pip.pk), "--out", str(tmp_path / "x.pdf"))


def test_the_pages_run_a_pip(county: County, improving: dict[str, Any]) -> None:
    client = HttpClient()
    client.force_login(county.analyst)
    assert client.get("/pips/").status_code == 200
    refused = client.post("/pips/", {"title": "", "primary": "homework_assigned"})
    assert refused.status_code == 422 and not Pip.objects.exists()
    response = client.post(
        "/pips/",
        {
            "title": "Homework PIP",
            "programs": [county.harbor.pk],
            "primary": "homework_assigned",
            "others": ["completion"],
            "aim": "More homework.",
        },
    )
    pip = Pip.objects.get()
    assert response.status_code == 302 and pip.indicator_keys == ["homework_assigned", "completion"]
    for kind, label, days in (("baseline", "B", BASELINE), ("remeasurement", "R1", FIRST)):
        client.post(
            f"/pips/{pip.pk}/periods/",
            {
                "period-kind": kind,
                "period-label": label,
                "period-start": days_ago(days[0]).isoformat(),
                "period-end": days_ago(days[1]).isoformat(),
            },
        )
    assert pip.periods.count() == 2
    indicator_actions.refresh_summary()
    baseline = pip.periods.get(label="B")
    assert client.post(f"/pips/periods/{baseline.pk}/lock/").status_code == 302
    page = client.get(f"/pips/{pip.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Remeasurements against the baseline" in body and "<svg" in body
    saved = client.post(
        f"/pips/{pip.pk}/", {"title": "Homework PIP", "topic": "Too little homework."}
    )
    assert saved.status_code == 302
    pip.refresh_from_db()
    assert pip.topic == "Too little homework."
    printed = client.get(f"/pips/{pip.pk}/print/").content.decode()
    assert "Too little homework." in printed and "9. Significant and sustained" in printed
    download = client.get(f"/pips/{pip.pk}/report.docx")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "1. Topic" in _headings(download.content)
    assert AuditEvent.objects.filter(object_type="improvement.pip", action="export").count() == 2
    client.post(
        f"/pips/{pip.pk}/interventions/",
        {
            "intervention-label": "Supervisor prompts",
            "intervention-kind": "supervision",
            "intervention-started_on": days_ago(100),
        },
    )
    assert "Supervisor prompts" in client.get(f"/pips/{pip.pk}/").content.decode()


def test_an_analyst_without_record_access_sees_small_cells_suppressed(
    county: County,
) -> None:
    team = _team(county, size=2)
    _sessions(county, team, BASELINE, 2)
    pip = _pip(county, indicator_keys=["homework_assigned"])
    _period(county, pip, "baseline", "Baseline", BASELINE)
    hidden = report.build(pip, exact=False).tables[0][1][0]
    assert "suppressed" in hidden[2]
    shown = report.build(pip, exact=True).tables[0][1][0]
    assert shown[2] == "4 / 20"


def test_sessions_of_one_day_count_in_the_period_that_holds_it(county: County) -> None:
    pip = _pip(county, indicator_keys=["homework_assigned"])
    edge = days_ago(BASELINE[1])
    session = attended(county, BASELINE[1])
    give(session)
    assert session.occurred_on == edge
    _period(county, pip, "baseline", "Baseline", BASELINE)
    figure = analysis.analyse(pip)[0].figures[0]
    assert (figure.numerator, figure.denominator) == (1, 1)
