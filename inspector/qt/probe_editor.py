"""Probe editor dock: open, edit and save probe TOML, validated as you type."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QGridLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from ..core.errors import ProbeError
from ..core.prefs import atomic_write
from ..core.probe import Probe, parse_probe


class ProbeEditor(QWidget):
    """Emits ``applied`` with a valid probe; invalid text shows its one-line message in place."""

    applied = Signal(object)
    open_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Probe editor")
        self.edit = QPlainTextEdit()
        self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.path: str | None = None
        self.apply_btn = QPushButton("Apply")
        self.apply_btn.setToolTip("Use this probe for the analysis (Ctrl+Shift+Return)")
        open_btn = QPushButton("Open…")
        save_btn = QPushButton("Save")
        save_as = QPushButton("Save as…")
        self.save_btn, self.save_as_btn = save_btn, save_as
        self.apply_btn.clicked.connect(self.apply)
        open_btn.clicked.connect(self.open_requested)
        row = QGridLayout()  # two by two: the right dock area stays narrow at 1280 px
        for i, b in enumerate((open_btn, save_btn, save_as, self.apply_btn)):
            row.addWidget(b, i // 2, i % 2)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.status)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.validate)
        self.edit.textChanged.connect(self._timer.start)
        self.probe: Probe | None = None

    def load(self, text: str, path: str | None) -> None:
        self.path = path
        self.edit.setPlainText(text)
        self.validate()

    def text(self) -> str:
        return self.edit.toPlainText()

    def validate(self) -> Probe | None:
        try:
            probe = parse_probe(self.text(), self.path)
        except ProbeError as exc:
            self.status.setText(f"<span style='color:#b00020'>✗ {exc}</span>")
            self.apply_btn.setEnabled(False)
            return None
        self.status.setText(
            f"<span style='color:#1b7f2a'>✓ valid</span> — {probe.name}: labels {', '.join(probe.labels)}"
        )
        self.apply_btn.setEnabled(True)
        return probe

    def apply(self) -> None:
        probe = self.validate()
        if probe is not None:
            self.probe = probe
            self.applied.emit(probe)

    def save(self, path: str | None = None) -> str | None:
        """Write the probe (valid or not: the user's text is never lost); returns the path."""
        path = path or self.path
        if not path:
            return None
        atomic_write(Path(path), self.text())
        self.path = path
        self.validate()
        return path
