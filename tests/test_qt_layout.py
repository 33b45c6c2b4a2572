"""The window at 1280×800 and 1920×1080 with 10-, 70- and 300-word inputs on a real tiny model:
no two chart labels overlap, every panel keeps a usable size, every unit can be reached; a dark
desktop palette stays readable and a 2× scale factor lays out the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FILLER
from PySide6.QtCore import Qt

from inspector.core import colors
from inspector.qt.editor_panel import MIN_LINES

WAIT = 180_000
SIZES = [(1280, 800), (1920, 1080)]
ROOT = Path(__file__).resolve().parent.parent


def review(n: int) -> str:
    words = [FILLER[(i * 5 + 3) % len(FILLER)] for i in range(n)]
    words[n // 2] = "great"
    return " ".join(words)


@pytest.fixture
def window(window, keyword_model, sentiment_probe):
    window.open_probe(sentiment_probe)
    assert window.open_path(keyword_model)
    window.banner.hide()
    return window


def _analyse(qtbot, win, text):
    with qtbot.waitSignal(
        win.analysis.done, timeout=WAIT, check_params_cb=lambda o: o.result.input == text
    ):
        win.set_input(text)
    return win.current_result


def _settle(qtbot, win, w, h):
    win.resize(w, h)
    qtbot.wait(80)
    from inspector.qt.layout import fit_docks, fit_editor

    fit_docks(win)
    fit_editor(win)
    qtbot.wait(80)


def _overlaps(rects):
    return [(a, b) for i, a in enumerate(rects) for b in rects[i + 1 :] if a.intersects(b)]


def _check_layout(win, result, w, h):
    chart, units, editor = win.stated.chart, win.top_units, win.editor
    line = editor.fontMetrics().lineSpacing()
    where = f"at {w}×{h}, {len(result.units)} units"
    # the chart: labels one per row, inside the widget, the rest summarised
    rects = chart.label_rects()
    assert not _overlaps(rects), where
    assert all(chart.rect().contains(r) for r in rects), where
    rows = chart.rows()
    assert len(rows) >= min(4, len(result.units)), where
    if len(rows) < len(result.units):
        assert chart.summary().startswith(f"+{len(result.units) - len(rows)} more"), where
    # every panel keeps a usable size
    assert editor.height() >= MIN_LINES * line, where
    assert editor.viewport().width() >= 30 * editor.fontMetrics().averageCharWidth(), where
    assert units.viewport().height() >= 5 * line and units.width() >= units.minimumWidth(), where
    assert win.stated.stated.height() >= 3 * line, where
    assert chart.height() >= chart.minimumSizeHint().height(), where
    for dock in (win.prediction_dock, win.examples_dock, win.timeline_dock):
        assert dock.isVisible() and dock.height() >= 5 * line and dock.width() >= 8 * line, (
            where,
            dock.objectName(),
        )
    # every unit is reachable: in the ranked list (scrolling) and in the editor's text
    assert sorted(units.units) == sorted(u.text for u in result.units), where
    last = units.topLevelItem(units.topLevelItemCount() - 1)
    units.scrollToItem(last)
    shown = units.visualItemRect(last)
    assert units.viewport().rect().top() <= shown.top() < units.viewport().rect().bottom(), where
    assert units.columnWidth(1) >= 10 * units.fontMetrics().averageCharWidth(), where
    assert editor.toPlainText() == result.input, where


@pytest.mark.parametrize("n", [10, 70, 300])
def test_window_layout_at_both_sizes(qtbot, window, n):
    window.resize(*SIZES[0])
    qtbot.wait(50)
    # measure every unit of the 300-word input (the default cap is 256)
    window.state.settings = window.settings.with_(max_units=400)
    result = _analyse(qtbot, window, review(n))
    assert len(result.units) == n and len(result.deltas) == n
    for w, h in SIZES:
        _settle(qtbot, window, w, h)
        _check_layout(window, result, w, h)


def test_a_dark_desktop_palette_keeps_every_text_readable(qtbot, keyword_model, sentiment_probe):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from inspector.core.prefs import Preferences
    from inspector.qt.main_window import MainWindow

    app = QApplication.instance()
    old = app.palette()
    dark = QPalette()
    for role, c in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
    ):
        dark.setColor(role, QColor(c))
    app.setPalette(dark)
    try:
        win = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
        qtbot.addWidget(win)
        win.show()
        win.open_probe(sentiment_probe)
        assert win.open_path(keyword_model)
        _analyse(qtbot, win, review(70))
        rgb = lambda c: (c.red(), c.green(), c.blue())  # noqa: E731
        tinted = [s for s in win.editor.extraSelections() if s.format.background().style()]
        assert len(tinted) >= 70
        for sel in tinted:
            fg, bg = sel.format.foreground().color(), sel.format.background().color()
            assert colors.contrast(rgb(fg), rgb(bg)) >= 4.5
        base = rgb(dark.color(QPalette.ColorRole.Base))
        for plot in (win.timeline.plot, win.timeline.heat.plot):
            assert rgb(plot.backgroundBrush().color()) == base  # no white box in a dark window
        text = rgb(win.stated.chart.palette().color(QPalette.ColorRole.WindowText))
        assert colors.contrast(text, rgb(dark.color(QPalette.ColorRole.Window))) >= 4.5
        for r in range(win.top_units.topLevelItemCount()):
            item = win.top_units.topLevelItem(r)
            fg, bg = item.foreground(2).color(), item.background(2).color()
            assert colors.contrast(rgb(fg), rgb(bg)) >= 4.5
        win.show_message("a warning", "warning")
        banner_bg = QColor("#fff4ce")
        label_fg = win.banner.label.palette().color(win.banner.label.foregroundRole())
        assert colors.contrast(rgb(label_fg), rgb(banner_bg)) >= 4.5
        win.worker.shutdown()
    finally:
        app.setPalette(old)


SCALED = r"""
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from inspector.core.prefs import Preferences
from inspector.core.results import ExampleResult
from inspector.core.units import word_units
from inspector.qt.main_window import MainWindow
text = sys.argv[1]
units = word_units(text)
probs = [[0.9 - 0.01 * (i % 40), 0.1 + 0.01 * (i % 40)] for i in range(len(units))]
result = ExampleResult(text, ["positive", "negative"], [0.9, 0.1], units, probs)
win = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
win.resize(1280, 800)
win.show()
win.editor.set_text(text)
import time
end = time.monotonic() + 1.5  # let the window settle the edit (no model: nothing to analyse)
while time.monotonic() < end:
    app.processEvents()
