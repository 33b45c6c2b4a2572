"""95 % interval bands under the timeline's curves (core.timeline_plot.PlotSeries.bands).

Kept apart from timeline_view so the view calls one function: every drawn mean shows how
sure it is, and a point with a wide band reads as what it is.
"""

from __future__ import annotations

import pyqtgraph as pg

BAND_ALPHA = 50


def _segments(xs: list[float], bands: list) -> list[list[tuple[float, float, float]]]:
    """Runs of consecutive checkpoints that all have an interval: (x, lo, hi) each."""
    runs, run = [], []
    for x, b in zip(xs, bands, strict=False):
        if b is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append((x, b[0], b[1]))
    if run:
        runs.append(run)
    return runs


def draw_bands(plot: pg.PlotWidget, ps, keys: list[str], colors: dict) -> list:
    """Adds one shaded band per shown curve and returns the items (for tests)."""
    items = []
    for key in keys:
        for run in _segments(ps.xs, ps.bands.get(key, [])):
            xs = [p[0] for p in run]
            if len(run) == 1:  # one point: a short vertical bar instead of an area
                x, lo, hi = run[0]
                bar = pg.PlotDataItem(
                    [x, x], [lo, hi], pen=pg.mkPen(*colors[key], BAND_ALPHA * 3, width=6)
                )
                plot.addItem(bar)
                items.append(bar)
                continue
            lo = pg.PlotDataItem(xs, [p[1] for p in run], pen=None)
            hi = pg.PlotDataItem(xs, [p[2] for p in run], pen=None)
            fill = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(*colors[key], BAND_ALPHA))
            fill.setZValue(-10)  # under the curves and their clickable points
            fill.band_key = key
            plot.addItem(fill)
            items.append(fill)
    return items
