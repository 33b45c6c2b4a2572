"""The Δ chart: bars follow the result; its axis outlives the moment between an edit and its result."""

import pytest

from inspector.core.results import ExampleResult
from inspector.core.units import word_units
from inspector.qt.delta_chart import AXIS_CLEAR_MS, DeltaChart


def _result(text: str, unit_probs: list[list[float]]) -> ExampleResult:
    return ExampleResult(text, ["pos", "neg"], [0.9, 0.1], word_units(text), unit_probs)


def _ticks(chart) -> list[str]:
    return [w for _x, w in chart.plot.getAxis("bottom")._tickLevels[0]]


def test_axis_waits_for_the_next_result_and_clears_when_none_comes(qtbot):
    chart = DeltaChart()
    qtbot.addWidget(chart)
    chart.display(_result("food was great", [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8]]))
    assert chart.heights == pytest.approx([0.0, 0.1, 0.7])
    assert _ticks(chart) == ["food", "was", "great"]
    assert chart.plot.getViewBox().viewRange()[1][1] >= 0.7 * 1.2

    chart.display(None)  # an edit: the old result is gone, the new one not here yet
    assert chart.heights == [] and _ticks(chart) == ["food", "was", "great"]
    chart.display(_result("food was awful", []))  # its prediction: units, no bars yet
    assert _ticks(chart) == ["food", "was", "awful"]
    assert chart.plot.getViewBox().viewRange()[1][1] >= 0.7 * 1.2  # no shrink while pending

    chart.display(None)
    qtbot.wait(AXIS_CLEAR_MS + 200)  # nothing follows (the input was cleared)
    assert _ticks(chart) == []


def test_estimated_bars_are_pale_until_their_exact_values_land(qtbot):
    chart = DeltaChart()
    qtbot.addWidget(chart)
    r = _result("food was great", [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8]])
    r.exact = [False, True, False]  # a coarse-to-fine view: two estimates
    chart.display(r)
    assert chart.estimated == [0, 2]
    alphas = [b.color().alpha() for b in chart.bars.opts["brushes"]]
    assert alphas[0] < alphas[1] and alphas[2] < alphas[1]
    r2 = _result("food was great", [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8]])  # exact values
    chart.display(r2)
    assert chart.estimated == []
