"""Checkpoint picker: ◀ combo ▶ over the checkpoints of the open series."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)


class CheckpointPicker(QWidget):
    """Entries are (name, path); ``chosen`` carries the path."""

    chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.prev = QToolButton(text="◀")
        self.prev.setToolTip("Previous checkpoint (Ctrl+PgUp)")
        self.next = QToolButton(text="▶")
        self.next.setToolTip("Next checkpoint (Ctrl+PgDown)")
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(24)
        self.combo.setAccessibleName("Checkpoint")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.addWidget(QLabel("Checkpoint"))
        lay.addWidget(self.prev)
        lay.addWidget(self.combo, 1)
        lay.addWidget(self.next)
        self.prev.clicked.connect(lambda: self.step(-1))
        self.next.clicked.connect(lambda: self.step(1))
        self.combo.activated.connect(lambda i: self.chosen.emit(self.combo.itemData(i)))

    def set_entries(self, entries: list[tuple[str, str]], current: str | None = None) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        for name, path in entries:
            self.combo.addItem(name, path)
        if current is not None:
            self.select(current)
        self.combo.blockSignals(False)
        self._update_buttons()

    def select(self, path: str) -> None:
        i = self.combo.findData(path)
        if i >= 0:
            self.combo.setCurrentIndex(i)
        self._update_buttons()

    def step(self, delta: int) -> None:
        i = self.combo.currentIndex() + delta
        if 0 <= i < self.combo.count():
            self.combo.setCurrentIndex(i)
            self._update_buttons()
            self.chosen.emit(self.combo.itemData(i))

    def _update_buttons(self) -> None:
        i, n = self.combo.currentIndex(), self.combo.count()
        self.prev.setEnabled(i > 0)
        self.next.setEnabled(0 <= i < n - 1)
