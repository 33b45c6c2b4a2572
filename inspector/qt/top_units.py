"""Every unit ranked by measured Δ, cited or not, beside the tinted input; a click selects it there."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from ..core import colors
from ..core.results import ExampleResult
from .delta_chart import ranked

HEADS = ("#", "unit", "Δ", colors.CITED_MARK)
UNIT_CHARS = 12


class TopUnits(QTreeWidget):
    unit_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Units ranked by measured shift")
        self.setColumnCount(len(HEADS))
        self.setHeaderLabels(HEADS)
        self.headerItem().setToolTip(3, "cited by the model's explanation")
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)  # 10,000 rows stay cheap to scroll
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        head = self.header()
        head.setStretchLastSection(False)
        # fixed widths from the font, not ResizeToContents: that measures every row per update
        fm = self.fontMetrics()
        pad = fm.horizontalAdvance("  ")
        for col, sample in ((0, "9999"), (2, "0.000"), (3, colors.CITED_MARK)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(col, fm.horizontalAdvance(sample) + 2 * pad)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setToolTip(f"Every unit of the input, largest Δ first. {colors.LEGEND}")
        self.itemClicked.connect(lambda item, _c: self.unit_clicked.emit(item.data(0, Qt.UserRole)))
        self.itemActivated.connect(
            lambda item, _c: self.unit_clicked.emit(item.data(0, Qt.UserRole))
        )
        self.units: list[str] = []  # unit texts in rank order, as listed
        self._shown: tuple | None = None
        fixed = sum(self.columnWidth(c) for c in (0, 2, 3))
        chrome = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth() + pad
        # the unit column keeps UNIT_CHARS characters whatever the window size
        self.setMinimumWidth(fixed + chrome + fm.averageCharWidth() * UNIT_CHARS)
        self._wide = fixed + chrome + fm.averageCharWidth() * (UNIT_CHARS + 6)

    def sizeHint(self):  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        hint.setWidth(self._wide)
        return hint

    def display(self, result: ExampleResult | None) -> None:
        deltas = list(result.deltas) if result is not None else []
        cited = set(result.cited) if result is not None else set()
        shown = (deltas, sorted(cited), [u.text for u in result.units] if result else [])
        if shown == self._shown:
            return
        self._shown = shown
        self.clear()
        if not deltas:
            self.units = []
            return
        signed = result.signed
        base = self.palette().color(QPalette.ColorRole.Base)
        vmax = max(deltas)
        items = []
        order = ranked(deltas)
        for rank, i in enumerate(order, 1):
            text = result.units[i].text
            item = QTreeWidgetItem(
                [str(rank), text, f"{deltas[i]:.3f}", colors.CITED_MARK if i in cited else ""]
            )
            item.setData(0, Qt.UserRole, i)
            bg = colors.delta_rgb(
                deltas[i], signed[i], vmax, (base.red(), base.green(), base.blue())
            )
            item.setBackground(2, QColor(*bg))
            item.setForeground(2, QColor(*colors.text_on(bg)))
            item.setTextAlignment(2, Qt.AlignRight | Qt.AlignVCenter)
            item.setTextAlignment(0, Qt.AlignRight | Qt.AlignVCenter)
            side = "against" if signed[i] > 0 else "for"
            item.setToolTip(
                1, f"“{text}” at position {i + 1}: Δ {deltas[i]:.3f}, {side} the answer"
            )
            items.append(item)
        self.addTopLevelItems(items)
        self.units = [result.units[i].text for i in order]
