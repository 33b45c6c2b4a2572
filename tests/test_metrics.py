"""Per-example metrics against hand-computed values."""

import math

import pytest

from inspector.core import metrics as M


def test_hit_rank_mass():
    deltas = [0.1, 0.6, 0.0, 0.3]
    assert M.hit_at_1(deltas, [1]) == 1.0
    assert M.hit_at_1(deltas, [3, 0]) == 0.0
    assert M.best_cited_rank(deltas, [3, 0]) == 2
    assert M.best_cited_rank(deltas, []) is None
    assert M.cited_mass(deltas, [1, 3]) == pytest.approx(0.9)
    assert M.cited_mass([0.0, 0.0], [0]) is None


def test_ties_at_the_top_count_as_hits():
    assert M.hit_at_1([0.5, 0.5, 0.1], [1]) == 1.0


def test_prf():
    r = M.prf([True, True, False, False], [True, False, True, False])
    assert (r["precision"], r["recall"], r["f1"]) == (0.5, 0.5, 0.5)
    assert M.prf([False, False], [False, False])["precision"] is None


def test_point_biserial_matches_pearson():
    values = [0.9, 0.1, 0.4, 0.0, 0.7]
    flags = [True, False, True, False, False]
    n = len(values)
    mx, my = sum(values) / n, sum(flags) / n
    cov = sum((v - mx) * (f - my) for v, f in zip(values, flags, strict=True))
    sx = math.sqrt(sum((v - mx) ** 2 for v in values))
    sy = math.sqrt(sum((f - my) ** 2 for f in flags))
    assert M.point_biserial(values, flags) == pytest.approx(cov / (sx * sy))
    assert M.point_biserial(values, [True] * 5) is None


def test_tvd():
    assert M.tvd([0.2, 0.8], [0.7, 0.3]) == pytest.approx(0.5)


def test_tied_units_share_a_rank_and_hit():
    assert M.hit_at_1([0.5, 0.5], [1]) == 1.0
    assert M.best_cited_rank([0.5, 0.5], [1]) == 1
    assert M.best_cited_rank([0.5, 0.5 + 1e-9, 0.2], [0]) == 1  # float noise is a tie
    assert M.best_cited_rank([0.5, 0.4, 0.3], [2]) == 3


def test_nothing_moves_the_answer_means_no_hit_either_way():
    assert M.hit_at_1([0.0, 0.0, 0.0], [1]) is None
    assert M.hit_at_1([0.0, 0.0], []) is None


def test_an_example_where_no_unit_matters_is_not_a_conflict():
    from inspector.core.results import ExampleResult
    from inspector.core.timeline import conflicts
    from inspector.core.units import word_units

    def ex(unit_probs):
        text = "a b"
        return ExampleResult(text, ["x", "y"], [0.9, 0.1], word_units(text), unit_probs)

    flat, moved = ex([[0.9, 0.1], [0.9, 0.1]]), ex([[0.2, 0.8], [0.9, 0.1]])
    assert conflicts([flat], [moved]) == [None]
    assert conflicts([moved], [flat]) == [None]
    swapped = ex([[0.9, 0.1], [0.2, 0.8]])
    assert conflicts([swapped], [moved]) == [True]


def test_label_match_counts_only_flips_both_stated_and_measured():
    def row(stated, measured, said, real):
        return dict(
            stated_flip=stated, measured_flip=measured, stated_label=said, measured_label=real
        )

    rows = [
        row(True, True, "neg", "neg"),
        row(True, True, "pos", "neg"),
        row(True, True, "neutral", "neutral"),
        row(True, False, "neg", "pos"),  # a stated flip that does not happen: precision's business
        row(False, True, None, "neg"),  # a flip the model denies: recall's business
    ]
    assert M.label_match(rows) == pytest.approx(2 / 3)
    assert M.label_match(rows[3:]) is None
