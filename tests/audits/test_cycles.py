"""Review cycles: the seeded tool, reproducible samples, double review, answers, agreement and
the documentation gap."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.test import Client as HttpClient

from between.accounts import actions as account_actions
from between.accounts.models import AuditEvent, Role
from between.audits import actions, results
from between.audits.models import (
    RecordReview,
    ReviewCycle,
    ReviewItem,
    ReviewTool,
    SampledSession,
    ToolVersion,
)
from between.audits.tools import ASSIGNED_ITEM, REVIEWED_ITEM
from between.indicators import registry
from between.indicators.actions import refresh_summary
from between.indicators.models import IndicatorCount
from between.synth.generator import CountyParams, generate_county
from tests.conftest import PASSWORD, County, make_user
from tests.homework.factories import attended, give


def tool_version() -> Any:
    return ReviewTool.objects.get(key="homework").versions.get(number=1)


def test_it_ships_the_homework_items_with_guidance(db: None) -> None:
    items = list(tool_version().items.all())
    assert [i.key for i in items] == [ASSIGNED_ITEM, REVIEWED_ITEM]
    assert "school homework" in items[0].guidance_en
    assert all(i.question_es and i.guidance_es for i in items)


@pytest.fixture
def reviewed_county(county: County) -> dict[str, Any]:
    """Twelve of Carla's sessions with notes, homework in the even ones; two reviewers."""
    for i in range(12):
        session = attended(county, 3 + i, note_text=f"Session note {i}.")
        if i % 2 == 0:
            give(session)
    second = make_user("rob", "Rob", "Ng")
    account_actions.grant_role(None, second, county.harbor, Role.REVIEWER)
    account_actions.grant_role(None, county.analyst, county.harbor, Role.ANALYST)
    return {"reviewers": [county.reviewer, second]}


def new_cycle(county: County, reviewers: list[Any], **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "name": "Q3 review",
        "organization": county.organization,
        "tool_version": tool_version(),
        "period_start": date.today() - timedelta(days=60),
        "period_end": date.today(),
        "programs": [county.harbor],
        "reviewers": reviewers,
        "sampling_rule": "per_clinician",
        "sample_size": 8,
        "seed": 42,
        "double_share": 0.5,
    }
    return actions.create_cycle(county.analyst, **{**fields, **changes})


def test_it_draws_the_same_sample_from_the_same_seed(
    county: County, reviewed_county: dict[str, Any]
) -> None:
    first = new_cycle(county, reviewed_county["reviewers"])
    second = new_cycle(county, reviewed_county["reviewers"])
    other = new_cycle(county, reviewed_county["reviewers"], seed=7)
    picks = [
        [s.session_id for s in actions.draw_sample(county.analyst, c)]
        for c in (first, second, other)
    ]
    assert picks[0] == picks[1]
    assert len(picks[0]) == 8
    assert picks[0] != picks[2]
    assert SampledSession.objects.filter(cycle=first, is_double=True).count() == 4
    # Each record goes to one reviewer; records reviewed twice go to both, independently.
    for sampled in SampledSession.objects.filter(cycle=first):
        reviewers = {r.reviewer_id for r in sampled.reviews.all()}
        assert len(reviewers) == (2 if sampled.is_double else 1)
    with pytest.raises(ValidationError):
        actions.draw_sample(county.analyst, first)


def test_it_draws_a_share_or_per_program(county: County, reviewed_county: dict[str, Any]) -> None:
    share = new_cycle(
        county, reviewed_county["reviewers"], sampling_rule="share", sample_share=0.25
    )
    assert len(actions.draw_sample(county.analyst, share)) == 3
    per_program = new_cycle(
        county, reviewed_county["reviewers"], sampling_rule="per_program", sample_size=5
    )
    sample = actions.draw_sample(county.analyst, per_program)
    assert {s.stratum for s in sample} == {f"program:{county.harbor.pk}"}


def test_it_reproduces_a_sample_on_a_synthetic_county(db: None) -> None:
    summary = generate_county(
        CountyParams(
            programs=2, clinicians=4, clients=40, months=3, end_date=date(2025, 6, 30), seed=3
        )
    )
    from between.audits.models import ReviewCycle
    from between.clinic.models import Organization, Program

    org = Organization.objects.get(pk=summary.organization_id)
    cycle = ReviewCycle(
        name="x",
        organization=org,
        tool_version=tool_version(),
        period_start=date(2025, 4, 1),
        period_end=date(2025, 6, 30),
        sampling_rule="per_clinician",
        sample_size=5,
        seed=2025,
        double_share=0.2,
    )
    cycle.save()
    cycle.programs.set(Program.objects.filter(organization=org))
    sessions = actions.eligible_sessions(cycle)
    once = [(k, s.pk, d) for k, s, d in actions.draw(cycle, sessions)]
    again = [(k, s.pk, d) for k, s, d in actions.draw(cycle, list(reversed(sessions)))]
    assert once == again
    assert len(once) == 20  # five per clinician
    assert sum(1 for *_, d in once if d) == 4


