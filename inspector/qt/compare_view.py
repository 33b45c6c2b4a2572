"""Compare A|B: one input's Δ bars and explanations at two checkpoints, and the examples that changed.

Both checkpoints run through ``core.jobs.timeline_job`` on the worker, so results already computed by the
timeline come straight from the cache.
"""

from __future__ import annotations

import copy
import html

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
)

from ..core import colors
from ..core.inputs import Example
from ..core.jobs import timeline_job
from ..core.results import ExampleResult
from ..core.timeline import TimelineResult
from ..core.timeline_plot import Change, changes

KIND = "compare"
COLUMNS = ["example", "label A → B", "top unit A → B", "cited A → B", "TVD", "Δtop", "score"]


def explanation_html(ex: ExampleResult | None, base: colors.RGB = colors.WHITE) -> str:
    """The input tinted by Δ on the app's scale, cited units bold and underlined, then the explanation."""
    if ex is None:
        return "<i>no result</i>"
    cited = set(ex.cited)
    deltas, signed = ex.deltas, ex.signed
    vmax = max(deltas, default=0.0)
    out, pos = [], 0
    for i, u in enumerate(ex.units):
        out.append(html.escape(ex.input[pos : u.start]))
        word = html.escape(ex.input[u.start : u.end])
        if i < len(deltas):
            bg = colors.delta_rgb(deltas[i], signed[i], vmax, base)
            word = (
                f'<span style="background:{colors.hex_rgb(bg)};'
                f'color:{colors.hex_rgb(colors.text_on(bg))}">{word}</span>'
            )
        out.append(f"<b><u>{word}</u></b>" if i in cited else word)
        pos = u.end
    out.append(html.escape(ex.input[pos:]))
    said = (
        html.escape(ex.explanation.text) if ex.explanation is not None else "<i>no explanation</i>"
    )
    return f"<p>{''.join(out)}</p><p><b>{html.escape(ex.label)}</b> — “{said}”</p>"


