"""GUI entry point: `inspector` with no arguments, `inspector gui [PATH]`, or `inspector-gui`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from . import __version__

log = logging.getLogger(__name__)


def open_demo(win):
    """Build the demo series in the worker (progress in the status bar), then open its 'fixed' run.

    Returns the request's Handle."""
    from .demo.job import demo_job
    from .demo.series import demo_root, is_complete

    if is_complete(demo_root()):
        win.status.busy(0, 0, "opening the demo series…")
    else:
        win.status.busy(0, 0, "building the demo series (first launch, about a minute)…")
        if win.banner.isHidden():  # a warning already up (a lost session) matters more
            win.show_message(
                "Building the demo series on first launch; it is cached for next time.", "info"
            )

    def finished(root) -> None:
        win.status.idle("demo ready")
        if win.banner.label.text().startswith("Building the demo"):
            win.banner.hide()
        win.open_path(Path(root) / "fixed")
        from .demo.story import story_report

        holds, report = story_report(root)
        if not holds:  # never a silent broken story (demo/story.py)
            win.show_message(" ".join(report.split()), "warning", report)

    def failed(message: str, details: str) -> None:
        win.status.idle("")
        win.show_message(f"the demo could not be built: {message}", "error", details)

    handle = win.worker.submit("demo", demo_job())
    handle.finished.connect(finished)
    handle.failed.connect(failed)
    return handle.start()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from .sysdeps import problem as missing_system_libraries

    # Qt aborts the process, naming no library, when its display plugin cannot load
    if (message := missing_system_libraries()) is not None:
        print(f"inspector: error: {message}", file=sys.stderr)
        return 1
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from .core.logs import setup_logging
    from .qt.about import APP_ID, app_icon
    from .qt.binding import problem
    from .qt.main_window import MainWindow
    from .qt.session_io import restore_last

    app = QApplication.instance() or QApplication([sys.argv[0]])
    if (message := problem()) is not None:
        from PySide6.QtWidgets import QMessageBox

        print(f"inspector: error: {message}", file=sys.stderr)
        QMessageBox.critical(None, "Inspector cannot start", message)
        return 1
    app.setApplicationName("Inspector")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("inspector")
    QGuiApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    setup_logging()
    log.info("Inspector %s starting", __version__)
    win = MainWindow()
    win.resize(1280, 800)
    if argv:
        win.open_path(argv[0])
    elif not restore_last(win):
        open_demo(win)
    win.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
