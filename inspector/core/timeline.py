"""Timeline: the same inputs through every checkpoint of a run, and how explanations follow.

Every checkpoint sees the identical input set, unit segmentation and ablation settings, so a
change along the timeline is the model's, not the settings'. Each example result goes through
the result cache keyed by the checkpoint's content hash, so a rerun is instant, adding a
checkpoint computes only that one, and a cancelled run resumes where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from .aggregate import CF_KEYS, checkpoint_metrics, conflicts, coupling  # noqa: F401
from .analysis import Analyzer
from .cache import ResultCache
from .cached import analyse_cached
from .checkpoints import content_hash, inspect_checkpoint
from .digests import series_digests, text_or_file_sha256
from .duplicates import analysed_twin, as_duplicate
from .errors import InputError, InspectorError, ProbeError
from .inputs import Example, inputs_hash
from .loading import ModelPool
from .probe import Probe
from .results import ExampleResult, Settings
from .series import Series, SeriesEntry
from .stored import read_stored
from .tasks import TaskState, ensure_task

log = logging.getLogger(__name__)


@dataclass
class CheckpointResult:
    name: str
    path: str
    step: int | None
    metrics: dict
    examples: list[ExampleResult]
    error: str | None = None
    cached: int = 0  # how many examples came from the cache
    hash: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # e.g. weights read from a torch pickle
    sha256: str | None = None  # weights digest (digests.py defines it)
    duplicate_of: str | None = None  # the checkpoint with identical weights it was analysed as
    base: dict | None = None  # a LoRA adapter's base model: path and sha256

    def to_dict(self, probe: str | None = None) -> dict:
        out = {
            "name": self.name,
            "path": self.path,
            "step": self.step,
            "metrics": self.metrics,
            # one analyze object per input, without "model" (the checkpoint names it)
            "examples": [ex.to_dict(probe=probe) for ex in self.examples],
        }
        if self.error is not None:
            out["error"] = self.error
        out.update(hash=self.hash, cached=self.cached, seconds=self.seconds)
        out.update(sha256=self.sha256, duplicate_of=self.duplicate_of)
        if self.base is not None:
            out["base"] = dict(self.base)
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> CheckpointResult:
        return cls(
            d["name"],
            d.get("path", ""),
            d.get("step"),
            d.get("metrics", {}),
            [ExampleResult.from_dict(e) for e in d.get("examples", [])],
            d.get("error"),
            d.get("cached", 0),
            d.get("hash"),
            d.get("seconds", 0.0),
            list(d.get("notes", [])),
            d.get("sha256"),
            d.get("duplicate_of"),
            d.get("base"),
        )


@dataclass
class TimelineResult:
    series: str
    reference: str
    checkpoints: list[CheckpointResult]
    settings: Settings
    probe: Probe
    inputs: list[Example]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)  # stopped before these checkpoints
    probe_sha256: str | None = None
    inputs_file: dict | None = None  # {"path", "sha256"} of the inputs file, when from one

    def find(self, name: str) -> CheckpointResult:
        for c in self.checkpoints:
            if c.name == name:
                return c
        raise KeyError(f"no checkpoint named {name!r} in the timeline")

    def to_dict(self) -> dict:
        """The ``timeline`` JSON, plus what it takes to reproduce it.

        docs/ARCHITECTURE.md, "The path of a timeline", follows it from the options to this dict.
        """
        return {
            "series": self.series,
            "reference": self.reference,
            "checkpoints": [c.to_dict(self.probe.name) for c in self.checkpoints],
            "settings": asdict(self.settings),
            "probe": {
                "name": self.probe.name,
                "path": self.probe.path,
                "source": self.probe.source,
                "sha256": self.probe_sha256,
            },
            "inputs": [{"text": ex.text, "label": ex.label} for ex in self.inputs],
            "inputs_hash": inputs_hash(self.inputs),
            "inputs_file": self.inputs_file,
            "skipped": [{"name": n, "reason": r} for n, r in self.skipped],
            **({"not_run": list(self.not_run)} if self.not_run else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> TimelineResult:
        from .probe import parse_probe

        p = d["probe"]
        return cls(
            d["series"],
            d["reference"],
            [CheckpointResult.from_dict(c) for c in d["checkpoints"]],
            Settings.from_dict(d.get("settings", {})),
            parse_probe(p["source"], p.get("path")),
            [Example(e["text"], e.get("label")) for e in d.get("inputs", [])],
            [(s["name"], s["reason"]) for s in d.get("skipped", [])],
            list(d.get("not_run", [])),
            p.get("sha256"),
            d.get("inputs_file"),
        )


# -- metrics: core.aggregate (τ, intervals, chance); imported here for existing callers ------

# -- running -------------------------------------------------------------------------


class _Quiet(TaskState):
    """Shares the timeline's cancel flag; the per-unit progress of one sweep is not reported."""

    def __init__(self, parent: TaskState):
        super().__init__(None)
        self.parent = parent

    def cancel(self) -> None:
        self.parent.cancel()

    @property
    def cancelled(self) -> bool:
        return self.parent.cancelled

    def check(self) -> None:
        self.parent.check()


