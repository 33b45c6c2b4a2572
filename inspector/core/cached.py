"""Analysis through the result cache: the one place that reads the cache, else analyses, then
stores, for the app, the timeline and the baseline alike.

The key (checkpoint content hash + probe source + input + settings + gold) is computed here
and only here, so every caller hits what another wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from .analysis import Analyzer, EventFn
from .cache import result_key
from .checkpoints import content_hash, inspect_checkpoint
from .probe import Probe
from .results import ExampleResult, Settings
from .tasks import TaskState

log = logging.getLogger(__name__)

# what an analysis streams; a cache hit replays them at once so a view paints the same way
REPLAYED = ("prediction", "units", "explanation")


@dataclass
class Cached:
    """A result plus where it came from (what the app's status bar shows)."""

    result: ExampleResult
    checkpoint: str
    cache_hit: bool
    model_line: str  # "model 134M · cpu"


def checkpoint_hash(checkpoint) -> str:
    """The content hash that keys a checkpoint's results; needs no model in memory."""
    return content_hash(inspect_checkpoint(checkpoint))


def input_key(
    model_hash: str, probe: Probe, text: str, settings: Settings, gold: str | None = None
) -> str:
    """The cache key of one input's result on one checkpoint."""
    return result_key(model_hash, probe.source, text, settings.key(), gold)


def params_line(n: int, device: str) -> str:
    size = f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"
    return f"model {size} · {device}"


def analyzer_for(pool, checkpoint: str, probe: Probe, task=None) -> Analyzer:
    """The model's analyzer, kept in the pool while the model is resident; a load it needs
    reports through ``task`` (a GGUF's first open dequantises for a while: the status bar
    shows it, and Esc/Cancel stops it)."""
    pool.task = task
    try:
        return pool.extra(checkpoint, ("analyzer", probe.source), lambda lm: Analyzer(lm, probe))
    finally:
        pool.task = None


def readable(hit: dict | None) -> ExampleResult | None:
    """A cached result of the shape this version reads, else None (recomputed)."""
    if hit is None:
        return None
    try:
        return ExampleResult.from_dict(hit)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        log.warning("cached result unreadable (%s); recomputing it", exc)
        return None


def _lookup(cache, key: str, stored: dict | None) -> dict | None:
    """The cache's entry, else one measured while training saved the checkpoint (copied into
    the cache so the next read finds it there)."""
    hit = cache.get(key) if cache is not None else None
    if hit is None and stored and key in stored:
        hit = stored[key]
        if cache is not None:
            cache.put(key, hit)
    return hit


def analyse_cached(
    pool,
    cache,
    checkpoint: str,
    probe: Probe,
    text: str,
    settings: Settings,
    gold: str | None = None,
    *,
    task: TaskState | None = None,
    on_event: EventFn | None = None,
    preview: bool = False,
    model_hash: str | None = None,
    analyzer: Callable[[], Analyzer] | None = None,
    refresh: bool = False,
    stored: dict | None = None,
    describe: bool = True,
) -> Cached:
    """One input's result: the cached one (its events replayed through ``on_event``), else
    analysed on ``checkpoint`` and stored.

    ``model_hash``: the checkpoint's, when the caller already has it. ``analyzer``: makes the
    analyzer on a miss (default: the pool's, see ``analyzer_for``). ``refresh`` recomputes
    (the result is still stored). ``stored``: results kept beside the checkpoint, read after
    the cache. ``describe``: the entry also names the model and probe and keeps the model line
    for the app's status bar; the timeline's entries are bare results, as shard files copy
    them byte for byte.
    """
    emit = on_event or (lambda kind, result: None)
    if model_hash is None:
        model_hash = checkpoint_hash(checkpoint)
    key = input_key(model_hash, probe, text, settings, gold)
    hit = None if refresh else _lookup(cache, key, stored)
    result = readable(hit)
    if result is not None:
        for kind in REPLAYED:
            emit(kind, result)
        device = pool.device if pool.device != "auto" else "cached"
        return Cached(result, checkpoint, True, hit.get("_model_line", f"model · {device}"))
    an = analyzer() if analyzer is not None else analyzer_for(pool, checkpoint, probe, task)
    result = an.analyze(text, settings, task=task, gold=gold, on_event=on_event, preview=preview)
    line = params_line(an.lm.n_params, an.lm.device.type)
    if cache is not None:
        entry = (
            {**result.to_dict(model=checkpoint, probe=probe.name), "_model_line": line}
            if describe
            else result.to_dict()
        )
        cache.put(key, entry)
    return Cached(result, checkpoint, False, line)


def baseline_cached(
    pool, cache, checkpoint: str, probe: Probe, text: str, settings: Settings, task=None
) -> ExampleResult:
    """A pinned baseline's label distribution: the full cached result under ``settings`` if
    there is one, else the prediction alone (one forward pass, cached under its own key)."""
    model_hash = checkpoint_hash(checkpoint)
    full = readable(_lookup(cache, input_key(model_hash, probe, text, settings), None))
    if full is not None:
        return full
    quick = settings.with_(max_units=0, explain=False, counterfactual=False)
    return analyse_cached(
        pool, cache, checkpoint, probe, text, quick, task=task, model_hash=model_hash
    ).result
