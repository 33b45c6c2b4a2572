"""Bar chart of measured Δ per unit (pyqtgraph), cited units marked with a diamond."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..core.results import ExampleResult

BAR = (230, 90, 40)
FLIP = (170, 30, 30)
CITED = (30, 110, 220)
ESTIMATED_ALPHA = 80  # a coarse-to-fine estimate is drawn pale until its exact value lands
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
        self.marks = pg.ScatterPlotItem(symbol="d", size=11, brush=pg.mkBrush(*CITED), pen=None)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.marks)
        self.heights: list[float] = []  # what is drawn, for tests and screen readers
        self.cited_marks: list[int] = []
        self.estimated: list[int] = []  # units whose bar is an estimate (core/coarse.py)
        self._words: list[str] | None = None
        self._top = None
        self._shown: tuple | None = None
        self._axis_clear = QTimer(self, singleShot=True, interval=AXIS_CLEAR_MS)
        self._axis_clear.timeout.connect(self._clear_axis)
        self.setToolTip(
            "Measured Δ per unit: bar height = TVD when the unit is removed; dark bars flip the "
            "label; ◆ marks units the explanation cites; pale bars are estimates (a long input's "
            "sentence shift shared by its words), replaced as exact values arrive"
        )

    def _clear_axis(self) -> None:
        self._set_axis([])

    def _set_axis(self, words: list[str]) -> None:
        if words != self._words:  # the axis changes with the units, not per batch
            self._words = words
            self.plot.getAxis("bottom").setTicks([list(enumerate(words))])
            self.plot.setXRange(-0.6, max(len(words), 1) - 0.4)

    def display(self, result: ExampleResult | None) -> None:
        deltas = result.deltas if result is not None else []
        units = result.units if result is not None else []
        flips = result.flips if result is not None else []
        cited = [i for i in (result.cited if result else []) if i < len(deltas)]
        words = [u.text[:10] for u in units]
        exact = result.exact if result is not None and result.exact is not None else None
        estimated = [i for i, e in enumerate(exact or []) if not e and i < len(deltas)]
        shown = (list(deltas), list(flips), cited, words, estimated)
        if shown == self._shown:
            return  # the sweep's last batch and the finished result draw the same bars
        self._shown = shown
        xs = list(range(len(deltas)))
        pale = set(estimated)
        brushes = [
            pg.mkBrush(*(FLIP if f else BAR), ESTIMATED_ALPHA if i in pale else 255)
            for i, f in enumerate(flips)
        ]
        self.bars.setOpts(x=xs, height=deltas, width=0.7, brushes=brushes)
        self.marks.setData(x=cited, y=[deltas[i] + 0.04 for i in cited])
        self.heights, self.cited_marks, self.estimated = list(deltas), cited, estimated
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
