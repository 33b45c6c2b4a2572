"""Undoable text edits for the token editor (QUndoStack commands)."""

from __future__ import annotations

import time

from PySide6.QtGui import QUndoCommand

TYPING_ID = 1
MERGE_WINDOW_S = 1.0


class SetText(QUndoCommand):
    """Replace the editor's whole text; typing bursts merge into one command."""

    def __init__(
        self,
        editor,
        old: str,
        new: str,
        label: str,
        typing: bool = False,
        cursor: int | None = None,
        already_applied: bool = False,
    ):
        super().__init__(label)
        self.editor, self.old, self.new = editor, old, new
        self.typing = typing
        self.cursor = cursor
        self._skip_first = already_applied
        self._t = time.monotonic()

    def id(self) -> int:  # noqa: A003 - Qt's name
        return TYPING_ID if self.typing else -1

    def mergeWith(self, other) -> bool:  # noqa: N802 - Qt's name
        if not (other.typing and self.typing) or other._t - self._t > MERGE_WINDOW_S:
            return False
        self.new, self.cursor, self._t = other.new, other.cursor, other._t
        return True

    def redo(self) -> None:
        if self._skip_first:
            self._skip_first = False
            return
        self.editor.apply_text(self.new, self.cursor)

    def undo(self) -> None:
        self.editor.apply_text(self.old, None)
