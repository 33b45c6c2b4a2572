"""Keeps the session state's results up to date: debounced while typing, latest wins.

It observes what an analysis depends on (``SessionState`` fields), submits jobs to the worker
and writes what their handles deliver back into the state, which the views observe
(docs/ARCHITECTURE.md, "The path of an edit"). A handle delivers only while it is live, and a
request is discarded the moment its text is edited away, so nothing here re-checks staleness.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from superqt.utils import qdebounced

from ..core.cached import Cached
from ..core.jobs import analyze_job, baseline_job
from ..core.state import SessionState
from .worker import Handle, Worker

DEBOUNCE_MS = 300


class AnalysisController(QObject):
    partial = Signal(object, str)  # ExampleResult, stage: prediction | units | explanation
    done = Signal(object)  # Cached: the latest request's outcome, once it is in the state
    failed = Signal(str, str)  # message, details

    def __init__(self, state: SessionState, worker: Worker, parent=None):
        super().__init__(parent)
        self.state, self.worker = state, worker
        self.request: Handle | None = None
        self.baseline_request: Handle | None = None
        self._submitted: tuple | None = None  # request_key() of the latest request
        self.schedule = qdebounced(self._run_if_changed, timeout=DEBOUNCE_MS, parent=self)
        ev = state.events
        ev.text.connect(self._on_text)
        for what in (ev.checkpoint, ev.probe, ev.settings):
            what.connect(self.refresh_all)
        ev.baseline_text.connect(self._on_baseline_text)

    # -- what changed ----------------------------------------------------------------
    def _on_text(self, text: str) -> None:
        if self.request is not None and self._submitted[2] != text:
            self.request.discard()  # its text is gone: free the worker at once (if still live)
        self.schedule()

    def _on_baseline_text(self, text: str | None) -> None:
        cur = self.state.result
        if cur is not None and cur.input == text and cur.probs:
            self.state.baseline = cur
        else:
            self.request_baseline()

    def refresh_all(self, *_changed) -> None:
        """Checkpoint, probe or settings changed: rerun the input and the baseline."""
        self.request_baseline()
        self.run_now()

    # -- submitting ------------------------------------------------------------------
    def run_now(self) -> None:
        """Submit the current text now (superseding any running analysis)."""
        self.schedule.cancel()
        st = self.state
        if not st.ready():
            self.cancel()
            self.request, st.result = None, None
            return
        self._submitted = st.request_key()
        job = analyze_job(self.worker.cache, st.checkpoint, st.probe, st.text, st.settings, st.gold)
        self.request = h = self.worker.submit("analyze", job, st.checkpoint)
        h.event.connect(self._on_event)
        h.finished.connect(self._on_finished)
        h.failed.connect(self._on_failed)
        h.start()

    def _run_if_changed(self) -> None:
        """Typing that ends where the latest request already is (live or done) costs nothing."""
        cur = self.state.result
        done = cur is not None and bool(cur.metrics)
        live = self.worker.is_live(self.request)
        if self._submitted == self.state.request_key() and (live or done):
            return
        self.run_now()

    def request_baseline(self) -> None:
        st = self.state
        st.baseline = None
        text = st.baseline_text
        if not (st.checkpoint and st.probe and text and text.strip()):
            return
        job = baseline_job(self.worker.cache, st.checkpoint, st.probe, text, st.settings)
        self.baseline_request = h = self.worker.submit("baseline", job, st.checkpoint)
        h.finished.connect(self._on_baseline)
        h.failed.connect(self._on_failed)
        h.start()

    def cancel(self) -> None:
        if self.request is not None:
            self.request.cancel()  # reports ``cancelled`` only if it was still live

    # -- what the handles deliver --------------------------------------------------------
    def _on_event(self, kind: str, result) -> None:
        self.state.result_settings = self._submitted[3]  # the settings it runs with
        self.state.result = result
        self.partial.emit(result, kind)

    def _on_finished(self, outcome: Cached) -> None:
        st = self.state
        st.result_settings = self._submitted[3]
        st.result, st.outcome = outcome.result, outcome
        if st.baseline is None and st.baseline_text == outcome.result.input:
            st.baseline = outcome.result
        self.done.emit(outcome)

    def _on_baseline(self, result) -> None:
        self.state.baseline = result

    def _on_failed(self, message: str, details: str) -> None:
        self.failed.emit(message, details)
