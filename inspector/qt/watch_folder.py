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
        self.request = None  # the Handle of the poll in flight
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    @property
    def active(self) -> bool:
        return self.watcher is not None

    def start(self, folder) -> bool:
        """Follow ``folder`` with the window's probe, inputs and settings; False if it cannot."""
        win = self.win
        probe = win.probe
        examples = win.timeline.inputs()
        if probe is None or not examples:
            win.show_message("Watching a run needs a probe and at least one input", "warning")
            return False
        ref = win.timeline.reference.currentText()
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
        if self.request is not None:
            self.request.discard()
        self.request = None
        if self.watcher is not None:
            self._say(f"stopped watching {self.watcher.root.name}")
        self.watcher = None

    def poll(self) -> None:
        if self.watcher is None or self.win.worker.is_live(self.request):
            return  # one poll at a time: a slow checkpoint is not analysed twice
        watcher = self.watcher

        def job(pool, task, emit):
            watcher.pool = pool  # the worker's pool: one resident model for the whole app
            return watcher.poll(task)

        self.request = h = self.win.worker.submit(KIND, job)
        h.finished.connect(self._on_finished)
        # a failed poll is tried again at the next tick: the folder may be mid-write
        h.failed.connect(lambda message, _details: self._say(f"watch: {message}"))
        h.start()

    def _on_finished(self, new) -> None:
        if not new or self.watcher is None:
            return
        timeline = self.win.state.timeline = self.watcher.timeline()
        n = len(timeline.checkpoints)
        self._say(f"watching {self.watcher.root.name}: {n} checkpoints, latest {new[-1].name}")

    def _say(self, text: str) -> None:
        self.win.timeline.info.setText(text)


def install(win) -> tuple[FolderWatch, QAction]:
    """File ▸ Watch folder, for the window to keep."""
    watch = FolderWatch(win)
    act = QAction("&Watch folder…", win, checkable=True)
    act.setStatusTip("Follow a training run folder: each new checkpoint is analysed once saved")

    def toggled(on: bool) -> None:
        if not on:
            watch.stop()
            return
        st = win.state
        folder = st.series_path or (str(st.series.root) if st.series is not None else None)
        if folder is None or not Path(folder).is_dir():
            folder = QFileDialog.getExistingDirectory(win, "Watch a training run folder")
        if not folder or not watch.start(folder):
            act.setChecked(False)
            return
        win.timeline_dock.show()
        win.timeline_dock.raise_()

    act.toggled.connect(toggled)
    menu = win.menus["File"]
    menu.insertAction(menu.actions()[-1] if menu.actions() else None, act)
    win.addAction(act)
    return watch, act