class CompareDialog(QDialog):
    compared = Signal(object)  # the two-checkpoint TimelineResult

    def __init__(self, window, timeline_view):
        super().__init__(window)
        self.setWindowTitle("Compare checkpoints A|B")
        self.win = window
        self.result: TimelineResult | None = None
        self.rows: list[Change] = []
        names = self._names(timeline_view)
        self.a, self.b = QComboBox(), QComboBox()
        for box in (self.a, self.b):
            box.addItems(names)
        ok = [
            c.name
            for c in (window.state.timeline.checkpoints if window.state.timeline else [])
            if not c.error and c.name in names
        ]
        if len(names) > 1:
            self.b.setCurrentText(ok[-1] if len(ok) > 1 else names[-1])
        self.a.setToolTip("Checkpoint A (the 'before')")
        self.b.setToolTip("Checkpoint B (the 'after')")
        self.go = QPushButton("&Compare")
        self.go.setDefault(True)
        self.go.clicked.connect(self.compare)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        for w in (QLabel("A:"), self.a, QLabel("B:"), self.b, self.go):
            top.addWidget(w)
        top.addWidget(self.note, 1)

        grid = QGridLayout()
        self.plots, self.texts = [], []
        for col in range(2):
            plot = pg.PlotWidget(background="w")
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.setLabel("left", "Δ (TVD)")
            plot.setYRange(0, 1)
            text = QTextBrowser()
            text.setAccessibleName(f"Explanation at {'AB'[col]}")
            grid.addWidget(plot, 0, col)
            grid.addWidget(text, 1, col)
            self.plots.append(plot)
            self.texts.append(text)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setToolTip(
            "Examples whose label, top unit or cited units changed, largest change first "
            "(score = TVD of the label distributions + change of the top Δ). "
            "Double-click or Enter opens the example at B."
        )
        self.table.cellDoubleClicked.connect(lambda r, _c: self.open_row(r))
        self.table.activated.connect(lambda idx: self.open_row(idx.row()))
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(grid, 2)
        lay.addWidget(self.table, 2)
        self.resize(900, 700)

    def _names(self, view) -> list[str]:
        series = view.sync_series()
        if series is not None:
            return [e.name for e in series.active()]
        return [n for n, _p in self.win.state.checkpoints]

    def _examples(self) -> list[Example]:
        examples = list(self.win.state.inputs)
        text = self.win.state.text
        if text.strip() and text not in {e.text for e in examples}:
            examples.append(Example(text))
        return examples

    def compare(self) -> None:
        series = self.win.timeline.sync_series()
        probe, examples = self.win.probe, self._examples()
        if (
            series is None
            or probe is None
            or not examples
            or self.a.currentText() == self.b.currentText()
        ):
            self.note.setText("pick two different checkpoints (and open a probe and an input)")
            return
        pair = copy.deepcopy(series)
        pair.entries = [pair.find(self.a.currentText()), pair.find(self.b.currentText())]
        for e in pair.entries:
            e.excluded = False
        job = timeline_job(
            pair, probe, examples, self.win.settings, self.win.worker.cache,
            reference=pair.entries[0].name,
        )  # fmt: skip
        self.note.setText("computing…")
        h = self.win.worker.submit(KIND, job)
        h.finished.connect(self._on_finished)
        h.failed.connect(lambda msg, _details: self.note.setText(f"failed: {msg}"))
        h.cancelled.connect(lambda: self.note.setText("cancelled"))
        h.start()

    def _on_finished(self, result) -> None:
        self.show_result(result)
        self.compared.emit(result)

    def _focus_index(self) -> int:
        text = self.win.state.text
        return next((i for i, e in enumerate(self.result.inputs) if e.text == text), 0)

    def show_result(self, result: TimelineResult) -> None:
        self.result = result
        a, b = result.checkpoints
        bad = [c for c in (a, b) if c.error]
        if bad:
            self.note.setText("; ".join(f"{c.name}: {c.error}" for c in bad))
            self.rows = []
            self._fill_table()
            return
        i = self._focus_index()
        for col, cp in enumerate((a, b)):
            ex = cp.examples[i]
            plot = self.plots[col]
            plot.clear()
            cited = set(ex.cited)
            brushes = [
                pg.mkBrush(30, 110, 220) if k in cited else pg.mkBrush(230, 90, 40)
                for k in range(len(ex.units))
            ]
            plot.addItem(
                pg.BarGraphItem(
                    x=list(range(len(ex.units))), height=ex.deltas, width=0.7, brushes=brushes
                )
            )
            plot.getAxis("bottom").setTicks([[(k, u.text) for k, u in enumerate(ex.units)]])
            plot.setTitle(f"{'AB'[col]}: {cp.name}")
            base = self.texts[col].palette().color(QPalette.ColorRole.Base)
            self.texts[col].setHtml(explanation_html(ex, (base.red(), base.green(), base.blue())))
        self.rows = changes(a, b)
        self.note.setText(f"{len(self.rows)} of {len(result.inputs)} examples changed")
        if a.hash is not None and a.hash == b.hash:  # a duplicate_of pair: analysed once
            self.note.setText(f"{a.name} and {b.name} have identical weights: nothing can change")
        warn = [
            f"⚠ {tag} is degenerate: {cp.metrics['degenerate']}"
            for tag, cp in (("A", a), ("B", b))
            if cp.metrics.get("degenerate")
        ]
        if warn:
            self.note.setText("   ".join([*warn, self.note.text()]))
        self._fill_table()

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.rows))
        for r, c in enumerate(self.rows):
            cells = [
                c.text,
                f"{c.label_a} → {c.label_b}",
                f"{c.top_a} → {c.top_b}",
                f"{', '.join(c.cited_a) or '—'} → {', '.join(c.cited_b) or '—'}",
                f"{c.tvd:.2f}",
                f"{c.top_shift:.2f}",
                f"{c.score:.2f}",
            ]
            for k, v in enumerate(cells):
                item = QTableWidgetItem(v)
                item.setTextAlignment(
                    Qt.AlignmentFlag.AlignRight if k >= 4 else Qt.AlignmentFlag.AlignLeft
                )
                self.table.setItem(r, k, item)
        self.table.resizeColumnsToContents()

    def open_row(self, row: int) -> None:
        """Open the example of table row ``row`` at checkpoint B."""
        if not 0 <= row < len(self.rows):
            return
        change = self.rows[row]
        b = self.result.checkpoints[1]
        names = dict(self.win.state.checkpoints)
        self.win.open_checkpoint(b.name if b.name in names else b.path)
        ex = self.result.inputs[change.index]
        self.win.open_example(ex)
