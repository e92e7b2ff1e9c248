"""Agreement statistics against published worked examples, independent implementations and edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from finefake.annotation.agreement import (
    agreement_report,
    cohen_kappa,
    cohen_kappa_from_table,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha_nominal,
    summarize,
)

from .helpers import aligned_items, annotation_records, simulate

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (1 depression, 2 personality
# disorder, 3 schizophrenia, 4 neurosis, 5 other); the paper reports kappa = .430.
FLEISS_1971 = (
    np.array(
        [
            [4, 4, 4, 4, 4, 4],
            [2, 2, 2, 5, 5, 5],
            [2, 3, 3, 3, 3, 5],
            [5, 5, 5, 5, 5, 5],
            [2, 2, 2, 4, 4, 4],
            [1, 1, 3, 3, 3, 3],
            [3, 3, 3, 3, 5, 5],
            [1, 1, 3, 3, 3, 4],
            [1, 1, 4, 4, 4, 4],
            [5, 5, 5, 5, 5, 5],
            [1, 4, 4, 4, 4, 4],
            [1, 2, 4, 4, 4, 4],
            [2, 2, 2, 3, 3, 3],
            [1, 4, 4, 4, 4, 4],
            [2, 2, 4, 4, 4, 5],
            [3, 3, 3, 3, 3, 5],
            [1, 1, 1, 4, 5, 5],
            [1, 1, 1, 1, 1, 2],
            [2, 2, 4, 4, 4, 4],
            [1, 3, 3, 5, 5, 5],
            [5, 5, 5, 5, 5, 5],
            [2, 4, 4, 4, 4, 4],
            [2, 2, 4, 5, 5, 5],
            [1, 1, 4, 4, 4, 4],
            [1, 4, 4, 4, 4, 5],
            [2, 2, 2, 2, 2, 4],
            [1, 1, 1, 1, 5, 5],
            [2, 2, 4, 4, 4, 4],
            [1, 3, 3, 3, 3, 3],
            [5, 5, 5, 5, 5, 5],
        ]
    )
    - 1
)

# The worked example of Fleiss' kappa on Wikipedia: 10 subjects, 14 raters, 5 categories; kappa = 0.210.
WIKIPEDIA_FLEISS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)

M = -1  # missing
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", example C: 4 observers, 12 units, nominal
# values with missing data; alpha (nominal) = 0.743.
KRIPPENDORFF_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, M, M, M],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, M, 3],
        [M, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, M],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, M],
    ]
).T
# Example A of the same paper: two observers, ten units, binary data; alpha = 0.095.
KRIPPENDORFF_A = np.array([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]).T


def test_fleiss_1971_diagnoses():
    assert round(fleiss_kappa(FLEISS_1971), 3) == 0.430


def test_fleiss_wikipedia_example():
    assert round(fleiss_kappa_from_counts(WIKIPEDIA_FLEISS), 3) == 0.210


@pytest.mark.parametrize(
    ("table", "kappa"),
    [
        ([[20, 5], [10, 15]], 0.4),  # the standard textbook 2x2 example (50 proposals, two readers)
        ([[45, 15], [25, 15]], 0.1304),  # same observed agreement (60 %), different marginals
        ([[25, 35], [5, 35]], 0.2593),
    ],
)
def test_cohen_textbook_tables(table, kappa):
    assert round(cohen_kappa_from_table(table), 4) == kappa


def test_cohen_from_ratings_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    a = rng.integers(0, 6, 500)
    b = np.where(rng.random(500) < 0.6, a, rng.integers(0, 6, 500))
    assert cohen_kappa(a, b, 6) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_krippendorff_2011_examples():
    assert round(krippendorff_alpha_nominal(KRIPPENDORFF_C), 3) == 0.743
    assert round(krippendorff_alpha_nominal(KRIPPENDORFF_A), 3) == 0.095


def test_krippendorff_matches_reference_package_with_missing_ratings():
    import krippendorff

    rng = np.random.default_rng(11)
    truth = rng.integers(0, 6, 300)
    ratings = np.where(rng.random((300, 5)) < 0.7, truth[:, None], rng.integers(0, 6, (300, 5)))
    ratings[rng.random((300, 5)) < 0.2] = -1
    reference = ratings.T.astype(float)
    reference[reference < 0] = np.nan
    expected = krippendorff.alpha(reliability_data=reference, level_of_measurement="nominal")
    assert krippendorff_alpha_nominal(ratings, 6) == pytest.approx(expected, abs=1e-9)


def test_fleiss_equals_statsmodels_on_complete_data():
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    rng = np.random.default_rng(5)
    ratings = rng.integers(0, 3, (200, 5))
    table, _ = aggregate_raters(ratings)
    assert fleiss_kappa(ratings) == pytest.approx(sm_fleiss(table), abs=1e-12)


def test_perfect_and_chance_agreement():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 6, 1000)
    perfect = np.repeat(truth[:, None], 5, axis=1)
    summary = summarize(perfect, [f"a{i}" for i in range(5)], 6)
    assert summary["cohen_mean"] == 1.0 and summary["fleiss_kappa"] == 1.0
    assert summary["krippendorff_alpha"] == 1.0
    chance = rng.integers(0, 6, (20000, 5))
    summary = summarize(chance, [f"a{i}" for i in range(5)], 6)
    for key in ("cohen_mean", "fleiss_kappa", "krippendorff_alpha"):
        assert abs(summary[key]) < 0.02, key


def test_one_category_only_is_defined_and_explained():
    ratings = np.zeros((10, 3), dtype=int)
    summary = summarize(ratings, ["a", "b", "c"], 6)
    assert summary["cohen_mean"] is None and summary["fleiss_kappa"] is None
    assert summary["krippendorff_alpha"] is None
    assert summary["percent_agreement"] == 1.0
    assert any("one category" in note for note in summary["notes"])


def test_one_annotator_and_no_overlap():
    one = summarize(np.array([[0], [1], [2]]), ["solo"], 6)
    assert one["cohen_mean"] is None and one["fleiss_kappa"] is None and one["krippendorff_alpha"] is None
    assert any("fewer than two annotators" in note for note in one["notes"])
    disjoint = summarize(np.array([[0, -1], [-1, 1], [2, -1]]), ["a", "b"], 6)
    assert disjoint["cohen_pairwise"][0][1] is None and disjoint["n_pairable_items"] == 0
    assert any("no item has two or more ratings" in n for n in disjoint["notes"])


def test_missing_ratings_tolerated():
    ratings = KRIPPENDORFF_C.copy()
    summary = summarize(ratings, ["A", "B", "C", "D"], 6)
    assert summary["n_items"] == 12 and summary["n_pairable_items"] == 11
    assert summary["shared_items"][0][2] == 8  # observers A and C both rated units 2-9


def test_invalid_ratings_raise_clear_errors():
    with pytest.raises(ValueError, match="2-D"):
        fleiss_kappa([1, 2, 3])
    with pytest.raises(ValueError, match="out of range"):
        fleiss_kappa([[0, 7]], 6)


def test_report_scopes_and_no_nan():
    items = aligned_items(60)
    labels = simulate(items, ["a1", "a2", "a3"], seed=2)
    meta = {i["id"]: {"platform_group": i["platform_group"], "topic": i["topic"]} for i in items}
    records = annotation_records(labels)
    # a platform group where every label is the same: undefined statistics must be null, never NaN
    for r in records:
        if meta[r["item_id"]]["platform_group"] == "fact_check":
            r["label"], r["fine_grained_label"] = 1, 0
    report = agreement_report(records, meta)
    assert set(report["labels"]) == {"binary", "fine_grained"}
    scopes = report["labels"]["fine_grained"]
    assert "overall" in scopes and "platform_group:stream" in scopes and "topic:health" in scopes
    assert scopes["platform_group:fact_check"]["fleiss_kappa"] is None
    json.dumps(report, allow_nan=False)
    # kappas checked independently: statsmodels' Cohen on one pair of the overall binary matrix
    from sklearn.metrics import cohen_kappa_score

    ids = sorted(meta)
    a1 = [next(r["label"] for r in records if r["item_id"] == i and r["annotator"] == "a1") for i in ids]
    a2 = [next(r["label"] for r in records if r["item_id"] == i and r["annotator"] == "a2") for i in ids]
    assert report["labels"]["binary"]["overall"]["cohen_pairwise"][0][1] == pytest.approx(
        cohen_kappa_score(a1, a2), abs=1e-6
    )
