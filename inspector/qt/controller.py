"""Schedules analyses on the worker: debounced while typing, latest wins, stale never shown."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from superqt.utils import qdebounced

from ..core.probe import Probe
from ..core.results import ExampleResult, Settings
from .jobs import Outcome, analyze_job, baseline_job
from .worker import Worker

DEBOUNCE_MS = 300


class AnalysisController(QObject):
    """Holds what the analysis depends on and the latest result; the window paints its signals."""

    partial = Signal(object, str)  # ExampleResult, stage: prediction | units | explanation
    done = Signal(object)  # Outcome of the latest request
    baseline_ready = Signal(object)  # ExampleResult of the pinned baseline
    failed = Signal(str, str)  # message, details
    cleared = Signal()

    def __init__(self, worker: Worker, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.checkpoint: str | None = None
        self.probe: Probe | None = None
        self.settings = Settings()
        self.gold: str | None = None
        self.text = ""
        self.current: ExampleResult | None = None
        self.current_settings = self.settings  # what ``current`` was computed with
        self.baseline_text: str | None = None
        self.baseline: ExampleResult | None = None
        self.last_outcome: Outcome | None = None
        self.request: int | None = None
        self._baseline_request: int | None = None
        self._submitted: tuple | None = None  # what the latest request computes
        self.schedule = qdebounced(self._run_if_changed, timeout=DEBOUNCE_MS, parent=self)
        worker.event.connect(self._on_event)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)

    @property
    def baseline_request(self) -> int | None:
        return self._baseline_request

    def ready(self) -> bool:
        return bool(self.checkpoint and self.probe and self.text.strip())

    def set_text(self, text: str, gold: str | None = None, immediate: bool = False) -> None:
        self.text, self.gold = text, gold
        stale = self._submitted is not None and self._submitted[2] != text
        if stale and self.request is not None and self.worker.is_live(self.request):
            self.worker.discard(self.request)  # its text is gone: free the worker at once
        if immediate:
            self.schedule.cancel()
            self.run_now()
        else:
            self.schedule()

    def run_now(self) -> None:
        """Submit the current text now (superseding any running analysis)."""
        if not self.ready():
            if self.request is not None:
                self.worker.cancel(self.request)
            self.request, self.current = None, None
            self.cleared.emit()
            return
        job = analyze_job(
            self.worker.cache, self.checkpoint, self.probe, self.text, self.settings, self.gold
        )
        self.request = self.worker.submit("analyze", job, self.checkpoint)
        self._submitted = self._what()

    def _what(self) -> tuple:
        return (
            self.checkpoint,
            self.probe.source if self.probe else None,
            self.text,
            self.settings,
            self.gold,
        )

    def _run_if_changed(self) -> None:
        """Typing that ends where the latest request already is (live or done) costs nothing."""
        live = self.request is not None and self.worker.is_live(self.request)
        done = (
            self.current is not None
            and self.current.input == self.text
            and bool(self.current.metrics)
        )
        if self._submitted == self._what() and (live or done):
            return
        self.run_now()

    def refresh_all(self) -> None:
        """Checkpoint, probe or settings changed: rerun the input and the baseline."""
        self.request_baseline()
        self.run_now()

    def pin(self, text: str | None) -> None:
        self.baseline_text = text
        cur = self.current
        self.baseline = cur if (cur is not None and cur.input == text and cur.probs) else None
        if self.baseline is not None:
            self.baseline_ready.emit(self.baseline)
        else:
            self.request_baseline()

    def request_baseline(self) -> None:
        self.baseline = None
        if not (
            self.checkpoint and self.probe and self.baseline_text and self.baseline_text.strip()
        ):
            self.baseline_ready.emit(None)
            return
        job = baseline_job(
            self.worker.cache, self.checkpoint, self.probe, self.baseline_text, self.settings
        )
        self._baseline_request = self.worker.submit("baseline", job, self.checkpoint)

    def cancel(self) -> None:
        if self.request is not None and self.worker.is_live(self.request):
            self.worker.cancel(self.request)

    def _on_event(self, req_id: int, kind: str, payload) -> None:
        if (
            req_id == self.request
            and isinstance(payload, ExampleResult)
            and payload.input == self.text
        ):
            self.current, self.current_settings = payload, self._submitted[3]
            self.partial.emit(payload, kind)

    def _on_finished(self, req_id: int, result) -> None:
        if req_id == self.request and result.result.input == self.text:
            self.current, self.current_settings = result.result, self._submitted[3]
            self.last_outcome = result
            if self.baseline is None and self.baseline_text == result.result.input:
                self.baseline = result.result
                self.baseline_ready.emit(self.baseline)
            self.done.emit(result)
        elif req_id == self._baseline_request:
            self.baseline = result
            self.baseline_ready.emit(result)

    def _on_failed(self, req_id: int, message: str, details: str) -> None:
        if req_id in (self.request, self._baseline_request):
            self.failed.emit(message, details)

    def _on_cancelled(self, req_id: int) -> None:
        if req_id == self.request:
            self.request = None
