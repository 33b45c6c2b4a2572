"""The examples table's rows: each input's result at one checkpoint, and when they still apply."""

from test_timeline import _checkpoint_t, _ex, _reference

from inspector.core.example_rows import example_row, rows_at
from inspector.core.inputs import Example
from inspector.core.probe import parse_probe
from inspector.core.results import Settings
from inspector.core.timeline import CheckpointResult, TimelineResult

PROBE = parse_probe('prompt = "Review: {input}"\n[labels]\npos = ["yes"]\nneg = ["no"]\n')


def test_rows_carry_prediction_top_unit_delta_and_hit():
    rows = [example_row(ex) for ex in _checkpoint_t()]
    assert [r.predicted for r in rows] == ["pos", "neg", "pos"]
    assert [r.correct for r in rows] == [True, False, None]  # the last has no gold label
    assert [r.top_unit for r in rows] == ["x", "b", "q"]
    assert [round(r.top_delta, 6) for r in rows] == [0.4, 0.5, 0.2]
    assert [r.hit for r in rows] == [1.0, 1.0, 0.0]
    tied = example_row(_ex("u v", [0.9, 0.1], [[0.6, 0.4], [0.6, 0.4]], [1]))
    assert tied.top_unit == "u / v" and tied.hit == 1.0  # a tie counts as a hit (README)
    still = example_row(_ex("u v", [0.9, 0.1], [[0.9, 0.1], [0.9, 0.1]], [0]))
    assert still.top_unit is None and still.hit is None  # nothing moves the answer
    assert example_row(_reference()[0]).hit is None  # no explanation


def _timeline():
    inputs = [Example(ex.input) for ex in _checkpoint_t()]
    cps = [
        CheckpointResult("ref", "/run/checkpoint-1", 1, {}, _reference()),
        CheckpointResult("t", "/run/checkpoint-2", 2, {}, _checkpoint_t()),
        CheckpointResult("broken", "/run/checkpoint-3", 3, {}, [], error="no weights"),
    ]
    return TimelineResult("/run", "ref", cps, Settings(), PROBE, inputs), inputs


def test_rows_apply_only_to_the_same_checkpoint_inputs_probe_and_settings():
    tl, inputs = _timeline()
    name, rows = rows_at(tl, "/run/checkpoint-2", inputs, PROBE, Settings())
    assert name == "t" and [r.top_unit for r in rows] == ["x", "b", "q"]
    assert rows_at(tl, "/run/checkpoint-3", inputs, PROBE, Settings()) is None  # it failed
    assert rows_at(tl, "/elsewhere", inputs, PROBE, Settings()) is None
    assert rows_at(tl, "/run/checkpoint-2", inputs[:2], PROBE, Settings()) is None
    other = parse_probe(PROBE.source.replace("Review", "Text"))
    assert rows_at(tl, "/run/checkpoint-2", inputs, other, Settings()) is None
    assert rows_at(tl, "/run/checkpoint-2", inputs, PROBE, Settings(unit="token")) is None
    assert rows_at(None, "/run/checkpoint-2", inputs, PROBE, Settings()) is None
