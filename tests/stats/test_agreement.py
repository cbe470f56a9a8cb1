"""Cohen's kappa, against published examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from between.stats.agreement import cohens_kappa


def expand(table: dict[tuple[str, str], int]) -> tuple[list[str], list[str]]:
    """Item-level ratings from a cross-table {(rater A, rater B): count}."""
    a: list[str] = []
    b: list[str] = []
    for (label_a, label_b), count in table.items():
        a += [label_a] * count
        b += [label_b] * count
    return a, b


def test_it_matches_the_two_by_two_textbook_example() -> None:
    # The worked example in the Wikipedia article "Cohen's kappa": 50 grant proposals, both
    # readers say yes to 20, A yes/B no 5, A no/B yes 10, both no 15: p_o = 0.70, p_e = 0.50,
    # kappa = 0.40.
    a, b = expand({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    result = cohens_kappa(a, b)
    assert result.n == 50
    assert result.observed_agreement == pytest.approx(0.70)
    assert result.expected_agreement == pytest.approx(0.50)
    assert result.kappa == pytest.approx(0.40)


def test_it_matches_fleiss_three_category_diagnoses() -> None:
    # Fleiss JL, Levin B, Paik MC. Statistical Methods for Rates and Proportions, 3rd ed.
    # (2003), ch. 18 (2nd ed. 1981, Table 13.1): 100 subjects diagnosed by two raters as
    # psychotic, neurotic or organic; p_o = 0.89, p_e = 0.66, kappa = 0.676.
    table = {
        ("psychotic", "psychotic"): 75,
        ("psychotic", "neurotic"): 1,
        ("psychotic", "organic"): 4,
        ("neurotic", "psychotic"): 5,
        ("neurotic", "neurotic"): 4,
        ("neurotic", "organic"): 1,
        ("organic", "organic"): 10,
    }
    result = cohens_kappa(*expand(table))
    assert result.observed_agreement == pytest.approx(0.89)
    assert result.expected_agreement == pytest.approx(0.66)
    assert result.kappa == pytest.approx(0.676, abs=5e-4)


def test_it_matches_altmans_xeromammogram_example() -> None:
    # Altman DG. Practical Statistics for Medical Research (1991), pp. 403–405 (data of Boyd et
    # al. 1982, also the Stata [R] kappa example "rada radb"): two radiologists, 85
    # xeromammograms, four categories; agreement 63.53%, expected 30.82%, kappa 0.4728.
    table = {
        ("normal", "normal"): 21,
        ("normal", "benign"): 12,
        ("benign", "normal"): 4,
        ("benign", "benign"): 17,
        ("benign", "suspected cancer"): 1,
        ("suspected cancer", "normal"): 3,
        ("suspected cancer", "benign"): 9,
        ("suspected cancer", "suspected cancer"): 15,
        ("suspected cancer", "cancer"): 2,
        ("cancer", "cancer"): 1,
    }
    result = cohens_kappa(*expand(table))
    assert result.n == 85
    assert result.observed_agreement == pytest.approx(0.6353, abs=5e-5)
    assert result.expected_agreement == pytest.approx(0.3082, abs=5e-5)
    assert result.kappa == pytest.approx(0.4728, abs=5e-5)


def test_it_matches_the_sas_skin_condition_agreement_study() -> None:
    # SAS/STAT User's Guide, The FREQ Procedure, "Agreement Study" (Skin Condition Data, two
    # dermatologists, 88 patients, terrible/poor/marginal/clear): simple kappa 0.3449.
    counts = [[10, 4, 1, 0], [5, 10, 12, 2], [2, 4, 12, 5], [0, 2, 6, 13]]
    labels = ["terrible", "poor", "marginal", "clear"]
    table = {
        (labels[i], labels[j]): counts[i][j] for i in range(4) for j in range(4) if counts[i][j]
    }
    result = cohens_kappa(*expand(table))
    assert result.n == 88
    assert result.kappa == pytest.approx(0.3449, abs=5e-5)


def test_it_takes_any_labels_including_na() -> None:
    result = cohens_kappa(["yes", "no", "na", "yes"], ["yes", "no", "na", "no"])
    assert result.categories == ("na", "no", "yes")
    assert result.table == ((1, 0, 0), (0, 1, 0), (0, 1, 1))
    assert result.observed_agreement == pytest.approx(0.75)


def test_it_leaves_kappa_undefined_when_both_raters_used_one_category() -> None:
    result = cohens_kappa(["yes"] * 5, ["yes"] * 5)
    assert result.observed_agreement == 1.0
    assert result.expected_agreement == 1.0
    assert result.kappa is None


def test_it_refuses_unpaired_or_empty_ratings() -> None:
    with pytest.raises(ValueError, match="different numbers"):
        cohens_kappa(["yes"], ["yes", "no"])
    with pytest.raises(ValueError, match="at least one item"):
        cohens_kappa([], [])


labels = st.lists(st.sampled_from(["yes", "no", "na"]), min_size=1, max_size=60)


@given(ratings=labels)
def test_it_gives_kappa_one_for_identical_raters(ratings: list[str]) -> None:
    result = cohens_kappa(ratings, ratings)
    assert result.observed_agreement == 1.0
    if len(set(ratings)) > 1:
        assert result.kappa == pytest.approx(1.0)
    else:
        assert result.kappa is None


@given(data=st.data(), n=st.integers(1, 60))
def test_it_keeps_kappa_at_most_one(data: st.DataObject, n: int) -> None:
    a = data.draw(st.lists(st.sampled_from(["yes", "no", "na"]), min_size=n, max_size=n))
    b = data.draw(st.lists(st.sampled_from(["yes", "no", "na"]), min_size=n, max_size=n))
    result = cohens_kappa(a, b)
    assert 0.0 <= result.expected_agreement <= 1.0
    assert result.kappa is None or -1.0 <= result.kappa <= 1.0 + 1e-12
