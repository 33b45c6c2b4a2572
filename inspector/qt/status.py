"""Non-modal messages (a banner with "Copy details") and the status bar's progress and model line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStatusBar,
    QWidget,
)


def set_text(label: QLabel, text: str) -> None:
    """Change a label only when its text changes: every setText relayouts the window."""
    if label.text() != text:
        label.setText(text)


log = logging.getLogger(__name__)
COLORS = {"info": "#e8f0fe", "warning": "#fff4ce", "error": "#fde7e9"}
BANNER_TEXT = "#1a1a1a"


class MessageBanner(QFrame):
    """One line at the top of the window; never blocks, never shows a traceback unasked."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Message")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy = QPushButton("Copy details")
        self.copy.clicked.connect(self._copy)
        close = QPushButton("✕")
        close.setFlat(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.copy)
        lay.addWidget(close)
        self.details = ""
        self.level = "info"
        self.hide()

    def show_message(self, text: str, level: str = "info", details: str = "") -> None:
        self.level, self.details = level, details or text
        self.label.setText(text)
        # a light tint with dark text on any theme: the palette's text is light on a dark desktop
        self.setStyleSheet(
            f"MessageBanner {{ background: {COLORS.get(level, COLORS['info'])}; }}"
            f" MessageBanner QLabel {{ color: {BANNER_TEXT}; }}"
        )
        self.copy.setVisible(level in ("warning", "error"))
        self.show()

    def _copy(self) -> None:
        QApplication.clipboard().setText(self.details)


class StatusWidgets(QWidget):
    """Progress bar, Cancel and "model 134M · cpu · cache hit", inside the status bar."""

    cancel_requested = Signal()

    def __init__(self, bar: QStatusBar):
        super().__init__()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Cancel the running analysis (Esc)")
        self.cancel.clicked.connect(self.cancel_requested)
        self.model = QLabel("no model")
        self.message = QLabel("")
        bar.addWidget(self.message, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel)
        bar.addPermanentWidget(self.model)
        self.idle()

    def busy(self, done: int, total: int, message: str) -> None:
        if self.progress.maximum() != max(total, 0):
            self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{total}" if total else "…")
        set_text(self.message, message)
        self.progress.show()
        self.cancel.show()

    def idle(self, message: str = "") -> None:
        self.progress.hide()
        self.cancel.hide()
        set_text(self.message, message)


class ProgressRouter(QObject):
    """Which request the status bar shows; Esc and its Cancel button stop that one.

    Every job reports progress through its own handle; without this a side job (the pinned
    baseline) could leave the bar busy after the analysis ended, and Cancel could stop a
    timeline while the user meant the analysis, or the other way round.
    """

    SIDE_JOBS = ("baseline",)

    def __init__(self, status: StatusWidgets, worker, cancel_default: Callable[[], None]):
        super().__init__(status)
        self.status, self.worker, self._cancel_default = status, worker, cancel_default
        self.shown = None  # the Handle the bar shows
        # the last progress of each live request that showed: when an edit answered inside a
        # timeline ends, the bar goes back to the timeline instead of going idle
        self._last: dict = {}
        status.cancel_requested.connect(self.cancel_shown)
        worker.submitted.connect(self._follow)

    def _follow(self, handle) -> None:
        # slots find their handle with sender(): a lambda holding it would keep every handle alive
        if handle.kind in self.SIDE_JOBS:
            return
        if handle.kind == "analyze":
            handle.started.connect(self._on_started)
        handle.progress.connect(self._on_progress)
        handle.ended.connect(self._on_ended)
        handle.cancelled.connect(self._on_cancelled)

    def _on_started(self, _kind: str) -> None:
        self._show(self.sender(), 0, 0, "predicting…")

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self._show(self.sender(), done, total, message)

    def _on_ended(self) -> None:
        self._settle(self.sender(), None)

    def _on_cancelled(self) -> None:
        if self.shown is None:  # else the bar went back to other live work when this ended
            self.status.idle("cancelled")

    def _show(self, handle, done: int, total: int, message: str) -> None:
        self.shown, self._last[handle] = handle, (done, total, message)
        self.status.busy(done, total, message)

    def _settle(self, handle, message: str | None) -> None:
        """A request ended (finished, failed, cancelled, superseded or discarded)."""
        self._last.pop(handle, None)
        if handle is not self.shown and self.shown is not None:
            return
        self.shown = None
        live = [h for h in self._last if h.is_live()]
        if live:
            self._show(live[-1], *self._last[live[-1]])
        elif message is not None or not self.status.progress.isHidden():
            self.status.idle(message if message is not None else self.status.message.text())

    def cancel_shown(self) -> None:
        h = self.shown
        if h is not None and h.is_live():
            h.cancel()
        else:
            self._cancel_default()


class Messages:
    """What the window tells the user: the banner, the status bar and the log, in one place.

    An analysis error stays up until the next good result settles it; a result's notes (a
    capped input, a long sweep) are told once each, as soon as they are known.
    """

    def __init__(self, banner: MessageBanner, status: StatusWidgets, bar: QStatusBar):
        self.banner, self.status, self.bar = banner, status, bar
        self._settled_by_success: str | None = None
        self._noted: set[tuple[str, str]] = set()  # (input, note) already shown

    def show(self, text: str, level: str = "info", details: str = "") -> None:
        getattr(log, {"error": "error", "warning": "warning"}.get(level, "info"))("%s", text)
        self.banner.show_message(text, level, details)
        self.bar.showMessage(text, 8000)

    def error_until_success(self, message: str, details: str = "") -> None:
        self.show(message, "error", details)
        self._settled_by_success = message

    def notes(self, result) -> None:
        for note in result.notes if result is not None else ():
            if (result.input, note) not in self._noted:
                self._noted.add((result.input, note))
                self.show(note, "warning")

    def done(self, outcome) -> None:
        """An analysis finished: what failed before works now, and the model line says how."""
        if not self.banner.isHidden() and self.banner.label.text() == self._settled_by_success:
            self.banner.hide()
        hit = " · cache hit" if outcome.cache_hit else ""
        self.status.model.setText(f"{outcome.model_line}{hit}")
        secs = outcome.result.seconds.get("total")
        self.status.idle(f"done in {secs:.2f} s" if secs and not outcome.cache_hit else "done")

    def failed(self, message: str, details: str, checkpoint: str | None) -> None:
        self.status.idle("failed")
        if self.status.model.text().endswith("· loading"):
            name = Path(checkpoint).name if checkpoint else ""
            self.status.model.setText(f"{name} · not loaded")
        # the analysis and the baseline request fail alike: one banner, not two
        if not (self.banner.isVisible() and self.banner.label.text() == message):
            self.error_until_success(message, details)
