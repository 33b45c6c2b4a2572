"""Cooperative progress and cancellation for long work (after Orange's TaskState)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import Cancelled

ProgressFn = Callable[[int, int, str], None]


class TaskState:
    """Passed into long-running core calls; the caller may cancel from any thread."""

    def __init__(
        self,
        on_progress: ProgressFn | None = None,
        on_yield: Callable[[str | None], None] | None = None,
    ):
        self._cancel = threading.Event()
        self._on_progress = on_progress
        self._on_yield = on_yield

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Stop here if the user cancelled."""
        if self._cancel.is_set():
            raise Cancelled()

    def let_others_run(self, loaded: str | None = None) -> None:
        """A point where long work may pause for quick work that waits (a live edit).

        ``loaded`` is the checkpoint this work holds in memory right now (None: none), so
        only quick work on that same model runs here and memory never holds two models.
        """
        if self._on_yield is not None:
            self._on_yield(loaded)
        self.check()

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.check()
        if self._on_progress is not None:
            self._on_progress(done, total, message)


def ensure_task(task: TaskState | None) -> TaskState:
    return task if task is not None else TaskState()
