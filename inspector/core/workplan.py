"""A timeline cut into units of work (checkpoint × input) that can be computed elsewhere.

The Ray cluster (cluster.py) and shards (shards.py) share three steps: plan which units the
cache already holds, compute the others somewhere (Ray actors, this process), and hand every
result back to ``run_timeline`` through ``run_one``. Metrics therefore come from the one
single-process code path, and only the process holding the plan writes the cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .analysis import Analyzer
from .cached import input_key
from .errors import CheckpointError, InputError, InspectorError, ProbeError
from .inputs import Example
from .loading import ModelPool
from .probe import Probe
from .results import ExampleResult, Settings
from .series import Series, SeriesEntry
from .tasks import TaskState, ensure_task
from .timeline import (
    CheckpointResult,
    TimelineResult,
    _Quiet,
    checkpoint_identity,
    run_timeline,
)

_ERRORS = {c.__name__: c for c in (CheckpointError, ProbeError, InputError, InspectorError)}


def error_record(exc: BaseException) -> list[str]:
    """An error as JSON ([type, message]) that ``raise_record`` turns back into the same one."""
    for name, cls in _ERRORS.items():
        if isinstance(exc, cls):
            return [name, str(exc)]
    return ["OSError", str(exc)]


def raise_record(rec: list[str]):
    kind, message = rec
    raise _ERRORS.get(kind, OSError)(message)


@dataclass
class Chunk:
    entry: int  # index into WorkPlan.entries
    items: list[int]  # indexes into WorkPlan.examples


@dataclass
class WorkPlan:
    """What a timeline (or one shard of it) needs, and the results gathered so far."""

    entries: list[SeriesEntry]  # the series' active checkpoints, in order
    examples: list[Example]
    probe: Probe
    settings: Settings
    units: list[tuple[int, int]]  # (entry, example) pairs this plan covers
    hashes: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # first error per checkpoint
    results: dict[tuple[int, int], dict] = field(default_factory=dict)
    cached: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    _got: dict[int, int] = field(default_factory=dict, repr=False)  # results per checkpoint
    _per_entry: dict[int, int] | None = field(default=None, repr=False)

    @property
    def total(self) -> int:
        return len(self.units)

    def settled(self, unit: tuple[int, int]) -> bool:
        return unit in self.results or self.entries[unit[0]].name in self.errors

    def add(self, unit: tuple[int, int], result: dict) -> None:
        if unit not in self.results:
            self._got[unit[0]] = self._got.get(unit[0], 0) + 1
        self.results[unit] = result

    @property
    def done(self) -> int:
        """Units with a result or whose checkpoint failed (O(checkpoints): asked per chunk)."""
        if self._per_entry is None:
            self._per_entry = {}
            for e, _ in self.units:
                self._per_entry[e] = self._per_entry.get(e, 0) + 1
        return sum(
            n if self.entries[e].name in self.errors else self._got.get(e, 0)
            for e, n in self._per_entry.items()
        )

    def chunks(self, size: int) -> list[Chunk]:
        """The units still to compute, per checkpoint in order, ``size`` inputs at a time."""
        per_entry: dict[int, list[int]] = {}
        for e, x in self.units:
            if not self.settled((e, x)):
                per_entry.setdefault(e, []).append(x)
        size = max(1, size)
        return [
            Chunk(e, xs[i : i + size])
            for e, xs in per_entry.items()
            for i in range(0, len(xs), size)
        ]

    def record(self, chunk: Chunk, reply: dict, cache=None) -> None:
        """A chunk's reply from wherever it ran; the cache is written here, and only here."""
        entry = self.entries[chunk.entry]
        for x, res in zip(chunk.items, reply["results"], strict=False):
            self.add((chunk.entry, x), res)
            if cache is not None:
                ex = self.examples[x]
                key = input_key(
                    self.hashes[entry.name], self.probe, ex.text, self.settings, ex.label
                )
                cache.put(key, res)
        self.seconds[entry.name] = self.seconds.get(entry.name, 0.0) + reply["seconds"]
        if reply.get("error") and entry.name not in self.errors:
            self.errors[entry.name] = reply["error"]

    def progress(self, task: TaskState, where: str = "") -> None:
        task.progress(self.done, self.total, where)


def check_request(series: Series, examples: list[Example], reference: str | None) -> None:
    """The refusals ``run_timeline`` would make, made before any work is sent out."""
    if not series.active():
        raise InputError(f"{series.root}: every checkpoint of the series is excluded")
    if not examples:
        raise InputError("the input set is empty")
    if reference and series.find(reference).excluded:
        raise InputError(f"{series.root}: the reference checkpoint {reference!r} is excluded")


