"""Defects a new user met in the window (issue 19): each test failed on the code before the fix."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment


def shown_text(label) -> str:
    """What a QLabel puts on screen: rich text rendered, plain text as it is."""
    text = label.text()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and Qt.mightBeRichText(text)
    )
    return QTextDocumentFragment.fromHtml(text).toPlainText() if rich else text


def _action(win, shortcut: str):
    return next(a for a in win.actions() if a.shortcut().toString() == shortcut)


def test_f2_then_return_replaces_the_unit_without_typing_a_newline(qtbot, window):
    window.editor.set_text("the food was great")
    c = window.editor.textCursor()
    c.setPosition(5)  # inside "food"
    window.editor.setTextCursor(c)
    window.editor.setFocus()
    _action(window, "F2").trigger()
    popup = window.editor.popup
    assert popup.isVisible() and popup.text() == "food"
    popup.selectAll()
    qtbot.keyClicks(popup, "meal")
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert window.editor.text() == "the meal was great"
    assert "\n" not in window.editor.toPlainText() and not popup.isVisible()


def test_the_baseline_line_shows_an_apostrophe_not_its_html_escape(qtbot, window):
    window.editor.set_text("for my parents' anniversary")
    window.editor_panel.set_baseline("for my parents' anniversary")
    shown = shown_text(window.editor_panel.baseline_label)
    assert "parents' anniversary" in shown and "&#x27;" not in shown
    window.editor.set_text("for my parents' big anniversary")  # the before/after view too
    shown = shown_text(window.editor_panel.baseline_label)
    assert "parents'" in shown and "&#x27;" not in shown


def test_keyboard_shortcuts_open_a_table_and_leave_the_panels_their_height(qtbot, window):
    window.resize(1280, 800)
    help_act = next(a for a in window.menus["Help"].actions() if "shortcuts" in a.text())
    editor_before = window.editor.height()
    help_act.trigger()
    dlg = window.shortcuts_dialog
    qtbot.addWidget(dlg)
    assert window.banner.isHidden()  # the old banner listed ~40 shortcuts above the panels
    keys = {dlg.table.item(r, 1).text() for r in range(dlg.table.rowCount())}
    assert {"Ctrl+T", "F2", "Ctrl+B"} <= keys
    qtbot.wait(50)
    assert window.editor.height() >= editor_before


def test_before_a_run_the_timeline_says_what_to_do_instead_of_empty_axes(qtbot, window):
    view = window.timeline
    window.timeline_dock.show()
    qtbot.wait(20)
    assert view.stack.currentWidget() is view.empty and view.empty.isVisible()
    assert "Ctrl+T" in shown_text(view.empty)
    assert not view.plot.isVisible() and not view.heat.isVisible()


def test_the_timeline_legend_is_the_toggle_row_not_a_box_over_the_curves(qtbot, window):
    from inspector.qt.timeline_view import COLORS

    view = window.timeline
    assert view.plot.getPlotItem().legend is None
    for key, box in view.toggles.items():
        img = box.icon().pixmap(8, 8).toImage()
        c = img.pixelColor(4, 4)
        assert (c.red(), c.green(), c.blue()) == COLORS[key]


def test_the_compare_view_tints_units_like_the_editor(qtbot):
    from inspector.core.results import ExampleResult
    from inspector.core.units import word_units
    from inspector.qt.compare_view import explanation_html
    from inspector.qt.token_editor import tint_for

    text = "food was great"
    r = ExampleResult(
        text, ["pos", "neg"], [0.9, 0.1], word_units(text), [[0.9, 0.1], [0.95, 0.05], [0.2, 0.8]]
    )
    shown = explanation_html(r)
    for d, s in zip(r.deltas, r.signed, strict=True):
        bg, fg = tint_for(d, s, max(r.deltas))
        assert f"background:{bg.name()};color:{fg.name()}" in shown
