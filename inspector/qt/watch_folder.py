"""File ▸ Watch folder: the timeline of a run that is still training, growing as it saves.

A QTimer asks the core watcher (``inspector.training.watch.RunWatcher``) on the window's
worker for checkpoints whose save has completed; each is analysed there (or served from the
results the training callback stored) and the timeline dock redraws. The UI thread only
starts polls and draws.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from ..core.errors import InspectorError
from ..training.watch import RunWatcher

KIND = "watch"
POLL_MS = 5000


class FolderWatch(QObject):
    def __init__(self, win):
        super().__init__(win)
        self.win = win
        self.watcher: RunWatcher | None = None
        self.req_id: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        win.worker.finished.connect(self._on_finished)
        win.worker.failed.connect(self._on_failed)
        win.worker.cancelled.connect(self._on_cancelled)

    @property
    def active(self) -> bool:
        return self.watcher is not None

    def start(self, folder) -> bool:
        """Follow ``folder`` with the window's probe, inputs and settings; False if it cannot."""
        win = self.win
        probe = win.probe
        examples = win.timeline.inputs() if hasattr(win, "timeline") else list(win.inputs)
        if probe is None or not examples:
            win.show_message("Watching a run needs a probe and at least one input", "warning")
            return False
        ref = win.timeline.reference.currentText() if hasattr(win, "timeline") else ""
        try:
            self.watcher = RunWatcher(
                folder, probe, examples, win.settings, reference=ref or None,
                cache=win.worker.cache,
            )  # fmt: skip
        except InspectorError as exc:
            win.show_message(str(exc), "warning")
            return False
        self._say(f"watching {Path(folder).name}: waiting for a completed checkpoint")
        self.timer.start()
        self.poll()
        return True

    def stop(self) -> None:
        self.timer.stop()
        if self.req_id is not None:
            self.win.worker.discard(self.req_id)
        self.req_id = None
        if self.watcher is not None:
            self._say(f"stopped watching {self.watcher.root.name}")
        self.watcher = None

    def poll(self) -> None:
        if self.watcher is None or (
            self.req_id is not None and self.win.worker.is_live(self.req_id)
        ):
            return  # one poll at a time: a slow checkpoint is not analysed twice
        watcher = self.watcher

        def job(pool, task, emit):
            watcher.pool = pool  # the worker's pool: one resident model for the whole app
            return watcher.poll(task)

        self.req_id = self.win.worker.submit(KIND, job)

    def _on_finished(self, req_id: int, new) -> None:
        if req_id != self.req_id or self.watcher is None:
            return
        self.req_id = None
        if not new:
            return
        view = self.win.timeline
        view.result = self.watcher.timeline()
        view.redraw()
        self.win.sync_example_results()
        n = len(view.result.checkpoints)
        self._say(f"watching {self.watcher.root.name}: {n} checkpoints, latest {new[-1].name}")

    def _on_failed(self, req_id: int, message: str, details: str) -> None:
        if req_id == self.req_id:
            self.req_id = None  # the next tick tries again: the folder may be mid-write
            self._say(f"watch: {message}")

    def _on_cancelled(self, req_id: int) -> None:
        if req_id == self.req_id:
            self.req_id = None

    def _say(self, text: str) -> None:
        if hasattr(self.win, "timeline"):
            self.win.timeline.info.setText(text)


def install(win) -> None:
    watch = FolderWatch(win)
    act = QAction("&Watch folder…", win, checkable=True)
    act.setStatusTip("Follow a training run folder: each new checkpoint is analysed once saved")

    def toggled(on: bool) -> None:
        if not on:
            watch.stop()
            return
        folder = win.series_path or (str(win.series.root) if win.series is not None else None)
        if folder is None or not Path(folder).is_dir():
            folder = QFileDialog.getExistingDirectory(win, "Watch a training run folder")
        if not folder or not watch.start(folder):
            act.setChecked(False)
            return
        if hasattr(win, "timeline_dock"):
            win.timeline_dock.show()
            win.timeline_dock.raise_()

    act.toggled.connect(toggled)
    menu = win.menus.get("File")
    if menu is not None:
        menu.insertAction(menu.actions()[-1] if menu.actions() else None, act)
    win.addAction(act)
    win.folder_watch = watch
    win.watch_folder_action = act
