"""Agreement between two raters over categorical labels: Cohen's kappa (Cohen 1960).

Used for the double-reviewed subset of a chart audit, where the labels are answers such as
"yes", "no" and "na". Labels are compared exactly as given (after the caller strips spaces), so
"Yes" and "yes" are different categories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class KappaResult:
    n: int
    observed_agreement: float
    expected_agreement: float
    kappa: float | None  # None when expected agreement is 1 (both raters used one category)
    categories: tuple[str, ...]
    # table[i][j]: how many items rater A put in categories[i] and rater B in categories[j]
    table: tuple[tuple[int, ...], ...]


def cohens_kappa(rater_a: Sequence[Hashable], rater_b: Sequence[Hashable]) -> KappaResult:
    """κ = (p_o − p_e) / (1 − p_e), where p_o is the share of items both raters labelled the same
    and p_e = Σ_k p_A(k)·p_B(k) is the agreement expected from each rater's own label shares.

    κ is undefined (None) when p_e = 1, i.e. both raters gave every item the same single label:
    there is no disagreement to beat chance with, and no variation either.
    """
    if len(rater_a) != len(rater_b):
        raise ValueError(
            f"the raters labelled different numbers of items ({len(rater_a)} and {len(rater_b)})"
        )
    n = len(rater_a)
    if n == 0:
        raise ValueError("kappa needs at least one item rated by both raters")

    pairs = Counter(zip(rater_a, rater_b, strict=True))
    counts_a, counts_b = Counter(rater_a), Counter(rater_b)
    # Sorted by their text so the table reads the same whatever order the items came in.
    categories = sorted(set(counts_a) | set(counts_b), key=str)

    observed = sum(count for (a, b), count in pairs.items() if a == b) / n
    # Integer arithmetic first, one division at the end: p_e is exact up to the last rounding.
    expected = sum(counts_a[k] * counts_b[k] for k in categories) / (n * n)
    kappa = None if expected >= 1 else (observed - expected) / (1 - expected)

    table = tuple(tuple(pairs[(row, col)] for col in categories) for row in categories)
    return KappaResult(
        n=n,
        observed_agreement=observed,
        expected_agreement=expected,
        kappa=kappa,
        categories=tuple(str(c) for c in categories),
        table=table,
    )
