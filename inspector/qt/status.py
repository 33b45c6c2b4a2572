"""Non-modal messages (a banner with "Copy details") and the status bar's progress and model line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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


COLORS = {"info": "#e8f0fe", "warning": "#fff4ce", "error": "#fde7e9"}


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
        self.setStyleSheet(f"MessageBanner {{ background: {COLORS.get(level, COLORS['info'])}; }}")
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
