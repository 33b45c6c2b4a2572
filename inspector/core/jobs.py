"""Work the app hands to its worker, as closures ``job(pool, task, emit)``; Qt-free.

Each function returns a job for ``qt.worker.Worker.submit`` (docs/ARCHITECTURE.md, "Work and
the worker"). ``emit(kind, payload)`` streams a partial result to the request's own handle;
the return value is its final result. Everything here runs on the worker thread; the work
itself is ``core.cached``'s and ``core.timeline``'s, bound here to the worker.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from .cached import analyse_cached, baseline_cached
from .inputs import Example
from .probe import Probe
from .results import ExampleResult, Settings
from .series import Series


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
            pool, cache, checkpoint, probe, text, settings, gold, task=task,
            on_event=lambda kind, r: emit(kind, snapshot(r)),
            preview=True,  # a long word sweep shows a complete estimated view first
        )  # fmt: skip

    return job


def baseline_job(cache, checkpoint: str, probe: Probe, text: str, settings: Settings):
    """The pinned baseline's label distribution: a full cached result if any, else one forward pass."""

    def job(pool, task, emit):
        return baseline_cached(pool, cache, checkpoint, probe, text, settings, task)

    return job


@dataclass(frozen=True)
class Cluster:
    """Where a timeline's analysis runs when it is spread over Ray (Preferences ▸ Ray address)."""

    address: str
    device: str = "auto"
    trusted: tuple[str, ...] = ()


def timeline_job(
    series: Series,
    probe: Probe,
    examples: list[Example],
    settings: Settings,
    cache,
    reference: str | None = None,
    inputs_path: str | None = None,
    cluster: Cluster | None = None,
):
    """A timeline (or a two-checkpoint comparison); each checkpoint streams as "checkpoint".

    The series is copied now, so the user may rearrange it while the job runs.
    """
    series = copy.deepcopy(series)
    examples = list(examples)

    def job(pool, task, emit):
        streamed = {"on_checkpoint": lambda c: emit("checkpoint", c), "task": task}
        if cluster is not None:  # the cluster computes, this app caches
            from .cluster import run_cluster_timeline

            return run_cluster_timeline(
                series, probe, examples, settings, reference=reference, cache=cache,
                address=cluster.address, device=cluster.device, trusted=list(cluster.trusted),
                inputs_path=inputs_path, **streamed,
            )  # fmt: skip
        from .timeline import run_timeline

        return run_timeline(
            series, probe, examples, settings, reference=reference, pool=pool, cache=cache,
            inputs_path=inputs_path, **streamed,
        )  # fmt: skip

    return job