win.editor.show_result(result)
win.stated.chart.display(result)
win.top_units.display(result)
for _ in range(20):
    app.processEvents()
chart = win.stated.chart
rects = [r.getRect() for r in chart.label_rects()]
print(json.dumps({
    "dpr": win.devicePixelRatioF(),
    "rects": rects,
    "chart": [chart.width(), chart.height()],
    "rows": len(chart.rows()),
    "editor": win.editor.height(),
    "line": win.editor.fontMetrics().lineSpacing(),
    "listed": win.top_units.topLevelItemCount(),
}))
win.worker.shutdown()
"""


def test_a_2x_scale_factor_lays_out_like_1x():
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", SCALED, review(70)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["dpr"] == pytest.approx(2.0)
    from PySide6.QtCore import QRect

    rects = [QRect(*r) for r in got["rects"]]
    assert not _overlaps(rects)
    w, h = got["chart"]
    assert all(QRect(0, 0, w, h).contains(r) for r in rects)
    assert got["rows"] >= 4 and got["listed"] == 70
    assert got["editor"] >= MIN_LINES * got["line"]  # sizes follow the font, in logical pixels


def test_the_measured_view_keeps_the_tinted_text_first(qtbot, window):
    """The input (tinted) sits above the stated/measured row and beside the ranked list."""
    window.resize(*SIZES[0])
    qtbot.wait(50)
    ed, ranked, chart = window.editor, window.top_units, window.stated.chart
    top_left = lambda w: w.mapTo(window, w.rect().topLeft())  # noqa: E731
    assert top_left(ed).y() < top_left(chart).y()
    assert (
        top_left(ranked).x() > top_left(ed).x()
        and abs(top_left(ranked).y() - top_left(ed).y()) < 80
    )
    assert window.timeline.stack.currentWidget() is window.timeline.empty
    assert Qt.TextFormat.RichText == window.editor_panel.baseline_label.textFormat()
