"""The token editor: the input as units tinted by measured Δ, editable by typing or unit by unit."""

from __future__ import annotations

import bisect

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QUndoStack,
)
from PySide6.QtWidgets import QLineEdit, QMenu, QPlainTextEdit, QTextEdit

from ..core import colors
from ..core.results import ExampleResult
from ..core.units import Unit, ablate, word_units
from .undo import SetText


def _rgb(c: QColor) -> colors.RGB:
    return (c.red(), c.green(), c.blue())


def tint_for(
    delta: float, signed: float | None = None, vmax: float = 1.0, base: QColor | None = None
) -> tuple[QColor, QColor]:
    """(background, text colour) of a unit: the shared Δ scale over the editor's own base."""
    bg = colors.delta_rgb(delta, signed, vmax, _rgb(base) if base is not None else colors.WHITE)
    return QColor(*bg), QColor(*colors.text_on(bg))


class _UnitPopup(QLineEdit):
    """Inline box for replacing a unit or inserting one after it (Enter applies, Esc closes)."""

    def __init__(self, editor: TokenEditor):
        super().__init__(editor.viewport())
        self.editor = editor
        self.mode, self.index = "replace", -1
        self.hide()

    def open(self, mode: str, index: int, rect) -> None:
        self.mode, self.index = mode, index
        unit = self.editor.units()[index] if index >= 0 else None
        self.setText(unit.text if (mode == "replace" and unit) else "")
        self.setPlaceholderText("replace with…" if mode == "replace" else "insert after…")
        self.setGeometry(rect.left(), rect.bottom() + 2, 180, self.sizeHint().height())
        self.show()
        self.selectAll()
        self.setFocus()

    def _apply(self) -> None:
        word = self.text().strip()
        self.hide()
        self.editor.setFocus()
        if word and self.mode == "replace":
            self.editor.replace_unit(self.index, word)
        elif word:
            self.editor.insert_after(self.index, word)

    def event(self, e):
        # keep Esc for closing this box, not for the window's Cancel shortcut
        if e.type() == QEvent.Type.ShortcutOverride and e.key() == Qt.Key.Key_Escape:
            e.accept()
            return True
        return super().event(e)

    def keyPressEvent(self, e):  # noqa: N802 - Qt's name
        if e.key() == Qt.Key.Key_Escape:
            self.hide()
            self.editor.setFocus()
            return
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # QLineEdit ignores Return after returnPressed, so the key travelled on to the
            # editor under this box and typed a newline into the input
            e.accept()
            self._apply()
            return
        super().keyPressEvent(e)


