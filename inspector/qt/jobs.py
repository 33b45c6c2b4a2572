"""Jobs the worker runs: analyze one input on one checkpoint, cache first.

Each function returns a closure ``job(pool, task, emit)`` for :meth:`Worker.submit`;
everything here runs on the worker thread and touches no widget.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from ..core.analysis import Analyzer
from ..core.cache import result_key
from ..core.checkpoints import content_hash, inspect_checkpoint
from ..core.probe import Probe
from ..core.results import ExampleResult, Settings


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


def demo_job():
    """Build (or reuse) the demo series; returns its root folder."""

    def job(pool, task, emit):
        from ..demo.series import build_demo

        def progress(done, total, message=""):
            task.progress(done, total, message)

        return Path(build_demo(progress=progress, task=task))

    return job
