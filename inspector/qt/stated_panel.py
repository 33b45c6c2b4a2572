"""Stated vs measured: the explanation with cited units highlighted, Δ bars, metrics, counterfactuals."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core.analysis import COUNTERFACTUAL_METRICS, EXPLANATION_METRICS
from ..core.explanation import cited_spans
from ..core.metrics import METRIC_HELP
from ..core.results import ExampleResult
from .delta_chart import DeltaChart
from .status import set_text

TITLES = {
    "hit_at_1": "Hit@1",
    "rank": "rank",
    "cited_mass": "cited mass",
    "comprehensiveness": "comp.",
    "sufficiency": "suff.",
    "explanation_words": "words",
    "cf_precision": "CF precision",
    "cf_recall": "CF recall",
    "cf_f1": "CF F1",
    "cf_label_match": "CF label",
}


def highlight_cited(text: str, words: list[str], word_forms: bool = False) -> str:
    """HTML of ``text`` with each cited word marked (the core's own match)."""
    out, pos = [], 0
    for start, end in cited_spans(text, words, word_forms):
        out.append(html.escape(text[pos:start]))
        out.append(
            f'<span style="background:#cfe0fb;color:#0b3d91;font-weight:bold">{html.escape(text[start:end])}</span>'
        )
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


class StatedPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Stated versus measured")
        self.stated = QTextBrowser()
        self.stated.setAccessibleName("Stated explanation")
        self._html = ""
        self.chart = DeltaChart()
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("<b>Stated</b> (the model's explanation)"))
        ll.addWidget(self.stated)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("<b>Measured</b> Δ per unit"))
        rl.addWidget(self.chart)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([300, 500])
        self.metrics_grid = QGridLayout()
        self.metric_labels: dict[str, QLabel] = {}
        for col, key in enumerate((*EXPLANATION_METRICS, *COUNTERFACTUAL_METRICS)):
            lab = QLabel(f"{TITLES[key]} —")
            lab.setToolTip(METRIC_HELP.get(key, "precision/recall/F1 of stated vs measured flips"))
            self.metrics_grid.addWidget(lab, 0, col)
            self.metric_labels[key] = lab
        heads = ["unit", "p(yes)", "stated flip", "measured flip", "stated label", "measured label"]
        self.cf_table = QTableWidget(0, len(heads))
        self.cf_table.setHorizontalHeaderLabels(heads)
        self.cf_table.setAccessibleName("Counterfactual: stated vs measured flips")
        self.cf_table.hide()
        lay = QVBoxLayout(self)
        lay.addWidget(split, 3)
        row = QHBoxLayout()
        row.addLayout(self.metrics_grid)
        lay.addLayout(row)
        lay.addWidget(self.cf_table, 1)

    def display(
        self,
        result: ExampleResult | None,
        counterfactual_mode: bool = False,
        word_forms: bool = False,
    ) -> None:
        self.chart.display(result)
        if result is None or result.explanation is None:
            waiting = result is not None and result.probs and not result.metrics
            self._set_html("<i>explanation pending…</i>" if waiting else "<i>no explanation</i>")
        else:
            words = [result.units[i].text for i in result.cited]
            counts = {w: words.count(w) for w in words}  # "great" cited four times: once, ×4
            cites = ", ".join(
                f"[{html.escape(w)}]" + (f" ×{n}" if n > 1 else "") for w, n in counts.items()
            )
            cites = cites or "no unit of the input"
            self._set_html(
                f"<p>“{highlight_cited(result.explanation.text, words, word_forms)}”</p>"
                f"<p>cites {cites}</p>"
            )
        metrics = result.metrics if result is not None else {}
        for key, lab in self.metric_labels.items():
            v = metrics.get(key)
            shown = (
                "—"
                if v is None
                else (f"{v:.0f}" if key in ("rank", "explanation_words") else f"{v:.2f}")
            )
            set_text(lab, f"{TITLES[key]} <b>{shown}</b>")
        self._show_counterfactual(result if counterfactual_mode else None)

    def _set_html(self, text: str) -> None:
        if text != self._html:
            self._html = text
            self.stated.setHtml(text)

    def _show_counterfactual(self, result: ExampleResult | None) -> None:
        rows = (result.counterfactual or []) if result is not None else []
        self.cf_table.setVisible(result is not None)
        for key in COUNTERFACTUAL_METRICS:
            self.metric_labels[key].setVisible(result is not None)
        self.cf_table.setRowCount(len(rows))
        for r, c in enumerate(rows):
            unit = result.units[c["unit"]].text if c["unit"] < len(result.units) else "?"
            cells = [
                unit,
                f"{c['p_yes']:.2f}",
                "yes" if c["stated_flip"] else "no",
                "yes" if c["measured_flip"] else "no",
                c.get("stated_label") or "—",  # only asked where the model says yes
                c.get("measured_label") or "—",
            ]
            for col, text in enumerate(cells):
                self.cf_table.setItem(r, col, QTableWidgetItem(text))