class TokenEditor(QPlainTextEdit):
    """Free text plus unit operations; every change is one undoable command."""

    edited = Signal(str)  # the new text, after any change (typing, unit edit, undo)

    def __init__(self, stack: QUndoStack | None = None, parent=None):
        super().__init__(parent)
        self.stack = stack or QUndoStack(self)
        self.setUndoRedoEnabled(False)  # the QUndoStack is the only history
        self.setPlaceholderText("Type an input, or pick an example…")
        self.setAccessibleName("Input editor")
        self._text = ""
        self._applying = False
        self._result: ExampleResult | None = None
        self.painted: list[tuple[Unit, float, bool]] = []  # (unit, Δ, cited) as shown
        # per text: its word units; per (result, text): the Δ tints. A 10,000-word input
        # must not be split and tinted again on every key press or cursor move.
        self._words: tuple[str, list[Unit], list[int]] = ("", [], [])
        self._tints: tuple[tuple, tuple] = ((), ([], []))
        self.popup = _UnitPopup(self)
        self.textChanged.connect(self._on_typed)
        self.cursorPositionChanged.connect(self._repaint)

    # -- text and history ------------------------------------------------------
    def text(self) -> str:
        return self._text

    def apply_text(self, text: str, cursor: int | None = None) -> None:
        """Set the text without recording history (used by undo commands)."""
        self._applying = True
        self._text = text  # before setPlainText: its cursor signals repaint against this text
        self.setPlainText(text)
        self._applying = False
        if cursor is not None:
            c = self.textCursor()
            c.setPosition(max(0, min(cursor, len(text))))
            self.setTextCursor(c)
        self._repaint()
        self.edited.emit(text)

    def set_text(self, text: str, label: str = "Set input") -> None:
        if text != self._text:
            self.stack.push(SetText(self, self._text, text, label, cursor=len(text)))

    def _on_typed(self) -> None:
        if self._applying:
            return
        new = self.toPlainText()
        if new == self._text:
            return
        cmd = SetText(
            self,
            self._text,
            new,
            "Typing",
            typing=True,
            cursor=self.textCursor().position(),
            already_applied=True,
        )
        self._text = new
        self.stack.push(cmd)
        self._repaint()
        self.edited.emit(new)

    def keyPressEvent(self, e):  # noqa: N802 - Qt's name
        # the built-in undo is off; route the keys to the shared stack instead
        if e.matches(QKeySequence.StandardKey.Undo):
            self.stack.undo()
        elif e.matches(QKeySequence.StandardKey.Redo):
            self.stack.redo()
        else:
            super().keyPressEvent(e)

    # -- units -----------------------------------------------------------------
    def units(self) -> list[Unit]:
        return list(self._units_and_starts()[0])

    def _units_and_starts(self) -> tuple[list[Unit], list[int]]:
        r = self._result
        if r is not None and r.input == self._text and r.units:
            return r.units, [u.start for u in r.units]
        if self._words[0] != self._text:
            units = word_units(self._text)
            self._words = (self._text, units, [u.start for u in units])
        return self._words[1], self._words[2]

    def unit_at(self, pos: int | None = None) -> int:
        """The unit under the cursor (or the nearest one before it); -1 when there is none."""
        pos = self.textCursor().position() if pos is None else pos
        units, starts = self._units_and_starts()
        i = bisect.bisect_right(starts, pos) - 1
        if i > 0 and units[i - 1].end >= pos:  # touching units: the earlier one wins
            return i - 1
        return i

    def select_unit(self, step: int) -> None:
        units = self.units()
        if not units:
            return
        pos = self.textCursor().selectionStart() if step < 0 else self.textCursor().selectionEnd()
        if step > 0:
            nxt = [i for i, u in enumerate(units) if u.start >= pos]
            i = nxt[0] if nxt else len(units) - 1
        else:
            prv = [i for i, u in enumerate(units) if u.end < pos]
            i = prv[-1] if prv else 0
        c = self.textCursor()
        c.setPosition(units[i].start)
        c.setPosition(units[i].end, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(c)

    def select_unit_index(self, index: int) -> None:
        """Select unit ``index`` and scroll it into view (a click in the ranked list or chart)."""
        units = self.units()
        if 0 <= index < len(units):
            c = self.textCursor()
            c.setPosition(units[index].start)
            c.setPosition(units[index].end, QTextCursor.MoveMode.KeepAnchor)
            self.setTextCursor(c)
            self.ensureCursorVisible()
            self.setFocus()

    def delete_unit(self, index: int | None = None) -> None:
        units = self.units()
        i = self.unit_at() if index is None else index
        if 0 <= i < len(units):
            new = ablate(self._text, units, {i})
            self.stack.push(
                SetText(
                    self,
                    self._text,
                    new,
                    f"Delete “{units[i].text}”",
                    cursor=min(units[i].start, len(new)),
                )
            )

    def replace_unit(self, index: int, word: str) -> None:
        units = self.units()
        if 0 <= index < len(units):
            u = units[index]
            new = self._text[: u.start] + word + self._text[u.end :]
            self.stack.push(
                SetText(self, self._text, new, f"Replace “{u.text}”", cursor=u.start + len(word))
            )

    def insert_after(self, index: int, word: str) -> None:
        units = self.units()
        at = units[index].end if 0 <= index < len(units) else len(self._text)
        sep = " " if at > 0 and not self._text[at - 1 : at].isspace() else ""
        new = self._text[:at] + sep + word + self._text[at:]
        self.stack.push(
            SetText(self, self._text, new, f"Insert “{word}”", cursor=at + len(sep + word))
        )

    def open_popup(self, mode: str) -> None:
        i = self.unit_at()
        if mode == "replace" and i < 0:
            return
        c = QTextCursor(self.document())
        units = self.units()
        if 0 <= i < len(units):
            c.setPosition(units[i].start)
        self.popup.open(mode, i, self.cursorRect(c))

    def mouseDoubleClickEvent(self, e):  # noqa: N802 - Qt's name
        self.setTextCursor(self.cursorForPosition(e.position().toPoint()))
        self.open_popup("replace")

    def contextMenuEvent(self, e):  # noqa: N802 - Qt's name
        i = self.unit_at(self.cursorForPosition(e.pos()).position())
        menu: QMenu = self.createStandardContextMenu()
        units = self.units()
        if 0 <= i < len(units):
            word = units[i].text
            menu.insertSeparator(menu.actions()[0])
            first = menu.actions()[0]
            for label, fn in (
                (f"Delete “{word}”", lambda: self.delete_unit(i)),
                (f"Replace “{word}”…", lambda: self._popup_at(i, "replace")),
                (f"Insert after “{word}”…", lambda: self._popup_at(i, "insert")),
            ):
                act = menu.addAction(label)
                act.triggered.connect(fn)
                menu.insertAction(first, act)
        menu.exec(e.globalPos())

    def _popup_at(self, i: int, mode: str) -> None:
        c = self.textCursor()
        c.setPosition(self.units()[i].start)
        self.setTextCursor(c)
        self.open_popup(mode)

    # -- painting --------------------------------------------------------------
    def show_result(self, result: ExampleResult | None) -> None:
        self._result = result
        self._repaint()

    def _repaint(self) -> None:
        sels, painted = self._tint_selections()
        unit = self._cursor_unit() if self.hasFocus() else None
        if unit is not None:
            fmt = QTextCharFormat()
            fmt.setFontOverline(True)
            sels = [*sels, self._selection(unit, fmt)]
        self.painted = painted
        self.setExtraSelections(sels)

    def _cursor_unit(self) -> Unit | None:
        r = self._result
        if (r is not None and r.input == self._text and r.units) or self._words[0] == self._text:
            units, i = self._units_and_starts()[0], self.unit_at()
            return units[i] if 0 <= i < len(units) else None
        # while typing, split only the text around the cursor, not all of a long input
        pos = self.textCursor().position()
        lo = max(0, pos - 256)
        near = word_units(self._text[lo : pos + 256])
        i = bisect.bisect_right([u.start for u in near], pos - lo) - 1
        if i > 0 and near[i - 1].end >= pos - lo:
            i -= 1
        return None if i < 0 else Unit(near[i].text, near[i].start + lo, near[i].end + lo)

    def _tint_selections(self) -> tuple[list, list[tuple[Unit, float, bool]]]:
        r = self._result
        # results fill in while streaming: the key changes with every new batch of units
        key = (id(r), self._text) + (
            (len(r.unit_probs), id(r.explanation), len(r.units)) if r is not None else ()
        )
        if self._tints[0] == key:
            return self._tints[1]
        sels, painted = [], []
        if r is not None and r.input == self._text:
            deltas, signed, cited = r.deltas, r.signed, set(r.cited)
            vmax = max(deltas, default=0.0)
            base = self.palette().color(QPalette.ColorRole.Base)
            for i, unit in enumerate(r.units):
                d = deltas[i] if i < len(deltas) else None
                fmt = QTextCharFormat()
                if d is not None:
                    bg, fg = tint_for(d, signed[i], vmax, base)
                    fmt.setBackground(bg)
                    fmt.setForeground(fg)
                    side = "for" if signed[i] <= 0 else "against"
                    fmt.setToolTip(
                        f"“{unit.text}”  Δ = {d:.3f} ({side} the answer)"
                        + (f"  · {colors.CITED_MARK} cited" if i in cited else "")
                    )
                    painted.append((unit, d, i in cited))
                elif i not in cited:
                    continue
                if i in cited:
                    # underlined in the text colour: readable on every tint, light or dark theme
                    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                    fmt.setFontWeight(700)
                sels.append(self._selection(unit, fmt))
        self._tints = (key, (sels, painted))
        return sels, painted

    def _selection(self, unit: Unit, fmt: QTextCharFormat) -> QTextEdit.ExtraSelection:
        sel = QTextEdit.ExtraSelection()
        c = QTextCursor(self.document())
        end = self.document().characterCount() - 1  # the document, not _text: it may lag an edit
        c.setPosition(min(unit.start, end))
        c.setPosition(min(unit.end, end), QTextCursor.MoveMode.KeepAnchor)
        sel.cursor, sel.format = c, fmt
        return sel

    def event(self, e):
        if e.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self._repaint()
        return super().event(e)
