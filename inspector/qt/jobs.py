"""Jobs the worker runs: analyze one input on one checkpoint, cache first.

Each function returns a closure ``job(pool, task, emit)`` for :meth:`Worker.submit`;
everything here runs on the worker thread and touches no widget. The work itself is
``core.cached``'s; this module only binds it to the worker.
"""

from __future__ import annotations

import copy
from pathlib import Path

from ..core.cached import Cached, analyse_cached, baseline_cached
from ..core.probe import Probe
from ..core.results import ExampleResult, Settings

Outcome = Cached  # what the UI paints: the result plus where it came from


def snapshot(result: ExampleResult) -> ExampleResult:
    """A copy the UI thread may read while the worker keeps filling the original."""
    out = copy.copy(result)
    out.unit_probs = [list(r) for r in result.unit_probs]
    out.exact = list(result.exact) if result.exact is not None else None
    out.metrics = dict(result.metrics)
    out.notes = list(result.notes)
    return out


def analyze_job(cache, checkpoint: str, probe: Probe, text: str, settings: Settings, gold=None):
    """Prediction first, unit shifts streaming, explanation last; cached results replay at once."""

    def job(pool, task, emit):
        return analyse_cached(
            pool,
            cache,
            checkpoint,
            probe,
            text,
            settings,
            gold,
            task=task,
            on_event=lambda kind, r: emit(kind, snapshot(r)),
            preview=True,  # a long word sweep shows a complete estimated view first
        )

    return job


def baseline_job(cache, checkpoint: str, probe: Probe, text: str, settings: Settings):
    """The pinned baseline's label distribution: a full cached result if any, else one forward pass."""

    def job(pool, task, emit):
        return baseline_cached(pool, cache, checkpoint, probe, text, settings, task)

    return job


def demo_job():
    """Build (or reuse) the demo series; returns its root folder."""

    def job(pool, task, emit):
        from ..demo.series import build_demo

        def progress(done, total, message=""):
            task.progress(done, total, message)

        return Path(build_demo(progress=progress, task=task))

    return job
