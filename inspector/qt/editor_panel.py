"""The input editor with its pinned baseline and a before/after view of the edit."""

from __future__ import annotations

import difflib
import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..core import colors
from .token_editor import TokenEditor

MIN_LINES = 8
BASELINE_LINES = 3  # a long before/after diff scrolls instead of pushing the panels away


def before_after_html(before: str, after: str) -> str:
    """Word diff: removed words struck through in red, inserted ones in green."""
    a, b = before.split(), after.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<s style='color:#b00020'>{html.escape(' '.join(a[i1:i2]))}</s>")
        if j2 > j1:
            out.append(f"<b style='color:#1b7f2a'>{html.escape(' '.join(b[j1:j2]))}</b>")
    return " ".join(out)


class EditorPanel(QWidget):
    pin_requested = Signal()

    def __init__(self, stack: QUndoStack, parent=None):
        super().__init__(parent)
        self.editor = TokenEditor(stack)
        # the tinted text is the main measured view: it keeps room for MIN_LINES lines of text
        line = self.editor.fontMetrics().lineSpacing()
        self.editor.setMinimumHeight(line * MIN_LINES + 2 * self.editor.frameWidth() + 8)
        self.baseline_label = QLabel()
        # always rich text: the baseline is HTML-escaped, and a plain-text label would show
        # "parents&#x27; anniversary" literally
        self.baseline_label.setTextFormat(Qt.TextFormat.RichText)
        self.baseline_label.setWordWrap(True)
        self.baseline_label.setAccessibleName("Baseline and before/after view")
        pin = QPushButton("Pin baseline")
        pin.setToolTip("Pin the current input as the baseline (Ctrl+B)")
        pin.clicked.connect(self.pin_requested)
        top = QHBoxLayout()
        title = QLabel("<b>Input</b> — tinted by Δ: orange for the answer, purple against")
        title.setToolTip(
            f"{colors.LEGEND}.\nDouble-click or F2 to replace a unit, Ctrl+D delete, "
            "Ctrl+Return insert after, Alt+←/→ move between units"
        )
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(pin)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.editor, 1)
        self.baseline_area = QScrollArea()
        self.baseline_area.setWidget(self.baseline_label)
        self.baseline_area.setWidgetResizable(True)
        self.baseline_area.setFrameShape(QFrame.Shape.NoFrame)
        self.baseline_area.setMaximumHeight(
            self.baseline_label.fontMetrics().lineSpacing() * BASELINE_LINES + 6
        )
        lay.addWidget(self.baseline_area)
        self.baseline: str | None = None
        self.show_diff = True
        self.editor.edited.connect(lambda _t: self.refresh())

    def set_baseline(self, text: str | None) -> None:
        self.baseline = text
        self.refresh()

    def refresh(self) -> None:
        if self.baseline is None:
            self.baseline_label.setText("<i>no baseline pinned</i>")
        elif self.show_diff and self.baseline != self.editor.text():
            self.baseline_label.setText(
                "before → after: " + before_after_html(self.baseline, self.editor.text())
            )
        else:
            self.baseline_label.setText("baseline: " + html.escape(self.baseline))
