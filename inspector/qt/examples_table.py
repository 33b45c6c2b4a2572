"""The input set as a sortable table; after a timeline run, each input's result at this checkpoint."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from ..core.example_rows import ExampleRow
from ..core.inputs import Example

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
INDEX, TEXT, HIT, TOP, DELTA, PREDICTED, GOLD = range(7)
RESULT_COLUMNS = (HIT, TOP, DELTA, PREDICTED)
HEADERS = {
    INDEX: ("#", "Position in the input file"),
    TEXT: ("Input", "The input text; select a row to load it and pin it as the baseline"),
    GOLD: ("Gold", "Gold label from the input file"),
    PREDICTED: ("Predicted", "Label the model predicts at this checkpoint (✗: differs from gold)"),
    TOP: ("Top unit", "Unit whose removal shifts the answer most"),
    DELTA: ("Top Δ", "Largest shift in the label distribution when one unit is removed"),
    HIT: ("Hit@1", "1 if the explanation names the top unit; blank without an explanation"),
}


class _Row(QTreeWidgetItem):
    """Sorts by the column's SORT_ROLE value (numbers as numbers; blanks first)."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        col = self.treeWidget().sortColumn()
        return _key(self.data(col, SORT_ROLE)) < _key(other.data(col, SORT_ROLE))


def _key(value) -> tuple:
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, int | float):
        return (1, float(value), "")
    return (2, 0.0, str(value).casefold())


class ExamplesTable(QTreeWidget):
    """Selecting a row emits ``picked`` with the input's position in the set."""

    picked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Examples")
        self.setColumnCount(len(HEADERS))
        self.setHeaderLabels([HEADERS[c][0] for c in range(len(HEADERS))])
        for c, (_, tip) in HEADERS.items():
            self.headerItem().setToolTip(c, tip)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSortingEnabled(True)
        self.sortByColumn(INDEX, Qt.SortOrder.AscendingOrder)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TEXT, header.ResizeMode.Interactive)
        header.resizeSection(TEXT, 180)
        self.at: str | None = None  # the checkpoint the result columns describe
        self.show_results(None)
        self.currentItemChanged.connect(self._on_current)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # room for the input and the result columns when the dock is first laid out
        return QSize(400, super().sizeHint().height())

    def _on_current(self, item, _previous) -> None:
        if item is not None and not self.signalsBlocked():
            self.picked.emit(item.data(INDEX, SORT_ROLE))

    def set_examples(self, examples: list[Example], current: int | None = None) -> None:
        self.blockSignals(True)
        self.clear()
        for i, ex in enumerate(examples):
            item = _Row()
            _set(item, INDEX, i + 1, sort=i)
            _set(item, TEXT, ex.text)
            item.setToolTip(TEXT, ex.text)
            _set(item, GOLD, ex.label or "", sort=ex.label)
            self.addTopLevelItem(item)
        self.blockSignals(False)
        self.show_results(None)
        if current is not None:
            self.select(current)

    def select(self, index: int) -> None:
        """Make input ``index`` current without emitting ``picked``."""
        self.blockSignals(True)
        for row in range(self.topLevelItemCount()):
            item = self.topLevelItem(row)
            if item.data(INDEX, SORT_ROLE) == index:
                self.setCurrentItem(item)
                self.scrollToItem(item)
        self.blockSignals(False)

    def show_results(self, found: tuple[str, list[ExampleRow]] | None) -> None:
        """Fill the result columns from (checkpoint name, rows), or hide them (None)."""
        self.at = found[0] if found else None
        for c in RESULT_COLUMNS:
            self.setColumnHidden(c, found is None)
        if found is None:
            self.setToolTip("Run the timeline (Ctrl+T) to see each input's result here")
            return
        name, rows = found
        self.setToolTip(f"Results at {name}, from the last timeline run; click a header to sort")
        # a sorted tree moves an item as soon as its sort column changes: refill unsorted
        self.setSortingEnabled(False)
        for row in range(self.topLevelItemCount()):
            item = self.topLevelItem(row)
            r = rows[item.data(INDEX, SORT_ROLE)]
            wrong = "  ✗" if r.correct is False else ""
            _set(item, PREDICTED, r.predicted + wrong, sort=r.predicted)
            _set(item, TOP, r.top_unit or "", sort=r.top_unit)
            _set(item, DELTA, "" if r.top_delta is None else f"{r.top_delta:.3f}", r.top_delta)
            _set(item, HIT, "" if r.hit is None else f"{r.hit:.0f}", sort=r.hit)
        self.setSortingEnabled(True)


def _set(item: QTreeWidgetItem, col: int, text, sort=...) -> None:
    item.setText(col, str(text))
    item.setData(col, SORT_ROLE, text if sort is ... else sort)
    if col in (INDEX, DELTA, HIT):
        item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
