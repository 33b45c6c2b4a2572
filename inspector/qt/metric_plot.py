"""The timeline's metric curves: one line per metric over the checkpoints, with 95 % bands.

What is drawn comes from ``core.timeline_plot.plot_series``, so reports draw the same thing.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QWidget

from ..core.timeline import TimelineResult
from ..core.timeline_plot import CURVES, PlotSeries, plot_series
from .timeline_bands import draw_bands

COLORS = {
    "hit_at_1": (30, 110, 220),
    "coupling": (200, 40, 40),
    "accuracy": (40, 150, 60),
    "cited_mass": (150, 90, 200),
    "cct": (230, 140, 20),
}


def plot_background(widget: QWidget) -> QColor:
    """Plots take the desktop theme's base colour, never a hard-coded white."""
    return widget.palette().color(QPalette.ColorRole.Base)


def swatch(color: tuple[int, int, int], size: int) -> QIcon:
    """A filled square in a curve's colour: the toggle row is the plot's legend."""
    pix = QPixmap(size, size)
    pix.fill(QColor(*color))
    return QIcon(pix)


class MetricPlot(pg.PlotWidget):
    point_clicked = Signal(int)  # the index of the checkpoint clicked on a curve

    def __init__(self, background: QColor):
        super().__init__(background=background)
        self.setMenuEnabled(False)
        self.setLabel("left", "metric")
        self.setYRange(-1, 1)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.bands: list = []
        self.plotted: PlotSeries | None = None
        self.failed_marks = pg.ScatterPlotItem(
            symbol="x", size=14, pen=pg.mkPen(200, 0, 0, width=2)
        )
        self.failed_marks.setToolTip("checkpoint could not be analysed")
        # core.degenerate: one label for every input, or accuracy at chance
        self.degenerate_marks = pg.ScatterPlotItem(
            symbol="t", size=13, pen=pg.mkPen(180, 90, 0, width=2), brush=pg.mkBrush(255, 170, 0)
        )
        self.degenerate_marks.setToolTip("degenerate checkpoint: hover for why")

    def draw(self, result: TimelineResult | None, shown: list[str]) -> None:
        """The ``shown`` metrics of ``result`` (nothing for None), phase boundaries and marks."""
        self.clear()
        self.curves, self.plotted = {}, None
        if result is None:
            return
        ps = self.plotted = plot_series(result)
        self.setLabel("bottom", "training step" if ps.x_is_step else "checkpoint")
        for x, phase in ps.boundaries:
            pen = pg.mkPen(120, 120, 120, style=Qt.PenStyle.DashLine)
            label = {"position": 0.95, "color": (90, 90, 90)}
            self.addItem(
                pg.InfiniteLine(pos=x, angle=90, pen=pen, label=phase or "/", labelOpts=label)
            )
        for key in shown:
            xs, ys, idx = ps.points(key)
            item = pg.PlotDataItem(
                xs, ys, pen=pg.mkPen(*COLORS[key], width=2), symbol="o", symbolSize=9,
                symbolBrush=pg.mkBrush(*COLORS[key]), name=CURVES[key],
            )  # fmt: skip
            item.setData(xs, ys, data=idx)
            item.sigPointsClicked.connect(self._on_points_clicked)
            self.addItem(item)
            self.curves[key] = item
        self.bands = draw_bands(self, ps, shown, COLORS)  # 95 % intervals (timeline_bands)
        self.failed_marks.setData(
            [ps.xs[i] for i in ps.failed], [0.0] * len(ps.failed), data=ps.failed
        )
        self.addItem(self.failed_marks)
        self.degenerate_marks.setData(
            [ps.xs[i] for i in ps.degenerate], [-0.9] * len(ps.degenerate), data=ps.degenerate
        )
        self.addItem(self.degenerate_marks)

    def _on_points_clicked(self, _item, points, _ev=None) -> None:
        if len(points):
            self.point_clicked.emit(int(points[0].data()))
