"""The timeline dock and Compare A|B on the real main window, over a tiny real series."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import three_checkpoint_series
from PySide6.QtCore import QPointF, Qt

from inspector.core.cache import ResultCache
from inspector.core.inputs import Example
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.timeline import run_timeline
from inspector.core.timeline_plot import heat_matrix, hover_text, plot_series
from inspector.qt.compare_view import CompareDialog

WAIT = 180_000
INPUTS = [
    Example("the food was great", "positive"),
    Example("our staff was awful", "negative"),
    Example("the room was very great", "positive"),
]


@pytest.fixture(scope="module")
def run_dir(keyword_model, sentiment_probe, tmp_path_factory):
    """phase1/checkpoint-100 (trained), phase2/checkpoint-200 (untrained), phase2/checkpoint-300 (broken)."""
    root = three_checkpoint_series(keyword_model, tmp_path_factory.mktemp("tl") / "run")
    shutil.copy(sentiment_probe, root / "probe.toml")
    (root / "inputs.jsonl").write_text(
        "\n".join(json.dumps({"text": e.text, "label": e.label}) for e in INPUTS)
    )
    return root


@pytest.fixture
def window(window, run_dir):
    assert window.open_path(run_dir)
    return window


def _run_dock(qtbot, win):
    view = win.timeline
    streamed = []
    view.checkpoint_done.connect(lambda c: streamed.append(c.name))
    with qtbot.waitSignal(view.timeline_done, timeout=WAIT):
        win.run_timeline_action.trigger()
    return view, streamed


def test_plot_series_of_a_real_timeline(run_dir):
    series = discover_series(run_dir)
    probe = load_probe(run_dir / "probe.toml")
    cache = ResultCache()
    try:
        result = run_timeline(series, probe, INPUTS, Settings(), cache=cache)
    finally:
        cache.close()
    ps = plot_series(result)
    assert ps.names == ["phase1/checkpoint-100", "phase2/checkpoint-200", "phase2/checkpoint-300"]
    assert ps.x_is_step and ps.xs[:2] == [100.0, 200.0]
    assert ps.failed == [2]  # the broken checkpoint is a mark, not a missing point
    assert ps.boundaries == [((ps.xs[0] + ps.xs[1]) / 2, "phase2")]
    for key in ("hit_at_1", "accuracy", "cited_mass"):
        assert ps.curves[key][:2] == [
            result.checkpoints[0].metrics[key],
            result.checkpoints[1].metrics[key],
        ]
        assert ps.curves[key][2] is None
    xs, ys, idx = ps.points("accuracy")
    assert idx == [0, 1] and ys[0] == pytest.approx(
        1.0
    )  # the trained model gets the keyword inputs right
    n = result.checkpoints[1].metrics["n_conflict"]
    assert f"|C_t| = {n}" in hover_text(result, 1)
    assert "failed" in hover_text(result, 2)
    grid = heat_matrix(result, "agree")
    assert len(grid) == 3 and all(len(r) == 3 for r in grid)
    assert [r[0] for r in grid] == [1.0, 1.0, 1.0]  # the reference agrees with itself
    assert all(r[2] is None for r in grid)


def test_dock_draws_one_point_per_checkpoint_and_clicking_opens_it(qtbot, window):
    view, streamed = _run_dock(qtbot, window)
    assert streamed == ["phase1/checkpoint-100", "phase2/checkpoint-200", "phase2/checkpoint-300"]
    acc = view.plot.curves["accuracy"]
    assert len(acc.xData) == 2 and list(acc.xData) == [100.0, 200.0]
    assert (
        len(view.plot.failed_marks.points()) == 1
        and view.plot.failed_marks.points()[0].pos().x() == 300.0
    )
    assert "done" in view.info.text() and "checkpoint-300" in view.info.text()

    point = acc.scatter.points()[0]
    window.open_checkpoint(dict(window.checkpoints)["phase2/checkpoint-200"])
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        acc.sigPointsClicked.emit(acc, [point], None)
    assert window.current_checkpoint() == dict(window.checkpoints)["phase1/checkpoint-100"]
    assert window.current_result.input == window.editor.text()


class _Click:
    def __init__(self, pos):
        self._pos = pos

    def scenePos(self):  # noqa: N802 - pyqtgraph's name
        return self._pos


def test_heat_cell_opens_that_example_and_compare_sorts_changes(qtbot, window):
    view, _ = _run_dock(qtbot, window)
    assert len(view.heat.matrix) == len(INPUTS)
    scene_pos = view.heat.image.mapToScene(QPointF(1.5, 2.5))  # column 1 = checkpoint-200, row 2
    # hovering the cell names the example, the checkpoint and its figures
    view.heat._on_move(scene_pos)
    tip = view.heat.plot.toolTip()
    ex = view.result.checkpoints[1].examples[2]
    assert tip.startswith(f"example 3 at phase2/checkpoint-200: “{INPUTS[2].text}”")
    assert f"prediction {ex.label} {ex.probs[ex.predicted]:.2f}" in tip
    assert "phase2/checkpoint-200" in view.info.text()
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        view.heat._on_click(_Click(scene_pos))
    assert window.editor.text() == INPUTS[2].text
    assert window.current_checkpoint() == dict(window.checkpoints)["phase2/checkpoint-200"]
    # it is row 3 of the input set: the examples table, Alt+Down and the baseline follow
    assert window.state.current_input == 2 and window.state.baseline_text == INPUTS[2].text

    dlg = CompareDialog(window, view)
    qtbot.addWidget(dlg)
    dlg.a.setCurrentText("phase1/checkpoint-100")
    dlg.b.setCurrentText("phase2/checkpoint-200")
    with qtbot.waitSignal(dlg.compared, timeout=WAIT) as blocker:
        dlg.compare()
    pair = blocker.args[0]
    a, b = pair.checkpoints
    assert a.cached == len(INPUTS) and b.cached == len(INPUTS)  # the timeline already computed them
    assert dlg.table.rowCount() == len(dlg.rows) > 0
    scores = [float(dlg.table.item(r, 6).text()) for r in range(dlg.table.rowCount())]
    assert scores == sorted(scores, reverse=True)
    for r, change in enumerate(dlg.rows):  # each score is what the two results say
        ea, eb = a.examples[change.index], b.examples[change.index]
        tvd = 0.5 * sum(abs(p - q) for p, q in zip(ea.probs, eb.probs, strict=True))
        assert change.score == pytest.approx(tvd + abs(max(eb.deltas) - max(ea.deltas)))
        assert dlg.table.item(r, 0).text() == ea.input
    assert dlg.texts[0].toPlainText() and dlg.texts[1].toPlainText()

    target = dlg.rows[-1]
    window.open_checkpoint(dict(window.checkpoints)["phase1/checkpoint-100"])
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        dlg.table.cellDoubleClicked.emit(len(dlg.rows) - 1, 0)
    assert window.editor.text() == INPUTS[target.index].text
    assert window.current_checkpoint() == dict(window.checkpoints)["phase2/checkpoint-200"]


def test_checkpoint_arrangement_is_listed_on_open_and_restored_by_the_session(
    qtbot, window, run_dir, tmp_path
):
    from inspector.core.prefs import Preferences
    from inspector.core.session import load_session
    from inspector.qt.main_window import MainWindow

    view = window.timeline
    names = [view.checkpoints.item(i).text() for i in range(view.checkpoints.count())]
    assert names[:2] == ["phase1/checkpoint-100", "phase2/checkpoint-200"]  # listed before any run
    view.checkpoints.setCurrentRow(1)
    view.checkpoints.move(-1)
    view.checkpoints.item(2).setCheckState(Qt.CheckState.Unchecked)  # phase2/checkpoint-300
    view.reference.setCurrentText("phase2/checkpoint-200")
    path = tmp_path / "session.json"
    window.save_session(path)

    other = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    qtbot.addWidget(other)
    try:
        other.restore_session(load_session(path))
        tl = other.timeline
        got = [tl.checkpoints.item(i).text() for i in range(tl.checkpoints.count())]
        assert got == ["phase2/checkpoint-200", "phase1/checkpoint-100", "phase2/checkpoint-300"]
        assert tl.checkpoints.item(2).checkState() == Qt.CheckState.Unchecked
        assert tl.reference.currentText() == "phase2/checkpoint-200"
        series = tl.sync_series()
        tl.checkpoints.apply_to(series)
        assert [e.name for e in series.active()] == got[:2]
    finally:
        other.worker.shutdown()


def test_another_series_with_the_same_names_replaces_the_list(qtbot, window, run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "copy")
    assert window.open_path(copy)
    assert window.timeline.sync_series().root == copy


def test_another_series_brings_its_own_probe_and_inputs(
    qtbot, window, run_dir, keyword_model, tmp_path
):
    other = shutil.copytree(run_dir, tmp_path / "other")
    probe_text = (run_dir / "probe.toml").read_text().replace("tiny sentiment", "other sentiment")
    probe_text = probe_text.replace("positive =", "pos =").replace("negative =", "neg =")
    (other / "probe.toml").write_text(probe_text)  # other label names than the open inputs'
    (other / "inputs.jsonl").write_text(
        json.dumps({"text": "the room was great", "label": "pos"}) + "\n"
    )
    assert window.probe.name == "tiny sentiment" and len(window.inputs) == 3
    window.banner.hide()
    assert window.open_path(other)
    assert window.probe.name == "other sentiment" and window.probe.path == str(other / "probe.toml")
    assert [e.text for e in window.inputs] == ["the room was great"]
    # the old inputs' gold labels were not checked against the new probe
    assert window.banner.isHidden() or "gold labels" not in window.banner.label.text()
    # a bare checkpoint with nothing beside it keeps what is open
    bare = shutil.copytree(keyword_model, tmp_path / "bare" / "model")
    assert window.open_path(bare)
    assert window.probe.name == "other sentiment" and len(window.inputs) == 1


def test_examples_table_shows_each_result_here_sorts_and_opens_the_row(qtbot, window):
    from inspector.qt.examples_table import DELTA, INDEX, PREDICTED, SORT_ROLE, TOP

    table = window.examples
    assert table.topLevelItemCount() == len(INPUTS)
    assert table.isColumnHidden(PREDICTED)  # no timeline yet: no result columns
    view, _ = _run_dock(qtbot, window)
    paths = dict(window.checkpoints)
    window.open_checkpoint(paths["phase1/checkpoint-100"])
    assert not table.isColumnHidden(PREDICTED) and table.at == "phase1/checkpoint-100"
    results = view.result.checkpoints[0].examples
    for row in range(table.topLevelItemCount()):
        item = table.topLevelItem(row)
        ex = results[item.data(INDEX, SORT_ROLE)]
        assert item.text(PREDICTED).startswith(ex.label)
        assert item.text(DELTA) == f"{max(ex.deltas):.3f}"
        assert item.text(TOP) in {u.text for u in ex.units}

    table.sortByColumn(DELTA, Qt.SortOrder.DescendingOrder)
    shown = [float(table.topLevelItem(r).text(DELTA)) for r in range(len(INPUTS))]
    assert shown == sorted((float(f"{max(ex.deltas):.3f}") for ex in results), reverse=True)
    first = table.topLevelItem(0).data(INDEX, SORT_ROLE)
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        table.setCurrentItem(table.topLevelItem(0))
    assert window.editor.text() == INPUTS[first].text

    window.open_checkpoint(paths["phase2/checkpoint-300"])  # it failed in the timeline
    assert table.isColumnHidden(PREDICTED) and table.at is None
    window.open_checkpoint(paths["phase2/checkpoint-200"])
    assert table.at == "phase2/checkpoint-200"
    # refilled while sorted by Top Δ: every row still shows its own input's result
    untrained = view.result.checkpoints[1].examples
    for row in range(table.topLevelItemCount()):
        item = table.topLevelItem(row)
        assert item.text(DELTA) == f"{max(untrained[item.data(INDEX, SORT_ROLE)].deltas):.3f}"
    shown = [float(table.topLevelItem(r).text(DELTA)) for r in range(len(INPUTS))]
    assert shown == sorted(shown, reverse=True)
    window.set_settings(window.settings.with_(unit="token"))  # rows were for word units
    assert table.isColumnHidden(PREDICTED)


def test_opening_another_series_clears_the_old_timeline(qtbot, window, run_dir, tmp_path):
    view, _streamed = _run_dock(qtbot, window)
    assert view.result is not None and view.stack.currentWidget() is not view.empty
    other = shutil.copytree(run_dir, tmp_path / "other")
    assert window.open_path(other)
    # the curves of the old run no longer stand for the open series
    assert view.result is None and view.plot.curves == {}
    assert view.stack.currentWidget() is view.empty
