"""The examples × checkpoints strip under the timeline: one cell per example and checkpoint."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from ..core import colors
from ..core.timeline import TimelineResult
from ..core.timeline_plot import cell_text, heat_matrix

# no (0), yes (1), not measured (2): core.colors' colour-blind-safe pair
_LUT = np.array([colors.NO, colors.YES, colors.UNMEASURED], np.ubyte)


class HeatStrip(QWidget):
    """Hit@1 (or agreement with the reference's top unit) per cell; hover explains, click opens."""

    cell_clicked = Signal(int, int)  # example row, checkpoint column
    cell_hovered = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: TimelineResult | None = None
        self.matrix: list[list[float | None]] = []
        self.mode = QComboBox()
        self.mode.addItem("Hit@1", "hit")
        self.mode.addItem("top unit = reference's", "agree")
        self.mode.setToolTip(
            "Per example and checkpoint: is the top-Δ unit cited, or the same as "
            "at the reference? Hover a cell for its figures, click it to open that example there."
        )
        self.mode.currentIndexChanged.connect(lambda _: self.draw(self.result))
        self.plot = pg.PlotWidget(background=self.palette().color(QPalette.ColorRole.Base))
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.invertY(True)
        self.plot.setLabel("left", "example")
        self.image = pg.ImageItem()
        self.image.setLookupTable(_LUT)
        self.image.setLevels((0, 2))
        self.plot.addItem(self.image)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_move)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.mode)
        lay.addWidget(self.plot, 1)

    def draw(self, result: TimelineResult | None) -> None:
        self.result = result
        self.matrix = heat_matrix(result, self.mode.currentData()) if result else []
        if not self.matrix:
            self.image.clear()
            return
        grid = np.array(
            [[2 if v is None else (1 if v >= 0.5 else 0) for v in r] for r in self.matrix], float
        )
        self.image.setImage(grid.T, levels=(0, 2), autoLevels=False)
        names = [c.name.rpartition("/")[2] for c in result.checkpoints]
        self.plot.getAxis("bottom").setTicks([[(i + 0.5, n) for i, n in enumerate(names)]])
        # label every row when they fit, else 1, 5, 10, …: overlapping numbers help nobody
        n = len(self.matrix)
        every = 1 if n <= 12 else 5
        rows = [i for i in range(n) if every == 1 or i == 0 or (i + 1) % every == 0]
        self.plot.getAxis("left").setTicks([[(i + 0.5, str(i + 1)) for i in rows]])

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        if self.result is None or not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        pos = self.image.mapFromScene(scene_pos)
        col, row = int(np.floor(pos.x())), int(np.floor(pos.y()))
        if 0 <= row < len(self.result.inputs) and 0 <= col < len(self.result.checkpoints):
            return row, col
        return None

    def _on_click(self, ev) -> None:
        cell = self.cell_at(ev.scenePos())
        if cell is not None:
            self.cell_clicked.emit(*cell)

    def _on_move(self, scene_pos) -> None:
        cell = self.cell_at(scene_pos)
        text = cell_text(self.result, *cell) if cell is not None else ""
        self.plot.setToolTip(text)
        if text:
            self.cell_hovered.emit(text)
