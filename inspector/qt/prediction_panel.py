"""Prediction panel: label distribution for the baseline and the edited input, and the edit shift."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from ..core.metrics import tvd
from ..core.results import ExampleResult
from .status import set_text


def _bar(height: int) -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 1000)
    bar.setMaximumHeight(height)
    bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return bar


class PredictionPanel(QWidget):
    """Rows are built once per label set and then only updated, so streaming never relayouts."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Prediction")
        lay = QVBoxLayout(self)
        self.title = QLabel("<b>Prediction</b>")
        self.grid = QGridLayout()
        for col, head in enumerate(("label", "edited", "baseline")):
            self.grid.addWidget(QLabel(f"<i>{head}</i>"), 0, col)
        self.shift = QLabel("edit shift —")
        self.shift.setToolTip(
            "Total variation distance between the baseline's and the edited input's label distributions"
        )
        lay.addWidget(self.title)
        lay.addLayout(self.grid)
        lay.addWidget(self.shift)
        lay.addStretch(1)
        self._labels: list[str] = []
        self._rows: list[tuple[QLabel, QProgressBar, QProgressBar]] = []
        self.edit_shift: float | None = None
        self._shown: list | None = None

    def _ensure_rows(self, labels: list[str]) -> None:
        if labels == self._labels:
            return
        for row in self._rows:
            for w in row:
                self.grid.removeWidget(w)
                w.deleteLater()
        self._rows = []
        for r, label in enumerate(labels, 1):
            name = QLabel(label)
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row = (name, _bar(16), _bar(12))
            for col, w in enumerate(row):
                self.grid.addWidget(w, r, col)
            self._rows.append(row)
        self._labels = list(labels)

    @staticmethod
    def _set(bar: QProgressBar, p: float | None, what: str) -> None:
        bar.setEnabled(p is not None)
        bar.setValue(int(round((p or 0.0) * 1000)))
        bar.setFormat("—" if p is None else f"{p:.3f}")
        bar.setToolTip("" if p is None else f"{what} p = {p:.4f}")

    def display(self, current: ExampleResult | None, baseline: ExampleResult | None) -> None:
        shown = [
            (list(r.labels), list(r.probs)) if r is not None else None for r in (current, baseline)
        ]
        if shown == self._shown:
            return  # a streamed batch of units leaves the prediction as it is
        self._shown = shown
        # QProgressBar.setValue repaints at once; four synchronous repaints became one
        self.setUpdatesEnabled(False)
        try:
            self._display(current, baseline)
        finally:
            self.setUpdatesEnabled(True)

    def _display(self, current: ExampleResult | None, baseline: ExampleResult | None) -> None:
        if current is None or not current.probs:
            # no answer for this input (yet, or its analysis failed): name none
            set_text(self.title, "<b>Prediction</b>")
            for name, edited, base in self._rows:
                set_text(name, name.text().removeprefix("<b>").removesuffix("</b>"))
                self._set(edited, None, "edited")
                self._set(base, None, "baseline")
            set_text(self.shift, "edit shift —")
            self.edit_shift = None
            return
        self._ensure_rows(current.labels)
        base_ok = (
            baseline is not None and baseline.labels == current.labels and bool(baseline.probs)
        )
        set_text(self.title, f"<b>Prediction</b>: {current.label}")
        for i, (name, edited, base) in enumerate(self._rows):
            set_text(
                name, f"<b>{current.labels[i]}</b>" if i == current.predicted else current.labels[i]
            )
            self._set(edited, current.probs[i], "edited")
            self._set(base, baseline.probs[i] if base_ok else None, "baseline")
        if base_ok:
            self.edit_shift = tvd(baseline.probs, current.probs)
            flip = " (label flips)" if baseline.label != current.label else ""
            set_text(self.shift, f"edit shift <b>{self.edit_shift:.3f}</b>{flip}")
        else:
            self.edit_shift = None
            set_text(self.shift, "edit shift — (pin a baseline: Ctrl+B)")
