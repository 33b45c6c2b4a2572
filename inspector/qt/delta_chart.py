"""Bar chart of measured Δ per unit (pyqtgraph), cited units marked with a diamond."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..core.results import ExampleResult

BAR = (230, 90, 40)
FLIP = (170, 30, 30)
CITED = (30, 110, 220)
AXIS_CLEAR_MS = 600  # an axis with no units left waits this long for the next result


class DeltaChart(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Measured shift per unit")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "Δ (TVD)")
        self.plot.getAxis("left").enableAutoSIPrefix(
            False
        )  # Δ is a probability distance: no "x0.001"
        self.plot.setYRange(0, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brushes=[])
        # hovering a ◆ says why the unit counts as cited (core.citing)
        self.marks = pg.ScatterPlotItem(
            symbol="d",
            size=11,
            brush=pg.mkBrush(*CITED),
            pen=None,
            hoverable=True,
            tip=lambda x, y, data: data,
        )
        self.plot.addItem(self.bars)
        self.plot.addItem(self.marks)
        self.heights: list[float] = []  # what is drawn, for tests and screen readers
        self.cited_marks: list[int] = []
        self._words: list[str] | None = None
        self._top = None
        self._shown: tuple | None = None
        self._axis_clear = QTimer(self, singleShot=True, interval=AXIS_CLEAR_MS)
        self._axis_clear.timeout.connect(self._clear_axis)
        self.setToolTip(
            "Measured Δ per unit: bar height = TVD when the unit is removed; dark bars flip the "
            "label; ◆ marks units the explanation cites"
        )

    def _clear_axis(self) -> None:
        self._set_axis([])

    def _set_axis(self, words: list[str]) -> None:
        if words != self._words:  # the axis changes with the units, not per batch
            self._words = words
            self.plot.getAxis("bottom").setTicks([list(enumerate(words))])
            self.plot.setXRange(-0.6, max(len(words), 1) - 0.4)

    @staticmethod
    def why(result: ExampleResult | None, cited: list[int]) -> list[str]:
        """Per cited unit, the tooltip: how the explanation names it."""
        from ..core.citing import why_text

        records = {
            c["unit"]: c for c in (result.explanation.why if result and result.explanation else [])
        }
        return [
            why_text(records[i], result.units[i].text)
            if i in records
            else f"[{result.units[i].text}] cited"
            for i in cited
        ]

    def display(self, result: ExampleResult | None) -> None:
        deltas = result.deltas if result is not None else []
        units = result.units if result is not None else []
        flips = result.flips if result is not None else []
        cited = [i for i in (result.cited if result else []) if i < len(deltas)]
        words = [u.text[:10] for u in units]
        shown = (list(deltas), list(flips), cited, words)
        if shown == self._shown:
            return  # the sweep's last batch and the finished result draw the same bars
        self._shown = shown
        xs = list(range(len(deltas)))
        brushes = [pg.mkBrush(*(FLIP if f else BAR)) for f in flips]
        self.bars.setOpts(x=xs, height=deltas, width=0.7, brushes=brushes)
        self.marks.setData(
            x=cited, y=[deltas[i] + 0.04 for i in cited], data=self.why(result, cited)
        )
        self.heights, self.cited_marks = list(deltas), cited
        if words:
            self._axis_clear.stop()
            self._set_axis(words)
        else:
            # between an edit and its first result there are no units for a moment: keep the
            # axis (pyqtgraph relayouts it in Python) unless no result follows
            self._axis_clear.start()
        if deltas:  # the range only changes with real bars, never shrinks while pending
            top = round(max(0.1, min(1.0, max(deltas) * 1.2 + 0.05)), 1)
            if top != self._top:
                self._top = top
                self.plot.setYRange(0, top)
