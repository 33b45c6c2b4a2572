"""Help ▸ About Inspector (versions, device, paths; copyable) and Help ▸ Open log folder."""

from __future__ import annotations

import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from .. import __version__
from ..core import paths
from ..core.logs import log_file

APP_ID = "io.github.inspector.Inspector"


def app_icon() -> QIcon:
    """The app icon from the bundled PNGs (every size, so each place picks the sharpest)."""
    icon = QIcon()
    for png in sorted((paths.resources_dir() / "icons").glob("inspector-*.png")):
        icon.addFile(str(png))
    return icon


def about_text(device: str = "auto") -> str:
    """Plain text a user can paste into a bug report."""
    import torch
    import transformers

    from ..core.loading import pick_device

    resolved = pick_device(device).type
    lines = [
        f"Inspector {__version__}",
        "",
        f"Python       {platform.python_version()} ({sys.platform})",
        f"torch        {torch.__version__}",
        f"transformers {transformers.__version__}",
        f"Qt           {qVersion()}",
        f"PySide6      {pyside_version}",
        f"device       {resolved} (preference: {device})",
        "",
    ]
    for name, path in paths.all_paths().items():
        lines.append(f"{name:<12} {path}")
    lines.append(f"{'log file':<12} {log_file()}")
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, text: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("About Inspector")
        self.setWindowIcon(app_icon())
        lay = QVBoxLayout(self)
        heading = QLabel(
            "<b>Inspector</b> — does a model's stated explanation track what actually drives its answer?"
        )
        heading.setWordWrap(True)
        lay.addWidget(heading)
        self.details = QPlainTextEdit(text)
        self.details.setReadOnly(True)  # read-only still selects and copies
        self.details.setMinimumSize(560, 260)
        lay.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy these details to the clipboard, e.g. for a bug report")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


def show_about(window) -> AboutDialog:
    dialog = AboutDialog(about_text(window.worker.pool.device), window)
    window.about_dialog = dialog  # kept so it is not collected while open, and reachable in tests
    dialog.show()
    return dialog


def open_log_folder(window) -> bool:
    folder = paths.log_dir()
    ok = QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
    if not ok:
        window.show_message(f"could not open the log folder; it is {folder}", "warning")
    return ok


def install(window) -> tuple[QAction, QAction]:
    """Help ▸ About and Help ▸ Open log folder, for the window to keep."""
    help_menu = window.menus["Help"]
    help_menu.addSeparator()
    logs = QAction("Open &log folder", window)
    logs.setStatusTip(f"Show {paths.log_dir()} in the file manager")
    logs.triggered.connect(lambda: open_log_folder(window))
    help_menu.addAction(logs)
    about = QAction("&About Inspector", window)
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(lambda: show_about(window))
    help_menu.addAction(about)
    if window.windowIcon().isNull():
        window.setWindowIcon(app_icon())
    return about, logs
