"""The timeline dock: metric curves over the checkpoints of a run, a per-example strip, and a run button.

The numbers come from ``core.jobs.timeline_job`` on the window's worker and live in the session
state (``state.timeline``, which the examples table and report export read too); what is drawn
comes from ``core.timeline_plot`` so reports draw the same thing.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.inputs import Example
from ..core.jobs import Cluster, timeline_job
from ..core.metrics import METRIC_HELP
from ..core.series import Series, SeriesEntry
from ..core.timeline import TimelineResult
from ..core.timeline_plot import CURVES, hover_text
from .checkpoint_list import CheckpointList
from .heat_strip import HeatStrip
from .metric_plot import COLORS, MetricPlot, plot_background, swatch

SHOWN = ("hit_at_1", "coupling", "accuracy")
KIND = "timeline"
EMPTY = (
    "<p><b>No timeline yet.</b></p><p>Run ▸ Run timeline (<b>Ctrl+T</b>) analyses every ticked "
    "checkpoint on the input set; Hit@1, coupling and accuracy over training appear here, with "
    "one row per example below.</p><p>Untick or reorder checkpoints on the left first if you "
    "like.</p>"
)


class TimelineView(QWidget):
    checkpoint_done = Signal(object)  # CheckpointResult, as each one streams in
    timeline_done = Signal(object)  # TimelineResult

    def __init__(self, window):
        super().__init__()
        self.win = window
        self.dock: QDockWidget | None = None  # set by install()
        self.setAccessibleName("Timeline")
        self.series: Series | None = None  # the user's arrangement of the open series
        self.request = None  # the running timeline's Handle
        self.compare_dialog = None  # the last Compare A|B opened from here
        self._partial: list = []
        self._build()
        window.state.events.timeline.connect(lambda _t: self.redraw())

    @property
    def result(self) -> TimelineResult | None:
        return self.win.state.timeline

    # -- layout ------------------------------------------------------------------
    def _build(self) -> None:
        bar = QHBoxLayout()
        self.toggles: dict[str, QCheckBox] = {}
        side = max(10, self.fontMetrics().height() - 4)
        for key, label in CURVES.items():
            box = QCheckBox(label)
            box.setIcon(swatch(COLORS[key], side))  # the legend lives here, off the curves
            box.setChecked(key in SHOWN)
            box.setToolTip(METRIC_HELP.get(key, label))
            box.toggled.connect(self.redraw)
            self.toggles[key] = box
            bar.addWidget(box)
        bar.addStretch(1)
        self.reference = QComboBox()
        self.reference.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.reference.setToolTip(
            "The checkpoint coupling is measured against (default: the first)"
        )
        self.reference.currentTextChanged.connect(lambda _: self.win.changed())
        ref_label = QLabel("&Reference:")
        ref_label.setBuddy(self.reference)
        bar.addWidget(ref_label)
        bar.addWidget(self.reference)
        self.run_button = QPushButton("&Run timeline")
        self.run_button.setToolTip("Analyse every ticked checkpoint on the input set (Ctrl+T)")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.compare_button = QPushButton("Compare A|&B…")
        self.compare_button.setToolTip("Two checkpoints side by side and the examples that changed")
        self.compare_button.clicked.connect(self.open_compare)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        for wdg in (self.run_button, self.cancel_button, self.progress, self.compare_button):
            bar.addWidget(wdg)

        self.checkpoints = CheckpointList()
        self.checkpoints.itemChanged.connect(lambda _: self.win.changed())
        self.checkpoints.model().rowsMoved.connect(lambda *_: self.win.changed())
        self.checkpoints.model().rowsInserted.connect(lambda *_: self.win.changed())
        up, down = QPushButton("▲"), QPushButton("▼")
        up.setToolTip("Move up (Ctrl+Up)")
        down.setToolTip("Move down (Ctrl+Down)")
        up.clicked.connect(lambda: self.checkpoints.move(-1))
        down.clicked.connect(lambda: self.checkpoints.move(1))
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.checkpoints, 1)
        ud = QHBoxLayout()
        ud.addWidget(up)
        ud.addWidget(down)
        sl.addLayout(ud)

        self.plot = MetricPlot(plot_background(self))
        self.plot.scene().sigMouseMoved.connect(self._on_hover)
        self.plot.point_clicked.connect(self.open_point)

        self.heat = HeatStrip()
        self.heat.cell_clicked.connect(self.open_cell)
        self.heat.cell_hovered.connect(lambda t: self.info.setText(t.replace("\n", "  ·  ")))

        self.info = QLabel(
            "Run ▸ Run timeline (Ctrl+T) analyses every checkpoint on the input set."
        )
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setWordWrap(True)

        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.plot)
        plots.addWidget(self.heat)
        plots.setSizes([200, 160])
        # the plots' own minimum would hold the dock tall even while the empty page shows
        plots.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.plots = plots
        # before the first run: say what to do instead of empty plots with meaningless axes
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("No timeline yet")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(plots)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(side)
        split.addWidget(self.stack)
        split.setSizes([170, 700])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(bar)
        lay.addWidget(split, 1)
        lay.addWidget(self.info)

    # -- the series ----------------------------------------------------------------
    def sync_series(self) -> Series | None:
        """Take the window's series (or its checkpoints) unless the user already arranged one."""
        st = self.win.state
        names = [n for n, _p in st.checkpoints]
        if st.series is not None:
            fresh = copy.deepcopy(st.series)
        elif names:
            paths = dict(st.checkpoints)
            fresh = Series(
                Path(paths[names[0]]).parent, [SeriesEntry(n, Path(paths[n]), None) for n in names]
            )
        else:
            return None
        same = self.series is not None and self.series.root == fresh.root
        if self.series is not None and not same:
            self._forget_result()
        if not same or sorted(self.series.names()) != sorted(fresh.names()):
            self.series = fresh
            self.checkpoints.set_series(fresh)
            self.reference.clear()
            self.reference.addItems([e.name for e in fresh.active()])
        return self.series

    def _forget_result(self) -> None:
        """Another series was opened: the old run's curves describe other checkpoints."""
        if self.win.worker.is_live(self.request):
            self.request.discard()
            self._end("cancelled — another series was opened")
        self._partial = []
        self.win.state.timeline = None
        self.info.setText("Run ▸ Run timeline (Ctrl+T) analyses every checkpoint on the input set.")

    def arrangement(self) -> dict:
        """The user's order, exclusions and reference, for the session file."""
        lst = self.checkpoints
        names = [lst.item(i).text() for i in range(lst.count())]
        off = [n for i, n in enumerate(names) if lst.item(i).checkState() != Qt.CheckState.Checked]
        if not names:
            return {}
        return {"order": names, "excluded": off, "reference": self.reference.currentText()}

    def restore_arrangement(self, saved: dict) -> None:
        """Apply a saved arrangement to the open series; checkpoints gone since are ignored."""
        series = self.sync_series()
        if series is None or not saved:
            return
        known = set(series.names())
        series.reorder([n for n in saved.get("order", []) if n in known])
        for name in known:
            series.exclude(name, name in saved.get("excluded", []))
        self.checkpoints.set_series(series)
        self.reference.clear()
        self.reference.addItems([e.name for e in series.active()])
        if saved.get("reference") in known:
            self.reference.setCurrentText(saved["reference"])

    def inputs(self) -> list[Example]:
        st = self.win.state
        if st.inputs:
            return list(st.inputs)
        return [Example(st.text)] if st.text.strip() else []

    # -- running --------------------------------------------------------------------
    def run(self) -> None:
        series = self.sync_series()
        probe, examples = self.win.probe, self.inputs()
        if series is None or probe is None or not examples:
            self.win.show_message(
                "The timeline needs a series, a probe and at least one input", "warning"
            )
            return
        self.checkpoints.apply_to(series)
        ref = self.reference.currentText() or None
        if ref is not None and series.find(ref).excluded:
            ref = None
        st, prefs = self.win.state, self.win.prefs
        address = prefs.ray_address.strip()
        cluster = Cluster(address, prefs.device, tuple(prefs.trusted_checkpoints))
        job = timeline_job(
            series, probe, examples, st.settings, self.win.worker.cache, reference=ref,
            inputs_path=st.inputs_path if st.inputs else None,
            cluster=cluster if address else None,  # Preferences ▸ Ray address
        )  # fmt: skip

        self._partial = []
        self._ctx = (
            str(series.root),
            ref or series.active()[0].name,
            st.settings,
            probe,
            examples,
            [e.name for e in series.active()],
        )
        self.request = h = self.win.worker.submit(KIND, job)
        h.event.connect(self._on_event)
        h.progress.connect(self._on_progress)
        h.finished.connect(self._on_finished)
        h.failed.connect(self._on_failed)
        h.cancelled.connect(self._on_cancelled)
        h.start()
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)

    def cancel(self) -> None:
        if self.request is not None:
            self.request.cancel()  # reports ``cancelled`` only if it was still live

    def _on_event(self, kind: str, payload) -> None:
        if kind != "checkpoint":
            return
        self._partial.append(payload)
        self.checkpoints.mark_duplicate(payload.name, payload.duplicate_of, payload.sha256)
        root, ref, settings, probe, examples, order = self._ctx
        got = {c.name: c for c in self._partial}
        self.win.state.timeline = TimelineResult(
            root,
            ref,
            [got[n] for n in order if n in got],
            settings,
            probe,
            examples,
            not_run=[n for n in order if n not in got],  # until the run ends, if it is cancelled
        )
        self.checkpoint_done.emit(payload)

    def _on_progress(self, done: int, total: int, msg: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{total}")
        self.progress.setToolTip(msg)

    def _end(self, note: str) -> None:
        self.request = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if note == "done" else 0)
        self.info.setText(note)
        self.win.status.idle(note.split(" — ")[0])  # the status bar showed its progress too

    def _on_finished(self, result) -> None:
        failed = [c.name for c in result.checkpoints if c.error]
        self._end("done" + (f" — could not analyse: {', '.join(failed)}" if failed else ""))
        self.win.state.timeline = result
        self.timeline_done.emit(result)

    def _on_failed(self, msg: str, details: str) -> None:
        self._end(f"timeline failed: {msg}")
        self.win.show_message(msg, "error", details)

    def _on_cancelled(self) -> None:
        self._end("cancelled — finished checkpoints are cached; Run again resumes")

    # -- drawing ----------------------------------------------------------------------
    def redraw(self) -> None:
        empty = self.result is None or not self.result.checkpoints
        if self.stack.currentIndex() != (0 if empty else 1):
            self._show_plots(not empty)
        shown = [k for k, box in self.toggles.items() if box.isChecked()]
        self.plot.draw(None if empty else self.result, shown)
        self.heat.draw(None if empty else self.result)

    def _show_plots(self, shown: bool) -> None:
        """The first result makes room for the curves and one row per example; none gives it back."""
        line = self.fontMetrics().lineSpacing()
        self.plots.setMinimumHeight(line * (14 if shown else 5))
        self.stack.setCurrentIndex(1 if shown else 0)
        dock = self.dock
        if shown and dock is not None and not dock.isFloating():
            from .layout import BOTTOM_SHARE_RUN

            want = max(dock.height(), int(self.win.height() * BOTTOM_SHARE_RUN))
            self.win.resizeDocks([dock], [want], Qt.Orientation.Vertical)

    # -- interaction --------------------------------------------------------------------
    def open_point(self, index: int) -> None:
        """Open checkpoint ``index`` of the result in the editor; the current input reruns there."""
        cp = self.result.checkpoints[index]
        names = dict(self.win.state.checkpoints)
        self.win.open_checkpoint(cp.name if cp.name in names else cp.path)

    def open_cell(self, row: int, col: int) -> None:
        """Open example ``row`` at checkpoint ``col``."""
        self.open_point(col)
        ex = self.result.inputs[row]
        self.win.open_example(ex)

    def _on_hover(self, scene_pos) -> None:
        ps = self.plot.plotted
        if ps is None or not ps.xs:
            return
        x = self.plot.getPlotItem().vb.mapSceneToView(scene_pos).x()
        i = min(range(len(ps.xs)), key=lambda k: abs(ps.xs[k] - x))
        text = hover_text(self.result, i)
        self.info.setText(text.replace("\n", "  ·  "))
        self.plot.setToolTip(text)

    def open_compare(self) -> None:
        from .compare_view import CompareDialog

        dlg = CompareDialog(self.win, self)
        dlg.show()
        self.compare_dialog = dlg


def install(win) -> tuple[TimelineView, QDockWidget, QAction]:
    """The dock, its view and Run ▸ Run timeline, for the window to keep."""
    view = TimelineView(win)
    dock = view.dock = QDockWidget("Timeline", win)
    dock.setObjectName("dock.timeline")
    dock.setWidget(view)
    win.add_panel(dock, Qt.DockWidgetArea.BottomDockWidgetArea)
    act = QAction("Run &timeline", win)
    act.setShortcut(QKeySequence("Ctrl+T"))
    act.setStatusTip("Analyse every checkpoint of the series on the input set")
    act.triggered.connect(lambda: (dock.show(), dock.raise_(), view.run()))
    cmp_act = QAction("&Compare checkpoints A|B…", win)
    cmp_act.setShortcut(QKeySequence("Ctrl+Shift+T"))
    cmp_act.triggered.connect(view.open_compare)
    for a in (act, cmp_act):
        win.menus["Run"].addAction(a)
        win.addAction(a)
    return view, dock, act
