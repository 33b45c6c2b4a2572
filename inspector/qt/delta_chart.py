"""The measured Δ chart: horizontal bars of the top units, ranked, with the rest summarised.

Painted by hand rather than with pyqtgraph: the labels are laid out one per row at the font's
own height, so they cannot overlap at any length of input, DPI or window size, and the colours
are the shared Δ scale (``core.colors``) and the desktop palette.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..core import colors
from ..core.results import ExampleResult

TOP_K = 15  # at most this many bars; the ranked list beside the input has every unit
AXIS_CLEAR_MS = 600  # stale bars wait this long for the next result before they go
ESTIMATED_ALPHA = 80  # a coarse-to-fine estimate is drawn pale until its exact value lands


def ranked(deltas: list[float]) -> list[int]:
    """Unit indexes by Δ, largest first; ties keep reading order."""
    return sorted(range(len(deltas)), key=lambda i: (-deltas[i], i))


def rest_summary(deltas: list[float], shown: list[int]) -> str:
    """'+57 more, ΣΔ 0.12' for the units that did not get a bar."""
    rest = [d for i, d in enumerate(deltas) if i not in set(shown)]
    return f"+{len(rest)} more, ΣΔ {sum(rest):.2f}" if rest else ""


class DeltaChart(QWidget):
    unit_clicked = Signal(int)  # a unit index, when its bar is clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Measured shift per unit")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.heights: list[float] = []  # Δ per unit in reading order, for tests and readers
        self.cited_marks: list[int] = []
        self._why: dict[int, str] = {}  # cited unit -> how the explanation names it
        self.estimated: list[int] = []  # units whose bar is an estimate (core/coarse.py)
        self.words: list[str] = []  # the labels of what is drawn (may be stale while pending)
        self._signed: list[float] = []
        self._flips: list[bool] = []
        self._drawn: tuple[list[float], list[float], list[bool], list[int], list[str]] = (
            [],
            [],
            [],
            [],
            [],
        )
        self._stale = False
        self._rows: tuple | None = None  # (size, drawn) -> rows: painting reuses the layout
        self._generation = 0  # bumped whenever what is drawn changes (an id() can be reused)
        self._shown: tuple | None = None
        self._axis_clear = QTimer(self, singleShot=True, interval=AXIS_CLEAR_MS)
        self._axis_clear.timeout.connect(self._clear)
        self.setToolTip(
            "Measured Δ per unit, largest first: bar length = TVD when the unit is removed; "
            f"colour: {colors.LEGEND}; outlined bars flip the label; pale bars are estimates (a"
            " long input's sentence shift shared by its words), replaced as exact values arrive"
        )

    # -- data ---------------------------------------------------------------------
    @staticmethod
    def why(result: ExampleResult | None, cited: list[int]) -> list[str]:
        """Per cited unit, the tooltip: how the explanation names it (core.citing)."""
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
        deltas = list(result.deltas) if result is not None else []
        signed = list(result.signed) if result is not None else []
        flips = list(result.flips) if result is not None else []
        cited = [i for i in (result.cited if result else []) if i < len(deltas)]
        words = [u.text for u in result.units] if result is not None else []
        exact = result.exact if result is not None and result.exact is not None else []
        estimated = [i for i, e in enumerate(exact) if not e and i < len(deltas)]
        shown = (deltas, flips, cited, words, estimated)
        if shown == self._shown:
            return  # the sweep's last batch and the finished result draw the same bars
        self._shown = shown
        self.heights, self.cited_marks, self.estimated = deltas, cited, estimated
        self._why = dict(zip(cited, self.why(result, cited), strict=True)) if deltas else {}
        if deltas:
            self._axis_clear.stop()
            self._drawn = (deltas, signed, flips, cited, words[: len(deltas)])
            self._generation += 1
            self._stale = False
        else:
            # between an edit and its first result there are no bars for a moment: keep the
            # old ones, greyed, unless no result follows
            self._stale = bool(self._drawn[0])
            self._axis_clear.start()
        self.words = self._drawn[4]
        self.update()

    def _clear(self) -> None:
        self._drawn = ([], [], [], [], [])
        self._generation += 1
        self.words = []
        self._stale = False
        self.update()

    # -- layout ---------------------------------------------------------------------
    def _metrics(self) -> tuple[QFontMetrics, int, int]:
        fm = self.fontMetrics()
        row = fm.height() + max(2, fm.height() // 4)
        pad = max(4, fm.height() // 3)
        return fm, row, pad

    def rows(self) -> list[dict]:
        """What is drawn: per bar its unit, label rect, bar rect and value rect (widget coords)."""
        key = (self.size(), self._generation, self.font().key())
        if self._rows is None or self._rows[0] != key:
            self._rows = (key, self._layout())
        return self._rows[1]

    def _layout(self) -> list[dict]:
        deltas, _signed, _flips, cited, words = self._drawn
        if not deltas:
            return []
        fm, row, pad = self._metrics()
        top = pad + row  # the legend line
        avail = self.height() - top - row - pad  # a line is kept for "+N more"
        k = max(0, min(TOP_K, len(deltas), avail // row))
        order = ranked(deltas)[:k]
        marks = set(cited)
        labels = [(f"{colors.CITED_MARK} " if i in marks else "") + words[i] for i in order]
        label_w = min(
            max((fm.horizontalAdvance(t) for t in labels), default=0) + pad,
            int(self.width() * 0.4),
        )
        value_w = fm.horizontalAdvance("0.000") + pad
        bar_x = pad + label_w + pad
        bar_w = max(1, self.width() - bar_x - value_w - pad)
        vmax = max(max(deltas), 1e-9)
        out = []
        for r, i in enumerate(order):
            y = top + r * row
            length = max(1, round(deltas[i] / vmax * bar_w))
            out.append(
                {
                    "unit": i,
                    # the full label_w: eliding at exactly the widest advance cut "awful" to "aw…"
                    "label": fm.elidedText(labels[r], Qt.TextElideMode.ElideRight, label_w),
                    "label_rect": QRect(pad, y, label_w, row),
                    "bar_rect": QRect(bar_x, y + 2, length, row - 4),
                    "value_rect": QRect(bar_x + length + pad // 2, y, value_w, row),
                }
            )
        return out

    def summary(self) -> str:
        deltas = self._drawn[0]
        return rest_summary(deltas, [r["unit"] for r in self.rows()]) if deltas else ""

    def label_rects(self) -> list[QRect]:
        """Every text rectangle drawn (legend, unit labels, values, summary), for layout tests."""
        fm, row, pad = self._metrics()
        rows = self.rows()
        rects = [QRect(pad, pad, self.width() - 2 * pad, row)]
        for r in rows:
            rects.append(r["label_rect"])
            w = fm.horizontalAdvance(f"{self._drawn[0][r['unit']]:.3f}")
            rects.append(QRect(r["value_rect"].x(), r["value_rect"].y(), w, row))
        if self.summary():
            y = pad + row + len(rows) * row
            rects.append(QRect(pad, y, fm.horizontalAdvance(self.summary()), row))
        return rects

    def minimumSizeHint(self):  # noqa: N802 - Qt's name
        fm, row, pad = self._metrics()
        hint = super().minimumSizeHint()
        hint.setHeight(2 * pad + row * 6)  # legend, four bars, "+N more"
        hint.setWidth(fm.horizontalAdvance("M") * 18)
        return hint

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, _e):  # noqa: N802 - Qt's name
        p = QPainter(self)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        fm, row, pad = self._metrics()
        self._paint_legend(p, fm, row, pad, text)
        deltas, signed, flips, _cited, _words = self._drawn
        rows = self.rows()
        if not rows:
            p.setPen(muted)
            p.drawText(
                QRect(pad, pad + row, self.width() - 2 * pad, row * 2),
                Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                "No measured shifts yet: type an input, or pick an example.",
            )
            return
        for r in rows:
            i = r["unit"]
            color = QColor(*colors.side_rgb(signed[i] if i < len(signed) else None))
            if self._stale:
                color.setAlpha(70)
            elif i in self.estimated:
                color.setAlpha(ESTIMATED_ALPHA)
            p.fillRect(r["bar_rect"], color)
            if i < len(flips) and flips[i]:
                p.setPen(QPen(text, 2))
                p.drawRect(r["bar_rect"].adjusted(1, 1, -1, -1))
            p.setPen(muted if self._stale else text)
            align = Qt.AlignmentFlag.AlignVCenter
            p.drawText(r["label_rect"], align | Qt.AlignmentFlag.AlignRight, r["label"])
            p.drawText(r["value_rect"], align | Qt.AlignmentFlag.AlignLeft, f"{deltas[i]:.3f}")
        more = self.summary()
        if more:
            p.setPen(muted)
            y = pad + row + len(rows) * row
            p.drawText(
                QRect(pad, y, self.width() - 2 * pad, row),
                Qt.AlignmentFlag.AlignVCenter,
                more + " — every unit is in the ranked list",
            )

    def _paint_legend(self, p: QPainter, fm: QFontMetrics, row: int, pad: int, text) -> None:
        x, y, box = pad, pad, fm.height() - 4
        for rgb, name in ((colors.FOR, "for the answer"), (colors.AGAINST, "against")):
            p.fillRect(QRect(x, y + (row - box) // 2, box, box), QColor(*rgb))
            x += box + pad // 2
            p.setPen(text)
            p.drawText(QRect(x, y, fm.horizontalAdvance(name) + 2, row), Qt.AlignVCenter, name)
            x += fm.horizontalAdvance(name) + pad
        rest = f"{colors.CITED_MARK} cited · outlined = flips the label"
        p.drawText(
            QRect(x, y, max(0, self.width() - x - pad), row),
            Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(rest, Qt.TextElideMode.ElideRight, max(0, self.width() - x - pad)),
        )

    # -- interaction --------------------------------------------------------------------
    def _row_at(self, pos) -> dict | None:
        for r in self.rows():
            band = QRect(0, r["label_rect"].y(), self.width(), r["label_rect"].height())
            if band.contains(pos):
                return r
        return None

    def mousePressEvent(self, e):  # noqa: N802 - Qt's name
        r = self._row_at(e.position().toPoint())
        if r is not None and not self._stale:
            self.unit_clicked.emit(r["unit"])

    def event(self, e):
        if e.type() == QEvent.Type.ToolTip:
            r = self._row_at(e.pos())
            if r is not None:
                i = r["unit"]
                deltas, signed, flips, cited, words = self._drawn
                side = "against" if i < len(signed) and signed[i] > 0 else "for"
                QToolTip.showText(
                    e.globalPos(),
                    f"“{words[i]}”  Δ = {deltas[i]:.3f} ({side} the answer)"
                    + (f" · ◆ {self._why.get(i, 'cited')}" if i in cited else "")
                    + (" · flips the label" if i < len(flips) and flips[i] else ""),
                    self,
                )
                return True
        return super().event(e)
