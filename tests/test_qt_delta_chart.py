"""The Δ chart: ranked bars of the top units, labels that never overlap, the rest summarised."""

import pytest

from inspector.core.results import ExampleResult
from inspector.core.units import word_units
from inspector.qt.delta_chart import AXIS_CLEAR_MS, TOP_K, DeltaChart, rest_summary


def _result(text: str, unit_probs: list[list[float]]) -> ExampleResult:
    return ExampleResult(text, ["pos", "neg"], [0.9, 0.1], word_units(text), unit_probs)


def _overlaps(rects):
    return [(a, b) for i, a in enumerate(rects) for b in rects[i + 1 :] if a.intersects(b)]


def test_bars_wait_for_the_next_result_and_clear_when_none_comes(qtbot):
    chart = DeltaChart()
    qtbot.addWidget(chart)
    chart.resize(400, 300)
    chart.display(_result("food was great", [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8]]))
    assert chart.heights == pytest.approx([0.0, 0.1, 0.7])
    assert [r["unit"] for r in chart.rows()] == [2, 1, 0]  # largest Δ first
    assert chart.words == ["food", "was", "great"]

    chart.display(None)  # an edit: the old result is gone, the new one not here yet
    assert chart.heights == [] and chart.words == ["food", "was", "great"]
    chart.display(_result("food was awful", [[0.8, 0.2], [0.9, 0.1], [0.3, 0.7]]))
    assert chart.words == ["food", "was", "awful"]

    chart.display(None)
    qtbot.wait(AXIS_CLEAR_MS + 200)  # nothing follows (the input was cleared)
    assert chart.words == [] and chart.rows() == []


def test_a_long_input_gets_the_top_k_bars_without_overlap_and_a_summary(qtbot):
    words = [f"w{i}" for i in range(72)]
    probs = [[0.9 - 0.01 * (i % 30), 0.1 + 0.01 * (i % 30)] for i in range(72)]
    chart = DeltaChart()
    qtbot.addWidget(chart)
    chart.resize(420, 900)
    chart.show()
    chart.display(_result(" ".join(words), probs))
    rows = chart.rows()
    assert len(rows) == TOP_K
    assert not _overlaps(chart.label_rects())
    shown = [r["unit"] for r in rows]
    assert chart.summary() == rest_summary(chart.heights, shown)
    assert chart.summary().startswith(f"+{72 - TOP_K} more, ΣΔ ")
    chart.resize(420, 160)  # a short panel: fewer bars, still no overlap, all inside
    assert 0 < len(chart.rows()) < TOP_K
    assert not _overlaps(chart.label_rects())
    assert all(chart.rect().contains(r) for r in chart.label_rects())


def test_estimated_bars_are_pale_until_their_exact_values_land(qtbot):
    chart = DeltaChart()
    qtbot.addWidget(chart)
    chart.resize(420, 300)
    chart.show()
    probs = [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8]]

    def bar_lightness(result) -> int:
        chart.display(result)
        centre = next(r["bar_rect"].center() for r in chart.rows() if r["unit"] == 2)
        return chart.grab().toImage().pixelColor(centre).lightness()

    estimate = _result("food was great", probs)
    estimate.exact = [False, True, False]  # a coarse-to-fine view: two estimates
    pale = bar_lightness(estimate)
    assert chart.estimated == [0, 2]
    solid = bar_lightness(_result("food was great", probs))  # the exact values land
    assert chart.estimated == []
    assert pale > solid + 30


def test_short_unit_labels_are_shown_whole(qtbot):
    """At 1280×800 the long review's chart showed "aw…" for "awful" with room to spare."""
    chart = DeltaChart()
    qtbot.addWidget(chart)
    chart.resize(420, 300)
    chart.show()
    words = ["awful", "great", "visit", "staff", "we"]
    probs = [[0.2, 0.8], [0.5, 0.5], [0.6, 0.4], [0.7, 0.3], [0.8, 0.2]]
    chart.display(_result(" ".join(words), probs))
    assert sorted(r["label"] for r in chart.rows()) == sorted(words)
