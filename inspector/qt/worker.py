"""One background thread that owns the models: requests carry ids, the latest of a kind wins.

Ideas from superqt's thread_worker, napari's slicer and Orange's TaskState:
jobs run on a single QThread, stop cooperatively through a TaskState, and
every signal a job raises is first routed through the UI thread, which drops
it unless its request is still live. Because ``submit`` and ``cancel`` run on
the UI thread too, a superseded request can never be painted, however late
its queued signals arrive.

Long work (a timeline, a report) lets quick work (a live edit, its baseline) run
inside it at ``TaskState.let_others_run`` points, so an edit is answered within one
example of the timeline instead of after all of it; only edits on the model the long
work holds run there, the others wait for its next checkpoint boundary.
"""

from __future__ import annotations

import logging
import threading
import traceback
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ..core.cache import ResultCache
from ..core.errors import Cancelled, InspectorError
from ..core.loading import ModelPool
from ..core.tasks import TaskState

log = logging.getLogger(__name__)
Emit = Callable[[str, object], None]
Job = Callable[[ModelPool, TaskState, Emit], object]
LIVE_WORKERS: weakref.WeakSet = weakref.WeakSet()  # the test suite checks none is left running


QUICK = ("analyze", "baseline")  # kinds that may run inside long work


@dataclass
class _Request:
    req_id: int
    kind: str
    job: Job
    model: str | None = None  # the checkpoint it loads, when known
    task: TaskState = field(default_factory=TaskState)


class _Queue:
    """FIFO of requests that also hands out the quick ones waiting behind long work."""

    def __init__(self):
        self._items: deque[_Request | None] = deque()
        self._ready = threading.Condition()

    def put(self, req: _Request | None) -> None:
        with self._ready:
            self._items.append(req)
            self._ready.notify()

    def get(self) -> _Request | None:
        with self._ready:
            while not self._items:
                self._ready.wait()
            return self._items.popleft()

    def take_quick(self, loaded: str | None) -> list[_Request]:
        """Quick requests that may run now: any at a boundary, else those on ``loaded``."""
        with self._ready:
            out = []
            for r in self._items:
                if r is None or r.kind not in QUICK:
                    break  # never ahead of queued work (a device change, a revoked trust)
                if loaded is None or r.model is None or r.model == loaded:
                    out.append(r)
            for r in out:
                self._items.remove(r)
            return out


class _Thread(QThread):
    """Runs queued requests one at a time; never touches widgets."""

    def __init__(self, owner: Worker):
        super().__init__()
        self.setObjectName("inspector-worker")
        self._owner = owner
        self.requests = _Queue()

    def run(self) -> None:
        while True:
            req = self.requests.get()
            if req is None:
                return
            if not req.task.cancelled:
                self._owner._execute(req)


class Worker(QObject):
    started = Signal(int, str)
    progress = Signal(int, int, int, str)
    event = Signal(int, str, object)
    finished = Signal(int, object)
    failed = Signal(int, str, str)
    cancelled = Signal(int)
    ended = Signal(int)  # a request left the live set, however (even superseded or discarded)
    # raw signals go worker thread -> UI thread, where _route filters stale ones
    _raw = Signal(int, str, object)

    def __init__(
        self, pool: ModelPool | None = None, cache: ResultCache | None = None, parent=None
    ):
        super().__init__(parent)
        self.pool = pool or ModelPool()
        self.cache = cache or ResultCache()
        self._ids = count(1)
        self._live: dict[int, _Request] = {}
        self._raw.connect(self._route, Qt.ConnectionType.QueuedConnection)
        self._thread = _Thread(self)
        self._thread.start()
        LIVE_WORKERS.add(self)

    # -- UI thread API ---------------------------------------------------------
    def submit(self, kind: str, job: Job, model: str | None = None) -> int:
        """Queue ``job`` (which loads ``model``, if known); a live request of its kind is superseded."""
        for old in [r for r in self._live.values() if r.kind == kind]:
            self._drop(old)
        req = _Request(next(self._ids), kind, job, model)
        req.task = TaskState(
            lambda d, t, m, rid=req.req_id: self._raw.emit(rid, "progress", (d, t, m)),
            None if kind in QUICK else self._run_quick,
        )
        self._live[req.req_id] = req
        self._thread.requests.put(req)
        return req.req_id

    def cancel(self, req_id: int | None = None) -> None:
        """Stop one request (or all); each live one reports ``cancelled`` once."""
        targets = list(self._live.values()) if req_id is None else [self._live.get(req_id)]
        for req in targets:
            if req is not None:
                self._drop(req)
                self.cancelled.emit(req.req_id)

    def discard(self, req_id: int) -> None:
        """Stop a request silently: nothing more is delivered for it, not even ``cancelled``."""
        req = self._live.get(req_id)
        if req is not None:
            self._drop(req)

    def busy(self) -> bool:
        return bool(self._live)

    def is_live(self, req_id: int) -> bool:
        return req_id in self._live

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel everything and join the thread, so nothing outlives the window."""
        if not self._thread.isRunning():
            return
        for req in list(self._live.values()):
            self._drop(req)
        self._thread.requests.put(None)
        if not self._thread.wait(timeout_ms):
            log.warning("worker thread did not stop within %d ms", timeout_ms)
        self.pool.clear()
        self.cache.close()

    def running(self) -> bool:
        return self._thread.isRunning()

    def _drop(self, req: _Request) -> None:
        req.task.cancel()
        if self._live.pop(req.req_id, None) is not None:
            self.ended.emit(req.req_id)

    @Slot(int, str, object)
    def _route(self, req_id: int, tag: str, payload) -> None:
        if req_id not in self._live:
            return  # superseded or cancelled: never delivered
        if tag == "started":
            self.started.emit(req_id, payload)
        elif tag == "progress":
            self.progress.emit(req_id, *payload)
        elif tag == "event":
            self.event.emit(req_id, *payload)
        else:
            self._live.pop(req_id, None)
            self.ended.emit(req_id)
            if tag == "finished":
                self.finished.emit(req_id, payload)
            elif tag == "failed":
                self.failed.emit(req_id, *payload)
            else:
                self.cancelled.emit(req_id)

    # -- worker thread ---------------------------------------------------------
    def _run_quick(self, loaded: str | None) -> None:
        for req in self._thread.requests.take_quick(loaded):
            if not req.task.cancelled:
                self._execute(req)

    def _execute(self, req: _Request) -> None:
        rid = req.req_id
        self._raw.emit(rid, "started", req.kind)

        def emit(kind: str, payload) -> None:
            req.task.check()
            self._raw.emit(rid, "event", (kind, payload))

        try:
            result = req.job(self.pool, req.task, emit)
            req.task.check()
        except Cancelled:
            self._raw.emit(rid, "cancelled", None)
        except InspectorError as exc:
            self._raw.emit(rid, "failed", (str(exc), ""))
        except Exception as exc:  # noqa: BLE001 - any fault must reach the UI, not kill the thread
            log.exception("worker job %s failed", req.kind)
            line = (str(exc).strip().splitlines() or [""])[0]
            self._raw.emit(rid, "failed", (f"{type(exc).__name__}: {line}", traceback.format_exc()))
        else:
            self._raw.emit(rid, "finished", result)