def test_it_keeps_cycles_to_analysts_and_answers_to_their_reviewer(
    county: County, reviewed_county: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_cycle(
            county.clinician,
            name="x",
            organization=county.organization,
            tool_version=tool_version(),
            period_start=date.today(),
            period_end=date.today(),
            programs=[county.harbor],
            reviewers=reviewed_county["reviewers"],
            sampling_rule="share",
            sample_share=0.1,
            seed=1,
        )
    cycle = new_cycle(county, reviewed_county["reviewers"])
    actions.draw_sample(county.analyst, cycle)
    review = RecordReview.objects.filter(sampled__cycle=cycle).first()
    assert review is not None
    intruder = county.clinician
    with pytest.raises(PermissionDenied):
        actions.save_answers(intruder, review, {ASSIGNED_ITEM: "yes"})
    assert AuditEvent.objects.filter(actor=intruder, action="deny").exists()


def answer_all(cycle: Any, choose: Any) -> None:
    for review in RecordReview.objects.filter(sampled__cycle=cycle).select_related(
        "sampled__session", "reviewer"
    ):
        given = choose(review)
        actions.save_answers(review.reviewer, review, given, seconds=30, submit=True)


def test_it_saves_resumes_and_submits_only_complete_answers(
    county: County, reviewed_county: dict[str, Any]
) -> None:
    cycle = new_cycle(county, reviewed_county["reviewers"])
    actions.draw_sample(county.analyst, cycle)
    review = RecordReview.objects.filter(sampled__cycle=cycle).first()
    assert review is not None
    reviewer = review.reviewer
    actions.save_answers(reviewer, review, {ASSIGNED_ITEM: "yes"}, seconds=40)
    with pytest.raises(ValidationError):
        actions.save_answers(reviewer, review, {}, submit=True)
    with pytest.raises(ValidationError):
        actions.save_answers(reviewer, review, {REVIEWED_ITEM: "maybe"})
    review = actions.save_answers(reviewer, review, {REVIEWED_ITEM: "na"}, seconds=20, submit=True)
    assert review.submitted_at is not None
    assert review.seconds_spent == 60
    with pytest.raises(ValidationError):
        actions.save_answers(reviewer, review, {REVIEWED_ITEM: "no"})


def test_it_measures_rates_agreement_and_the_documentation_gap(
    county: County, reviewed_county: dict[str, Any]
) -> None:
    cycle = new_cycle(county, reviewed_county["reviewers"], sample_size=12, double_share=0.5)
    actions.draw_sample(county.analyst, cycle)

    def choose(review: RecordReview) -> dict[str, str]:
        recorded = review.sampled.session.assignments.exists()
        # The chart agrees with the record except in two sessions; the second reviewer
        # disagrees with the first on one double-reviewed record.
        documented = recorded
        if review.sampled.position in (0, 1):
            documented = not recorded
        second = review.pk != min(r.pk for r in review.sampled.reviews.all())
        if second and review.sampled.position == 3:
            documented = not documented
        return {ASSIGNED_ITEM: "yes" if documented else "no", REVIEWED_ITEM: "na"}

    answer_all(cycle, choose)
    found = {r.key: r for r in results.item_results(cycle)}
    assigned = found[ASSIGNED_ITEM]
    assert assigned.yes + assigned.no == 12
    assert assigned.rate is not None and assigned.rate.ci_low < assigned.rate.proportion
    assert assigned.pairs == 6
    assert assigned.percent_agreement is not None and 0 < assigned.percent_agreement < 1
    assert assigned.kappa is not None and assigned.kappa < 1
    assert found[REVIEWED_ITEM].not_applicable == 12
    gap = results.documentation_gap(cycle)
    assert gap.records == 12
    assert len(gap.recorded_not_documented) + len(gap.documented_not_recorded) == 2
    # Every review took 30 seconds: 18 reviews of 12 records, split between two reviewers.
    spent = results.time_spent(cycle)
    together = spent[-1]
    assert together.reviewer_id is None and together.submitted == 18
    assert together.total_seconds == 18 * 30 and together.median_seconds == 30
    assert sum(t.submitted for t in spent[:-1]) == 18
    assert {t.reviewer_id for t in spent[:-1]} == {r.pk for r in reviewed_county["reviewers"]}
    client = HttpClient()
    client.force_login(county.analyst)
    page = client.get(f"/reviews/{cycle.pk}/").content.decode()
    assert "Reviewers' time" in page and "All reviewers" in page and "0.5" in page


def test_it_feeds_the_chart_evidence_indicator(
    county: County, reviewed_county: dict[str, Any]
) -> None:
    cycle = new_cycle(county, reviewed_county["reviewers"], double_share=0.5)
    actions.draw_sample(county.analyst, cycle)
    answer_all(
        cycle,
        lambda review: {
            ASSIGNED_ITEM: "yes" if review.sampled.position % 3 else "no",
            REVIEWED_ITEM: "na",
        },
    )
    refresh_summary()
    found = {r.key: r for r in results.item_results(cycle)}[ASSIGNED_ITEM]
    counts = IndicatorCount.objects.filter(
        indicator="chart_documented", grain="month", dimension=""
    ).aggregate(n=Sum("numerator"), d=Sum("denominator"))
    assert (counts["n"], counts["d"]) == (found.yes, found.yes + found.no)
    assert registry.get("chart_documented").measure_kind == "chart documentation"


def test_it_gives_rates_per_program_and_clinician(
    county: County, reviewed_county: dict[str, Any]
) -> None:
    cycle = new_cycle(county, reviewed_county["reviewers"], double_share=0)
    actions.draw_sample(county.analyst, cycle)
    answer_all(cycle, lambda review: {ASSIGNED_ITEM: "yes", REVIEWED_ITEM: "na"})
    (program,) = results.rates_by(cycle, ASSIGNED_ITEM, "program")
    assert (program.group_id, program.yes, program.no) == (county.harbor.pk, 8, 0)
    (clinician,) = results.rates_by(cycle, ASSIGNED_ITEM, "clinician")
    assert clinician.group_id == county.clinician.pk
    assert clinician.rate is not None and clinician.rate.ci_high == 1.0


def test_it_tracks_corrective_actions_to_done(
    county: County, reviewed_county: dict[str, Any]
) -> None:
    cycle = new_cycle(county, reviewed_county["reviewers"])
    action = actions.add_corrective_action(
        county.analyst,
        cycle,
        description="Coach on documenting homework",
        owner=county.supervisor,
        due_on=date.today() + timedelta(days=30),
        program=county.harbor,
    )
    with pytest.raises(ValidationError):
        actions.add_corrective_action(
            county.analyst,
            cycle,
            description="x",
            owner=county.supervisor,
            due_on=date.today(),
            program=county.bayside,
        )
    with pytest.raises(PermissionDenied):
        actions.complete_corrective_action(county.clinician, action)
    done = actions.complete_corrective_action(county.supervisor, action)
    assert done.done_at is not None


def test_it_checks_the_detector_and_corrects_the_population_share(
    county: County, reviewed_county: dict[str, Any]
) -> None:
    for i in range(6):  # notes that document homework, and sessions that have it recorded
        session = attended(county, 20 + i, note_text="Pt to practice deep breathing nightly.")
        give(session)
    cycle = new_cycle(county, reviewed_county["reviewers"], sample_size=18, double_share=0)
    actions.draw_sample(county.analyst, cycle)
    answer_all(
        cycle,
        lambda review: {
            ASSIGNED_ITEM: "yes"
            if "breathing" in review.sampled.session.notes.get().text
            else "no",
            REVIEWED_ITEM: "na",
        },
    )
    check = results.detector_check(cycle)
    assert check.problem == "scan"
    assert actions.scan_notes() == 18
    assert actions.scan_notes() == 0  # idempotent
    # The system's bulk read of notes is one audit event per run, with a count and no text.
    scans = AuditEvent.objects.filter(object_type="clinic.progressnote", actor=None)
    assert [e.detail for e in scans] == ["note detector scan: 18 notes"]
    check = results.detector_check(cycle)
    assigned = check.metrics[ASSIGNED_ITEM]
    assert (assigned["tp"], assigned["fp"], assigned["fn"], assigned["tn"]) == (6, 0, 0, 12)
    assert check.notes_in_scope == 18 and check.flagged == 6
    assert check.corrected is not None
    assert check.corrected.corrected == pytest.approx(6 / 18)


def test_it_gives_clinicians_and_supervisors_their_feedback(
    county: County, reviewed_county: dict[str, Any], client: Any
) -> None:
    cycle = new_cycle(county, reviewed_county["reviewers"], sample_size=12, double_share=0)
    actions.draw_sample(county.analyst, cycle)
    # The reviewers find no homework documented anywhere: every session with homework
    # recorded becomes a gap for Carla.
    answer_all(cycle, lambda review: {ASSIGNED_ITEM: "no", REVIEWED_ITEM: "na"})
    client.force_login(county.clinician)
    page = client.get("/reviews/feedback/")
    assert page.status_code == 200
    assert page.context["rows"][0]["mine"].no == 12
    assert len(page.context["rows"][0]["missing"]) == 6
    client.force_login(county.supervisor)
    page = client.get("/reviews/feedback/")
    ((person, rate),) = page.context["rows"][0]["team"]
    assert person == county.clinician and rate.no == 12
    client.force_login(county.outsider)
    assert client.get("/reviews/feedback/").context["rows"] == []


def test_it_trains_a_suggestion_model_on_reviewed_notes(
    county: County, reviewed_county: dict[str, Any], client: Any
) -> None:
    assert actions.train_note_model()[0] is None  # nothing reviewed yet
    for i in range(12):
        session = attended(county, 20 + i, note_text="Pt to practice deep breathing nightly.")
        give(session)
    cycle = new_cycle(county, reviewed_county["reviewers"], sample_size=24, double_share=0)
    actions.draw_sample(county.analyst, cycle)
    pending = RecordReview.objects.filter(sampled__cycle=cycle).first()
    assert pending is not None

    def truth(review: RecordReview) -> dict[str, str]:
        text = review.sampled.session.notes.get().text
        return {ASSIGNED_ITEM: "yes" if "breathing" in text else "no", REVIEWED_ITEM: "no"}

    for review in RecordReview.objects.filter(sampled__cycle=cycle).exclude(pk=pending.pk):
        actions.save_answers(review.reviewer, review, truth(review), submit=True)
    stored, reasons = actions.train_note_model(min_per_class=5)
    assert AuditEvent.objects.filter(detail__startswith="suggestion model training:").exists()
    assert stored is not None
    assert "homework_reviewed" in reasons  # every reviewed answer was "no"
    client.force_login(pending.reviewer)
    page = client.get(f"/reviews/records/{pending.pk}/")
    assert page.status_code == 200
    assert "The model learned from earlier reviews" in page.content.decode()
    # The model suggests; the reviewer's saved answers are untouched by it.
    assert not pending.answers.exists()


def test_it_seeds_the_homework_tool_again_if_it_is_missing(db: None) -> None:
    from between.audits.tools import current_homework_version

    ReviewTool.objects.all().delete()
    version = current_homework_version()
    assert [i.key for i in version.items.all()] == [ASSIGNED_ITEM, REVIEWED_ITEM]
    assert current_homework_version() == version  # idempotent


def test_an_admin_copies_a_version_to_add_an_item(county: County) -> None:
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client = HttpClient()
    client.force_login(root)
    source = tool_version()
    response = client.post(
        "/admin/audits/toolversion/",
        {"action": "copy_as_new_version", "_selected_action": [source.pk]},
    )
    assert response.status_code == 302
    copy = ReviewTool.objects.get(key="homework").versions.get(number=2)
    assert [(i.key, i.question_en) for i in copy.items.all()] == [
        (i.key, i.question_en) for i in source.items.all()
    ]
    assert AuditEvent.objects.filter(object_type="audits.toolversion").exists()
    # Only an administrator changes the questions.
    with pytest.raises(PermissionDenied):
        actions.copy_tool_version(county.analyst, source)


def test_a_cycle_asks_the_questions_of_the_version_chosen(
    county: County, reviewed_county: dict[str, Any], client: HttpClient
) -> None:
    root = account_actions.create_user(None, username="root", is_admin_site_user=True)
    v2 = actions.copy_tool_version(root, tool_version())
    ReviewItem.objects.create(
        version=v2,
        key="plan_signed",
        position=9,
        question_en="Is the treatment plan signed by the caregiver?",
        question_es="¿Está el plan de tratamiento firmado por el cuidador?",
    )
    client.force_login(county.analyst)
    # The newest version is offered first; an empty version is not offered at all.
    ToolVersion.objects.create(tool=v2.tool, number=3)
    page = client.get("/reviews/")
    choices = [str(v) for v in page.context["form"].fields["tool_version"].queryset]
    assert choices == ["homework v2", "homework v1"]
    fields = {
        "name": "Plan review",
        "programs": [county.harbor.pk],
        "period_start": (date.today() - timedelta(days=60)).isoformat(),
        "period_end": date.today().isoformat(),
        "tool_version": v2.pk,
        "sampling_rule": "per_clinician",
        "sample_size": 4,
        "seed": 7,
        "double_share": 0,
        "reviewers": [reviewed_county["reviewers"][0].pk],
    }
    response = client.post("/reviews/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    cycle = ReviewCycle.objects.get(name="Plan review")
    assert cycle.tool_version == v2
    assert "plan_signed" in [i.key for i in cycle.tool_version.items.all()]
    # A made-up version is refused with the form's message, and nothing is created.
    response = client.post("/reviews/", {**fields, "name": "Bad", "tool_version": 99999})
    assert response.status_code == 422
    assert not ReviewCycle.objects.filter(name="Bad").exists()
