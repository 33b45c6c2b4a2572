"""Default dock sizes: the measured view (tinted input, ranked units, Δ chart) gets most of the window.

Sizes are in text lines and character widths, not pixels, so they hold at any DPI and font.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QSplitter

BOTTOM_SHARE = 0.24  # of the window's height, for the timeline and other bottom docks
BOTTOM_SHARE_RUN = 0.4  # once a timeline was run its curves and per-example rows need room
SIDE_CHARS = {"left": 24, "right": 24}  # dock widths in average character widths


def fit_docks(win) -> None:
    area = {
        Qt.DockWidgetArea.LeftDockWidgetArea: "left",
        Qt.DockWidgetArea.RightDockWidgetArea: "right",
        Qt.DockWidgetArea.BottomDockWidgetArea: "bottom",
    }
    docks: dict[str, list[QDockWidget]] = {"left": [], "right": [], "bottom": []}
    for dock in win.findChildren(QDockWidget):
        where = area.get(win.dockWidgetArea(dock))
        if where and not dock.isFloating() and not dock.isHidden():
            docks[where].append(dock)
    char = win.fontMetrics().averageCharWidth()
    line = win.fontMetrics().lineSpacing()
    for side in ("left", "right"):
        if docks[side]:
            width = min(SIDE_CHARS[side] * char * 2, int(win.width() * 0.22))
            win.resizeDocks(docks[side], [width] * len(docks[side]), Qt.Orientation.Horizontal)
    if docks["bottom"]:
        share = BOTTOM_SHARE_RUN if win.state.timeline is not None else BOTTOM_SHARE
        height = max(line * 9, int(win.height() * share))
        win.resizeDocks(docks["bottom"], [height] * len(docks["bottom"]), Qt.Orientation.Vertical)


EDITOR_SHARE = 0.6  # the input never takes more than this share of the central height


def fit_editor(win) -> None:
    """Give the tinted input the height its text needs (at least its minimum), the rest below."""
    split = win.centralWidget().findChild(QSplitter, "split.central")
    if split is None or split.count() < 2:
        return
    total = sum(split.sizes())
    if total <= 0:
        return
    ed = win.editor
    ed.document().adjustSize()
    lines = ed.document().documentLayout().documentSize().height()  # plain text: in lines
    panel = win.editor_panel
    chrome = panel.height() - ed.height()  # title row, before/after line, margins
    needed = int((lines + 1) * ed.fontMetrics().lineSpacing()) + 2 * ed.frameWidth() + chrome
    top = max(panel.minimumSizeHint().height(), min(needed, int(total * EDITOR_SHARE)))
    split.setSizes([top, total - top])
