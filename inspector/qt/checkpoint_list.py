"""The timeline's checkpoint list: tick to include, drag or Ctrl+Up/Down to reorder."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from ..core.series import Series


class CheckpointList(QListWidget):
    """Checkpoints with a checkbox each (unchecked = excluded); drag or Ctrl+↑/↓ to reorder."""

    def __init__(self):
        super().__init__()
        self.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.setToolTip("Untick to exclude a checkpoint; drag or Ctrl+Up/Ctrl+Down to reorder")

    def set_series(self, series: Series) -> None:
        self.clear()
        for e in series.entries:
            item = QListWidgetItem(e.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if e.excluded else Qt.CheckState.Checked)
            self.addItem(item)

    def mark_duplicate(self, name: str, twin: str | None, sha256: str | None = None) -> None:
        """Grey and italic, with a tooltip, for a checkpoint with the same weights as ``twin``."""
        for i in range(self.count()):
            item = self.item(i)
            if item.text() != name:
                continue
            font = item.font()
            font.setItalic(twin is not None)
            item.setFont(font)
            item.setForeground(self.palette().placeholderText() if twin else self.palette().text())
            item.setToolTip(
                f"same weights as {twin} (sha256 {(sha256 or '')[:12]}…): analysed once"
                if twin
                else ""
            )

    def apply_to(self, series: Series) -> None:
        series.reorder([self.item(i).text() for i in range(self.count())])
        for i in range(self.count()):
            series.exclude(self.item(i).text(), self.item(i).checkState() != Qt.CheckState.Checked)

    def move(self, by: int) -> None:
        row = self.currentRow()
        to = row + by
        if row < 0 or not 0 <= to < self.count():
            return
        self.insertItem(to, self.takeItem(row))
        self.setCurrentRow(to)

    def keyPressEvent(self, e):  # noqa: N802 - Qt's name
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier and e.key() in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
        ):
            self.move(-1 if e.key() == Qt.Key.Key_Up else 1)
        else:
            super().keyPressEvent(e)
