"""The homework–outcome analysis: exposure from the indicator registry, intake / follow-up
pairs, and recovery of an effect planted in a synthetic county (and of no effect)."""

from __future__ import annotations

from datetime import date

import pytest

from between.clinic.models import Organization
from between.outcomes.analysis import analyse, exposure_shares, outcome_pairs
from between.outcomes.models import Administration
from between.outcomes.seed import PSC_35, get_instrument
from between.outcomes.synth import plant_outcomes
from between.synth.generator import CountyParams, generate_county
from tests.conftest import County
from tests.homework.factories import attended, days_ago, give
from tests.outcomes.factories import record


def test_it_takes_exposure_from_the_sessions_between_the_two_dates(county: County) -> None:
    attended(county, 100, is_intake=True)  # not eligible: an intake
    give(attended(county, 90))
    attended(county, 80)
    give(attended(county, 70))
    attended(county, 60)
    attended(county, 65, status="no_show")  # not eligible
    give(attended(county, 50))  # on the follow-up day: after the window
    windows = {county.client.pk: (days_ago(100), days_ago(50))}
    assert exposure_shares(windows) == {county.client.pk: 0.5}
    # No eligible session in the window: no exposure.
    assert exposure_shares({county.client.pk: (days_ago(49), days_ago(1))}) == {
        county.client.pk: None
    }


def test_it_pairs_the_first_intake_with_the_last_follow_up(county: County) -> None:
    kai = county.client
    record(county.clinician, kai, value=1, on=date(2026, 6, 1))  # total 35
    record(county.clinician, kai, value=0, occasion="follow_up", on=date(2026, 9, 1))
    record(county.clinician, kai, value=2, occasion="follow_up", on=date(2026, 10, 1))
    # An unscored follow-up (four blanks) is left out.
    record(
        county.clinician,
        kai,
        occasion="follow_up",
        on=date(2026, 11, 1),
        psc01=None,
        psc02=None,
        psc03=None,
        psc04=None,
    )
    # Nico has an intake only.
    record(county.outsider, county.other_client, on=date(2026, 6, 1))
    [pair] = outcome_pairs(get_instrument(PSC_35))
    assert (pair.client_id, pair.baseline, pair.followup) == (kai.pk, 35, 70)
    assert (pair.baseline_on, pair.followup_on) == (date(2026, 6, 1), date(2026, 10, 1))
    assert pair.clinician_id == county.clinician.pk


def test_it_says_why_when_there_is_nothing_to_analyse(county: County) -> None:
    result = analyse(get_instrument(PSC_35), [county.harbor.pk])
    assert result.result is None
    assert result.n_pairs == 0
    assert "no child has both" in result.reason


def planted_county(effect: float) -> Organization:
    """12 clinicians in 2 programs, 180 children over 8 months; about 140 get a follow-up."""
    summary = generate_county(
        CountyParams(
            programs=2, clinicians=12, clients=180, months=8, end_date=date(2025, 6, 30), seed=2
        )
    )
    organization = Organization.objects.get(pk=summary.organization_id)
    planted = plant_outcomes(organization, effect=effect, seed=2)
    assert planted.clients > 100
    assert Administration.objects.count() == 2 * planted.clients
    return organization


def test_it_recovers_a_planted_effect(db: None) -> None:
    # Homework lowers (improves) the PSC-35 by 10 points from no homework to homework in
    # every session.
    organization = planted_county(-10.0)
    analysis = analyse(get_instrument(PSC_35), organization.programs.values_list("pk", flat=True))
    result = analysis.result
    assert result is not None and result.estimable
    assert result.n_clients > 100 and result.n_clusters == 12
    gee = result.gee
    assert gee.per_full_ci_low is not None and gee.per_full_ci_high is not None
    assert gee.per_full_ci_low <= -10.0 <= gee.per_full_ci_high
    assert gee.per_full_ci_high < 0
    assert result.plain_summary.startswith("Children whose sessions more often included homework")
    assert "improved by" in result.plain_summary
    assert any("Observational" in text for text in result.limitations)


def test_it_finds_nothing_when_no_effect_is_planted(db: None) -> None:
    organization = planted_county(0.0)
    analysis = analyse(get_instrument(PSC_35), organization.programs.values_list("pk", flat=True))
    result = analysis.result
    assert result is not None and result.estimable
    gee = result.gee
    assert gee.per_full_ci_low is not None and gee.per_full_ci_high is not None
    assert gee.per_full_ci_low <= 0 <= gee.per_full_ci_high
    assert result.plain_summary.startswith("No clear association")


def test_it_offers_completion_as_a_second_exposure(county: County) -> None:
    analysis = analyse(get_instrument(PSC_35), [county.harbor.pk], exposure_key="completion")
    assert analysis.exposure_label == "homework completed"
    with pytest.raises(KeyError):
        analyse(get_instrument(PSC_35), [county.harbor.pk], exposure_key="made_up")
