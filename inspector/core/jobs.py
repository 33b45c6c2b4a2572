"""Work the app hands to its worker, as closures ``job(pool, task, emit)``; Qt-free.

Each function returns a job for ``qt.worker.Worker.submit`` (docs/ARCHITECTURE.md, "Work and
the worker"). ``emit(kind, payload)`` streams a partial result to the request's own handle;
the return value is its final result. Everything here runs on the worker thread.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from .analysis import Analyzer
from .cache import result_key
from .checkpoints import content_hash, inspect_checkpoint
from .inputs import Example
from .probe import Probe
from .results import ExampleResult, Settings
from .series import Series


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
                **streamed,
            )  # fmt: skip
        from .timeline import run_timeline

        return run_timeline(
            series, probe, examples, settings, reference=reference, pool=pool, cache=cache,
            inputs_path=inputs_path, **streamed,
        )  # fmt: skip

    return job


@dataclass
class Outcome:
    """What the UI paints: the result plus where it came from."""

    result: ExampleResult
    checkpoint: str
    cache_hit: bool
    model_line: str  # "model 134M · cpu"


def snapshot(result: ExampleResult) -> ExampleResult:
    """A copy the UI thread may read while the worker keeps filling the original."""
    out = copy.copy(result)
    out.unit_probs = [list(r) for r in result.unit_probs]
    out.exact = list(result.exact) if result.exact is not None else None
    out.metrics = dict(result.metrics)
    out.notes = list(result.notes)
    return out


def _params_line(n: int, device: str) -> str:
    size = f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"
    return f"model {size} · {device}"


def analyzer_for(pool, checkpoint: str, probe: Probe, task=None) -> Analyzer:
    """The model's analyzer; a load it needs reports through ``task`` (a GGUF's first open
    dequantises for a while: the status bar shows it, and Esc/Cancel stops it)."""
    pool.task = task
    try:
        return pool.extra(checkpoint, ("analyzer", probe.source), lambda lm: Analyzer(lm, probe))
    finally:
        pool.task = None


def analyze_job(cache, checkpoint: str, probe: Probe, text: str, settings: Settings, gold=None):
    """Prediction first, unit shifts streaming, explanation last; cached results replay at once."""

    def job(pool, task, emit):
        model_hash = content_hash(inspect_checkpoint(checkpoint))
        key = result_key(model_hash, probe.source, text, settings.key(), gold)
        hit = cache.get(key)
        if hit is not None:
            result = ExampleResult.from_dict(hit)
            device = pool.device if pool.device != "auto" else "cached"
            for kind in ("prediction", "units", "explanation"):
                emit(kind, result)
            return Outcome(result, checkpoint, True, hit.get("_model_line", f"model · {device}"))
        an = analyzer_for(pool, checkpoint, probe, task)
        result = an.analyze(
            text,
            settings,
            task=task,
            gold=gold,
            on_event=lambda kind, r: emit(kind, snapshot(r)),
            preview=True,  # a long word sweep shows a complete estimated view first
        )
        line = _params_line(an.lm.n_params, an.lm.device.type)
        cache.put(key, {**result.to_dict(model=checkpoint, probe=probe.name), "_model_line": line})
        return Outcome(result, checkpoint, False, line)

    return job


def baseline_job(cache, checkpoint: str, probe: Probe, text: str, settings: Settings):
    """The pinned baseline's label distribution: a full cached result if any, else one forward pass."""
    quick = settings.with_(max_units=0, explain=False, counterfactual=False)

    def job(pool, task, emit):
        model_hash = content_hash(inspect_checkpoint(checkpoint))
        for s in (settings, quick):
            hit = cache.get(result_key(model_hash, probe.source, text, s.key(), None))
            if hit is not None:
                return ExampleResult.from_dict(hit)
        an = analyzer_for(pool, checkpoint, probe, task)
        result = an.analyze(text, quick, task=task)
        line = _params_line(an.lm.n_params, an.lm.device.type)
        cache.put(
            result_key(model_hash, probe.source, text, quick.key(), None),
            {**result.to_dict(model=checkpoint, probe=probe.name), "_model_line": line},
        )
        return result

    return job