class _Progress:
    def __init__(self, task: TaskState, total: int):
        self.task, self.total, self.done = task, total, 0

    def step(self, message: str) -> None:
        self.done += 1
        self.task.progress(self.done, self.total, message)


def checkpoint_identity(entry: SeriesEntry) -> tuple[str, list[str]]:
    """The content hash that keys a checkpoint's cached results, and notes on how it was read.

    Needs no model in memory, so a fully cached checkpoint is never loaded.
    """
    info = inspect_checkpoint(entry.path)
    return content_hash(info), list(info.notices)


def _run_checkpoint(
    entry: SeriesEntry,
    probe: Probe,
    examples: list[Example],
    settings: Settings,
    pool: ModelPool,
    cache: ResultCache | None,
    refresh: bool,
    task: TaskState,
    progress: _Progress,
) -> CheckpointResult:
    t0 = time.perf_counter()
    result = CheckpointResult(entry.name, str(entry.path), entry.step, {}, [])
    result.hash, result.notes = checkpoint_identity(entry)
    analyzer = None

    def loaded() -> Analyzer:
        # one analyzer per checkpoint run, not the pool's: its precision check is measured on
        # this run's first input, as a run on its own would
        nonlocal analyzer
        analyzer = analyzer or Analyzer(pool.get(entry.path), probe)
        return analyzer

    # measured while training saved it (inspector.training): served like cache hits
    stored = read_stored(entry.path) if not refresh else {}
    n = len(examples)
    for i, ex in enumerate(examples):
        task.let_others_run(str(entry.path) if analyzer is not None else None)
        got = analyse_cached(
            pool,
            cache,
            str(entry.path),
            probe,
            ex.text,
            settings,
            ex.label,
            task=_Quiet(task),
            model_hash=result.hash,
            analyzer=loaded,
            refresh=refresh,
            stored=stored,
            describe=False,
        )
        result.cached += got.cache_hit
        result.examples.append(got.result)
        progress.step(f"{entry.name}: example {i + 1}/{n}")
    result.seconds = time.perf_counter() - t0
    return result