def plan_work(
    series: Series,
    probe: Probe,
    examples: list[Example],
    settings: Settings,
    cache=None,
    refresh: bool = False,
    units: list[tuple[int, int]] | None = None,
) -> WorkPlan:
    """Hash the checkpoints ``units`` touch and take from the cache what it already holds."""
    entries = series.active()
    if units is None:
        units = [(e, x) for e in range(len(entries)) for x in range(len(examples))]
    plan = WorkPlan(entries, list(examples), probe, settings, units)
    for e in sorted({e for e, _ in units}):
        entry = entries[e]
        plan.cached[entry.name] = 0
        try:
            plan.hashes[entry.name], plan.notes[entry.name] = checkpoint_identity(entry)
        except (InspectorError, OSError) as exc:  # run_timeline skips it the same way
            plan.errors[entry.name] = error_record(exc)
    for e, x in units:
        name = entries[e].name
        if cache is None or refresh or name in plan.errors:
            continue
        ex = examples[x]
        hit = cache.get(input_key(plan.hashes[name], probe, ex.text, settings, ex.label))
        if hit is not None:
            plan.add((e, x), hit)
            plan.cached[name] += 1
    return plan


def analyze_chunk(
    pool: ModelPool,
    path: str,
    probe: Probe,
    settings: Settings,
    examples: list[Example],
    task: TaskState | None = None,
) -> dict:
    """One checkpoint on a few inputs, where the model lives (a Ray actor, this process).

    Replies with result dicts (the cache's form) and, if the checkpoint failed, the error: the
    timeline then skips that checkpoint as a single process would. Never touches the cache.
    """
    t0 = time.perf_counter()
    out: list[dict] = []
    try:
        analyzer = Analyzer(pool.get(path), probe)
        for ex in examples:
            res = analyzer.analyze(ex.text, settings, task=task, gold=ex.label)
            out.append(res.to_dict())
    except (InspectorError, OSError) as exc:
        return {"results": out, "error": error_record(exc), "seconds": time.perf_counter() - t0}
    return {"results": out, "error": None, "seconds": time.perf_counter() - t0}


def run_local(plan: WorkPlan, pool: ModelPool, cache, task: TaskState | None, chunk: int = 64):
    """Compute the plan's missing units in this process (a shard without Ray)."""
    task = ensure_task(task)
    plan.progress(task, "from cache")
    for c in plan.chunks(chunk):
        entry = plan.entries[c.entry]
        if entry.name in plan.errors:
            continue  # an earlier chunk of it failed: the checkpoint is skipped anyway
        reply = analyze_chunk(
            pool,
            str(entry.path),
            plan.probe,
            plan.settings,
            [plan.examples[x] for x in c.items],
            _Quiet(task),
        )
        plan.record(c, reply, cache)
        plan.progress(task, f"{entry.name}: {plan.done}/{plan.total}")


def assemble(
    plan: WorkPlan,
    series: Series,
    reference: str | None,
    task: TaskState | None = None,
    on_checkpoint=None,
    inputs_path: str | None = None,
) -> TimelineResult:
    """The timeline of a complete plan, through ``run_timeline`` (same metrics, same JSON)."""
    index = {e.name: i for i, e in enumerate(plan.entries)}

    def run_one(entry: SeriesEntry) -> CheckpointResult:
        if entry.name in plan.errors:
            raise_record(plan.errors[entry.name])
        e = index[entry.name]
        missing = [x for x in range(len(plan.examples)) if (e, x) not in plan.results]
        if missing:  # only a plan that stopped early or a bad merge gets here
            raise CheckpointError(f"{entry.name}: {len(missing)} inputs have no result")
        return CheckpointResult(
            entry.name,
            str(entry.path),
            entry.step,
            {},
            [ExampleResult.from_dict(plan.results[(e, x)]) for x in range(len(plan.examples))],
            cached=plan.cached.get(entry.name, 0),
            hash=plan.hashes.get(entry.name),
            seconds=plan.seconds.get(entry.name, 0.0),
            notes=list(plan.notes.get(entry.name, [])),
        )

    return run_timeline(
        series,
        plan.probe,
        plan.examples,
        plan.settings,
        reference=reference,
        pool=ModelPool(1),  # never loads: run_one supplies every checkpoint
        task=_Quiet(ensure_task(task)),
        on_checkpoint=on_checkpoint,
        run_one=run_one,
        inputs_path=inputs_path,  # its SHA-256 is recorded, as a local run records it
    )
