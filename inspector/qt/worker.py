"""One background thread that owns the models; each request answers on its own handle.

Ideas from superqt's thread_worker, napari's slicer and Orange's TaskState (docs/ARCHITECTURE.md,
"Work and the worker"): ``submit`` returns a :class:`Handle` whose signals carry that request's
progress, events, result or error, so no one filters a broadcast. Jobs run on a single QThread
and stop cooperatively through a TaskState. Whatever a job raises is routed through the UI
thread, which drops it unless its handle is still live: this is the app's one staleness check.
Because ``start``, ``cancel`` and superseding run on the UI thread too, a superseded request can
never be painted, however late its queued signals arrive. ``Worker(sync=True)`` runs each job
inline on ``start`` (tests that need no thread).

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
    handle: Handle | None = None


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


class Handle(QObject):
    """One request: its own signals, delivered on the UI thread only while it is live."""

    started = Signal(str)  # kind
    progress = Signal(int, int, str)  # done, total, message
    event = Signal(str, object)  # what the job emitted: kind, payload
    finished = Signal(object)  # the job's return value
    failed = Signal(str, str)  # message, details
    cancelled = Signal()
    ended = Signal()  # left the live set, however (finished, failed, cancelled, superseded)

    def __init__(self, worker: Worker, req: _Request):
        super().__init__()  # no parent: it lives as long as its request or its caller holds it
        self._worker, self._req = worker, req

    @property
    def kind(self) -> str:
        return self._req.kind

    def start(self) -> Handle:
        """Queue the job (connect to the signals first); a live request of its kind is superseded."""
        self._worker._start(self._req)
        return self

    def cancel(self) -> None:
        """Stop it; ``cancelled`` is reported once, and nothing after it."""
        if self._worker._drop(self._req):
            self.cancelled.emit()

    def discard(self) -> None:
        """Stop it silently: nothing more is delivered, not even ``cancelled``."""
        self._worker._drop(self._req)

    def is_live(self) -> bool:
        return self._worker.is_live(self)


class Worker(QObject):
    submitted = Signal(object)  # a Handle that was started (the status bar follows each one)
    busy_changed = Signal(bool)
    # raw signals go worker thread -> UI thread, where _route drops those of dead handles
    _raw = Signal(int, str, object)

    def __init__(
        self,
        pool: ModelPool | None = None,
        cache: ResultCache | None = None,
        parent=None,
        sync: bool = False,
    ):
        super().__init__(parent)
        self.pool = pool or ModelPool()
        self.cache = cache or ResultCache()
        self._ids = count(1)
        self._live: dict[int, _Request] = {}
        self._sync = sync
        self._raw.connect(self._route, Qt.ConnectionType.QueuedConnection)
        self._post = self._route if sync else self._raw.emit
        self._thread = _Thread(self)
        if not sync:
            self._thread.start()
        LIVE_WORKERS.add(self)

    # -- UI thread API ---------------------------------------------------------
    def submit(self, kind: str, job: Job, model: str | None = None) -> Handle:
        """A handle for ``job`` (which loads ``model``, if known); it runs once ``start``ed."""
        req = _Request(next(self._ids), kind, job, model)
        req.task = TaskState(
            lambda d, t, m, rid=req.req_id: self._post(rid, "progress", (d, t, m)),
            None if kind in QUICK else self._run_quick,
        )
        req.handle = Handle(self, req)
        return req.handle

    def _start(self, req: _Request) -> None:
        for old in [r for r in self._live.values() if r.kind == req.kind]:
            self._drop(old)
        was_busy = self.busy()
        self._live[req.req_id] = req
        self.submitted.emit(req.handle)
        if not was_busy:
            self.busy_changed.emit(True)
        if self._sync:
            self._execute(req)
        else:
            self._thread.requests.put(req)

    def cancel_all(self) -> None:
        for req in list(self._live.values()):
            req.handle.cancel()

    def busy(self) -> bool:
        return bool(self._live)

    def is_live(self, handle: Handle | None) -> bool:
        return handle is not None and self._live.get(handle._req.req_id) is handle._req

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel everything and join the thread, so nothing outlives the window."""
        for req in list(self._live.values()):
            self._drop(req)
        if self._thread.isRunning():
            self._thread.requests.put(None)
            if not self._thread.wait(timeout_ms):
                log.warning("worker thread did not stop within %d ms", timeout_ms)
        self.pool.clear()
        self.cache.close()

    def running(self) -> bool:
        return self._thread.isRunning()

    def _drop(self, req: _Request) -> bool:
        """Stop ``req``; whether it was live."""
        req.task.cancel()
        if self._live.pop(req.req_id, None) is None:
            return False
        self._ended(req)
        return True

    def _ended(self, req: _Request) -> None:
        req.handle.ended.emit()
        if not self._live:
            self.busy_changed.emit(False)

    @Slot(int, str, object)
    def _route(self, req_id: int, tag: str, payload) -> None:
        req = self._live.get(req_id)
        if req is None:
            return  # superseded, cancelled or discarded: never delivered
        h = req.handle
        if tag == "started":
            h.started.emit(payload)
        elif tag == "progress":
            h.progress.emit(*payload)
        elif tag == "event":
            h.event.emit(*payload)
        else:
            self._drop(req)
            if tag == "finished":
                h.finished.emit(payload)
            elif tag == "failed":
                h.failed.emit(*payload)
            else:
                h.cancelled.emit()

    # -- worker thread ---------------------------------------------------------
    def _run_quick(self, loaded: str | None) -> None:
        if self._sync:
            return  # nothing waits: every job ran when it was started
        for req in self._thread.requests.take_quick(loaded):
            if not req.task.cancelled:
                self._execute(req)

    def _execute(self, req: _Request) -> None:
        rid = req.req_id
        self._post(rid, "started", req.kind)

        def emit(kind: str, payload) -> None:
            req.task.check()
            self._post(rid, "event", (kind, payload))

        try:
            result = req.job(self.pool, req.task, emit)
            req.task.check()
        except Cancelled:
            self._post(rid, "cancelled", None)
        except InspectorError as exc:
            self._post(rid, "failed", (str(exc), ""))
        except Exception as exc:  # noqa: BLE001 - any fault must reach the UI, not kill the thread
            log.exception("worker job %s failed", req.kind)
            line = (str(exc).strip().splitlines() or [""])[0]
            self._post(rid, "failed", (f"{type(exc).__name__}: {line}", traceback.format_exc()))
        else:
            self._post(rid, "finished", result)
