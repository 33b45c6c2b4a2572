"""Timeline: the same inputs through every checkpoint of a run, and how explanations follow.

Every checkpoint sees the identical input set, unit segmentation and ablation settings
(DESIGN.md §3 pitfalls). Each example result goes through the result cache keyed by the
checkpoint's content hash, so a rerun is instant, adding a checkpoint computes only that
one, and a cancelled run resumes where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from . import metrics as M
from .analysis import Analyzer
from .cache import ResultCache, result_key
from .checkpoints import content_hash, inspect_checkpoint
from .errors import InputError, InspectorError, ProbeError
from .inputs import Example, inputs_hash
from .loading import ModelPool
from .probe import Probe
from .results import ExampleResult, Settings
from .series import Series, SeriesEntry
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

    def to_dict(self, probe: str | None = None) -> dict:
        out = {
            "name": self.name,
            "path": self.path,
            "step": self.step,
            "metrics": self.metrics,
            # one analyze object per input, without "model" (DESIGN.md §7)
            "examples": [ex.to_dict(probe=probe) for ex in self.examples],
        }
        if self.error is not None:
            out["error"] = self.error
        out.update(hash=self.hash, cached=self.cached, seconds=self.seconds)
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

    def find(self, name: str) -> CheckpointResult:
        for c in self.checkpoints:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict:
        """The ``timeline`` JSON of DESIGN.md §7, plus what it takes to reproduce it."""
        return {
            "series": self.series,
            "reference": self.reference,
            "checkpoints": [c.to_dict(self.probe.name) for c in self.checkpoints],
            "settings": asdict(self.settings),
            "probe": {
                "name": self.probe.name,
                "path": self.probe.path,
                "source": self.probe.source,
            },
            "inputs": [{"text": ex.text, "label": ex.label} for ex in self.inputs],
            "inputs_hash": inputs_hash(self.inputs),
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
        )


# -- metrics -------------------------------------------------------------------------


def _aligned(ex: ExampleResult, ref: ExampleResult) -> bool:
    """Both results describe the same input cut into the same units."""
    return ex.input == ref.input and [u.text for u in ex.units] == [u.text for u in ref.units]


def conflicts(
    examples: list[ExampleResult], reference: list[ExampleResult] | None
) -> list[bool | None]:
    """Per example: does its top-Δ unit differ from the reference's? (None: not comparable).

    Ties count as agreement when the two sets of top units overlap; an example where no unit
    moves the answer (all Δ ≈ 0) is not comparable.
    """
    out: list[bool | None] = []
    for i, ex in enumerate(examples):
        ref = reference[i] if reference is not None and i < len(reference) else None
        if ref is None or not ex.units or not _aligned(ex, ref):
            out.append(None)
            continue
        if max(ex.deltas) <= M.TOP_TOL or max(ref.deltas) <= M.TOP_TOL:
            out.append(None)  # no unit moves the answer: no top unit to compare
            continue
        out.append(not set(M.top_units(ex.deltas)) & set(M.top_units(ref.deltas)))
    return out


def coupling(examples: list[ExampleResult], reference: list[ExampleResult] | None) -> dict:
    """Coupling of explanations to behaviour against a reference checkpoint (DESIGN.md §3).

    The conflict set C_t holds the examples whose top-Δ unit differs between the reference
    and this checkpoint. An argmax-label change alone does not enter C_t: with the same top
    unit, citing the current and the original driver are the same event and cannot tell
    coupling from imitation. Self = share of C_t (with an explanation) citing this
    checkpoint's top unit; Orig = share citing the reference's; coupling = Self − Orig.
    """
    flags = conflicts(examples, reference)
    if reference is None:
        return {
            "n_conflict": None,
            "self": None,
            "orig": None,
            "coupling": None,
            "n_label_change": None,
        }
    conflict = [i for i, f in enumerate(flags) if f]
    explained = [i for i in conflict if examples[i].explanation is not None]
    self_share = orig_share = None
    if explained:
        cites = [set(examples[i].cited) for i in explained]
        now = [set(M.top_units(examples[i].deltas)) for i in explained]
        then = [set(M.top_units(reference[i].deltas)) for i in explained]
        self_share = sum(bool(c & t) for c, t in zip(cites, now, strict=True)) / len(explained)
        orig_share = sum(bool(c & t) for c, t in zip(cites, then, strict=True)) / len(explained)
    label_change = sum(
        1 for i, f in enumerate(flags) if f is not None and examples[i].label != reference[i].label
    )
    return {
        "n_conflict": len(conflict),
        "self": self_share,
        "orig": orig_share,
        "coupling": self_share - orig_share if explained else None,
        "n_label_change": label_change,
    }


CF_KEYS = ("cf_precision", "cf_recall", "cf_f1", "cf_label_match")


def checkpoint_metrics(
    examples: list[ExampleResult], reference: list[ExampleResult] | None
) -> dict:
    """Per-checkpoint means over the input set (DESIGN.md §3), plus coupling vs ``reference``.

    Hit@1, cited mass and CCT are computed from each example's Δ and cited units;
    comprehensiveness and sufficiency need forward passes and come from the example's own
    metrics. CCT pools all (example, unit) pairs of examples that have an explanation.
    """
    explained = [ex for ex in examples if ex.explanation is not None]
    golds = [ex for ex in examples if ex.gold is not None]
    pairs_d = [d for ex in explained for d in ex.deltas]
    pairs_c = [i in set(ex.cited) for ex in explained for i in range(len(ex.units))]
    out = {
        "n_examples": len(examples),
        "accuracy": M.mean(1.0 if ex.label == ex.gold else 0.0 for ex in golds) if golds else None,
        "top_delta": M.mean(max(ex.deltas) if ex.units else None for ex in examples),
        "hit_at_1": M.mean(M.hit_at_1(ex.deltas, ex.cited) for ex in explained),
        "cited_mass": M.mean(M.cited_mass(ex.deltas, ex.cited) for ex in explained),
        "comprehensiveness": M.mean(ex.metrics.get("comprehensiveness") for ex in explained),
        "sufficiency": M.mean(ex.metrics.get("sufficiency") for ex in explained),
        "cct": M.point_biserial(pairs_d, pairs_c),
        "explanation_words": M.mean(ex.explanation.n_words for ex in explained),
    }
    # counterfactual mode: means over the examples that have the figure (None otherwise)
    for key in CF_KEYS:
        out[key] = M.mean(ex.metrics.get(key) for ex in examples)
    out.update(coupling(examples, reference))
    return out


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
    # the content hash needs no model in memory, so a fully cached checkpoint is never loaded
    info = inspect_checkpoint(entry.path)
    result.hash, result.notes = content_hash(info), list(info.notices)
    analyzer = None
    n = len(examples)
    for i, ex in enumerate(examples):
        task.let_others_run(str(entry.path) if analyzer is not None else None)
        key = result_key(result.hash, probe.source, ex.text, settings.key(), ex.label)
        hit = cache.get(key) if cache is not None and not refresh else None
        if hit is not None:
            res = ExampleResult.from_dict(hit)
            result.cached += 1
        else:
            if analyzer is None:
                analyzer = Analyzer(pool.get(entry.path), probe)
            res = analyzer.analyze(ex.text, settings, task=_Quiet(task), gold=ex.label)
            if cache is not None:
                cache.put(key, res.to_dict())
        result.examples.append(res)
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
) -> TimelineResult:
    """Analyse every active checkpoint of ``series`` on ``examples`` with the same ``settings``.

    The reference (default: the first active checkpoint) runs first so each later checkpoint
    streams out through ``on_checkpoint`` with its coupling already computed. A checkpoint
    that cannot be loaded or analysed is kept with its ``error`` and no examples; the others
    go on. Raises ``Cancelled`` when ``task`` is cancelled (finished examples stay cached).
    ``refresh`` recomputes instead of reading the cache (results are still written).
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
    progress = _Progress(task, len(entries) * len(examples))
    task.progress(0, progress.total, f"{ref.name}: example 0/{len(examples)}")
    done: dict[str, CheckpointResult] = {}
    failures: list[Exception] = []
    try:
        for entry in [ref, *(e for e in entries if e is not ref)]:
            start = progress.done
            try:
                res = _run_checkpoint(
                    entry, probe, examples, settings, pool, cache, refresh, task, progress
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
            if not res.error:
                res.metrics = checkpoint_metrics(
                    res.examples, ref_examples if entry is not ref else res.examples
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
    )