def run_timeline(
    series: Series,
    probe: Probe,
    examples: list[Example],
    settings: Settings,
    reference: str | None = None,
    pool: ModelPool | None = None,
    cache: ResultCache | None = None,
    task: TaskState | None = None,
    on_checkpoint: Callable[[CheckpointResult], None] | None = None,
    refresh: bool = False,
    inputs_path: str | None = None,
    run_one: Callable[[SeriesEntry], CheckpointResult] | None = None,
) -> TimelineResult:
    """Analyse every active checkpoint of ``series`` on ``examples`` with the same ``settings``.

    The reference (default: the first active checkpoint) runs first so each later checkpoint
    streams out through ``on_checkpoint`` with its coupling already computed. A checkpoint
    that cannot be loaded or analysed is kept with its ``error`` and no examples; the others
    go on. Raises ``Cancelled`` when ``task`` is cancelled (finished examples stay cached).
    ``refresh`` recomputes instead of reading the cache (results are still written).
    Checkpoints with identical weights and config (``digests.series_digests``) are analysed
    once and carry ``duplicate_of``; ``inputs_path`` is the file the inputs came from, whose
    SHA-256 is recorded with the probe's.
    ``run_one`` supplies each checkpoint's results computed elsewhere (a Ray cluster, merged
    shards) instead of analysing it here, so metrics go through this same code; the caller
    reports progress.
    """
    entries = series.active()
    if not entries:
        raise InputError(f"{series.root}: every checkpoint of the series is excluded")
    if not examples:
        raise InputError("the input set is empty")
    ref = series.find(reference) if reference else entries[0]
    if ref.excluded:
        raise InputError(f"{series.root}: the reference checkpoint {ref.name!r} is excluded")
    task = ensure_task(task)
    own_pool = pool is None
    pool = pool or ModelPool(max_resident=1, dtype=settings.dtype)
    digests = series_digests(entries, task)
    progress = _Progress(task, len(entries) * len(examples))
    task.progress(0, progress.total, f"{ref.name}: example 0/{len(examples)}")
    done: dict[str, CheckpointResult] = {}
    failures: list[Exception] = []
    try:
        for entry in [ref, *(e for e in entries if e is not ref)]:
            start = progress.done
            digest = digests.get(entry.name, {})
            twin = analysed_twin(digest, digests, done)
            try:
                if twin is not None:
                    res = as_duplicate(twin, entry)
                    progress.done = start + len(examples)
                    task.progress(
                        progress.done, progress.total, f"{entry.name}: same weights as {twin.name}"
                    )
                else:
                    res = (
                        run_one(entry)
                        if run_one is not None
                        else _run_checkpoint(
                            entry, probe, examples, settings, pool, cache, refresh, task, progress
                        )
                    )
            except (InspectorError, OSError) as exc:  # a bad checkpoint must not sink the run
                log.info("timeline: %s skipped: %s", entry.name, exc)
                failures.append(exc)
                res = CheckpointResult(
                    entry.name,
                    str(entry.path),
                    entry.step,
                    dict.fromkeys(checkpoint_metrics([], None)),  # stable keys, all null
                    [],
                    error=str(exc),
                )
                progress.done = start + len(examples)
                task.progress(progress.done, progress.total, f"{entry.name}: skipped")
            ref_examples = (
                done[ref.name].examples if ref.name in done and not done[ref.name].error else None
            )
            res.sha256, res.base = digest.get("sha256"), digest.get("base")
            res.duplicate_of = digest.get("duplicate_of")
            if not res.error:
                res.metrics = checkpoint_metrics(
                    res.examples,
                    ref_examples if entry is not ref else res.examples,
                    settings.tau,
                )
            done[entry.name] = res
            if on_checkpoint is not None:
                on_checkpoint(res)
    finally:
        if own_pool:
            pool.clear()
    ours = [e for e in failures if isinstance(e, (InputError, ProbeError))]
    if ours and len(failures) == len(entries):
        raise ours[0]  # the input set or probe is at fault, not the checkpoints (exit 2, not 3)
    return TimelineResult(
        str(series.root),
        ref.name,
        [done[e.name] for e in entries],
        settings,
        probe,
        list(examples),
        list(series.skipped),
        probe_sha256=text_or_file_sha256(probe.path, probe.source),
        inputs_file=(
            {"path": str(inputs_path), "sha256": text_or_file_sha256(inputs_path)}
            if inputs_path
            else None
        ),
    )


def analyse_checkpoint(
    entry: SeriesEntry,
    probe: Probe,
    examples: list[Example],
    settings: Settings,
    reference: list[ExampleResult] | None,
    pool: ModelPool,
    cache: ResultCache | None = None,
    task: TaskState | None = None,
    refresh: bool = False,
) -> CheckpointResult:
    """One checkpoint of a growing run, with coupling against ``reference``'s examples.

    ``reference=None`` makes this checkpoint its own reference (the first of a watched run).
    A checkpoint that cannot be analysed comes back with its ``error``, as in run_timeline.
    """
    task = ensure_task(task)
    try:
        res = _run_checkpoint(
            entry, probe, examples, settings, pool, cache, refresh, task, _Progress(task, 0)
        )
    except (InspectorError, OSError) as exc:
        log.info("timeline: %s skipped: %s", entry.name, exc)
        metrics = dict.fromkeys(checkpoint_metrics([], None))
        return CheckpointResult(
            entry.name, str(entry.path), entry.step, metrics, [], error=str(exc)
        )
    ref = reference if reference else res.examples
    res.metrics = checkpoint_metrics(res.examples, ref, settings.tau)
    return res
