"""Stated vs measured: the explanation with cited units highlighted, Δ bars, metrics, counterfactuals."""

from __future__ import annotations

import html

from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ..core.citing import why_text
from ..core.example_metrics import COUNTERFACTUAL_METRICS, EXPLANATION_METRICS
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
    """HTML of ``text`` with each cited word marked (the core's own match).

    Each mark is a link to ``cite:<start>`` so hovering it can say why the unit counts.
    """
    out, pos = [], 0
    for start, end in cited_spans(text, words, word_forms):
        out.append(html.escape(text[pos:start]))
        out.append(
            f'<a href="cite:{start}" style="text-decoration:none">'
            f'<span style="background:#cfe0fb;color:#0b3d91;font-weight:bold">{html.escape(text[start:end])}</span></a>'
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
        self.stated.setOpenLinks(False)  # a cited word links to why it counts, shown on hover
        self.stated.highlighted.connect(self._on_hover_cite)
        self._html = ""
        self._result: ExampleResult | None = None
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
        self._result = result
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
            if key == "hit_at_1" and v is None and metrics.get("decided") is False:
                shown = f"— undecided (largest Δ below τ = {metrics.get('tau')})"
            elif key == "hit_at_1" and metrics.get("hit_at_1_chance") is not None:
                shown += f"</b> (chance {metrics['hit_at_1_chance']:.2f})<b>"
            set_text(lab, f"{TITLES[key]} <b>{shown}</b>")
        self._show_counterfactual(result if counterfactual_mode else None)

    def cite_tooltip(self, start: int) -> str:
        """Why the cited word at ``start`` of the explanation counts (core.citing records)."""
        r = self._result
        if r is None or r.explanation is None:
            return ""
        said = r.explanation.text
        word = said[start:].split(maxsplit=1)[0] if said[start:].strip() else ""
        lines = [
            why_text(c, r.units[c["unit"]].text)
            for c in r.explanation.why
            if c["unit"] < len(r.units)
            and (
                c.get("at", [None])[0] == start
                or word.casefold().startswith(c["matched"].casefold())
            )
        ]
        return "\n".join(dict.fromkeys(lines))

    def _on_hover_cite(self, url) -> None:
        text = url.toString() if hasattr(url, "toString") else str(url)
        tip = self.cite_tooltip(int(text[5:])) if text.startswith("cite:") else ""
        self.stated.setToolTip(tip)
        if tip:
            QToolTip.showText(QCursor.pos(), tip, self.stated)
        else:
            QToolTip.hideText()

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
