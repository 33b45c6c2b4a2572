"""``--shard i/N`` and ``inspector merge``: a timeline split for schedulers without Ray.

The (checkpoint × input) units of a timeline, checkpoint by checkpoint, are cut into N
contiguous blocks; shard i computes block i (each shard loads few checkpoints) and writes a
part: its results and what they depend on, as hashes. ``merge`` checks that the parts agree
and cover every unit exactly once, then builds the timeline through ``run_timeline``, so the
merged JSON is the one a single run writes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path

from .errors import InputError
from .inputs import Example, inputs_hash
from .loading import ModelPool
from .probe import Probe, parse_probe
from .results import Settings
from .series import Series, SeriesEntry
from .tasks import TaskState
from .timeline import TimelineResult
from .workplan import WorkPlan, assemble, check_request, plan_work, run_local

FORMAT = "inspector-timeline-part"
VERSION = 1


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/N"`` with 0 ≤ i < N, as --shard takes it."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or int(m[2]) < 1 or int(m[1]) >= int(m[2]):
        raise InputError(f"--shard expects i/N with 0 <= i < N (e.g. 0/4), got {text!r}")
    return int(m[1]), int(m[2])


def shard_range(i: int, n: int, total: int) -> tuple[int, int]:
    """Block i of N over ``total`` units (sizes differ by at most one)."""
    return i * total // n, (i + 1) * total // n


def shard_units(i: int, n: int, n_entries: int, n_inputs: int) -> list[tuple[int, int]]:
    start, stop = shard_range(i, n, n_entries * n_inputs)
    return [divmod(u, n_inputs) for u in range(start, stop)]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def request_hashes(
    probe: Probe, examples: list[Example], settings: Settings, series_names, reference: str
) -> dict:
    """What a part depends on; parts merge only when all of these agree."""
    return {
        "probe": _sha(probe.source),
        "inputs": inputs_hash(examples),
        "settings": _sha(settings.key()),
        "series": _sha(json.dumps([list(series_names), reference])),
    }


def part_dict(plan: WorkPlan, series: Series, reference: str, shard: tuple[int, int]) -> dict:
    """The partial result of one shard (JSON)."""
    i, n = shard
    start, stop = shard_range(i, n, len(plan.entries) * len(plan.examples))
    names = [e.name for e in plan.entries]
    touched = {e for e, _ in plan.units}
    return {
        "format": FORMAT,
        "version": VERSION,
        "shard": {"index": i, "count": n, "units": [start, stop]},
        "hashes": request_hashes(plan.probe, plan.examples, plan.settings, names, reference),
        "series": str(series.root),
        "reference": reference,
        "checkpoints": [
            {
                "name": e.name,
                "path": str(e.path),
                "step": e.step,
                **(
                    {
                        "hash": plan.hashes.get(e.name),
                        "notes": plan.notes.get(e.name, []),
                        "error": plan.errors.get(e.name),
                        "cached": plan.cached.get(e.name, 0),
                        "seconds": plan.seconds.get(e.name, 0.0),
                    }
                    if k in touched
                    else {}
                ),
            }
            for k, e in enumerate(plan.entries)
        ],
        "settings": asdict(plan.settings),
        "probe": {"name": plan.probe.name, "path": plan.probe.path, "source": plan.probe.source},
        "inputs": [{"text": ex.text, "label": ex.label} for ex in plan.examples],
        "skipped": [{"name": s, "reason": r} for s, r in series.skipped],
        "results": [
            {"checkpoint": e, "input": x, "result": plan.results[(e, x)]}
            for e, x in plan.units
            if (e, x) in plan.results
        ],
    }


def run_shard(
    series: Series,
    probe: Probe,
    examples: list[Example],
    settings: Settings,
    shard: tuple[int, int],
    reference: str | None = None,
    cache=None,
    task: TaskState | None = None,
    refresh: bool = False,
    device: str = "auto",
    workers: int | None = None,
    address: str | None = None,
) -> dict:
    """Compute shard ``i/N`` of the timeline (here, or on Ray) and return its part."""
    check_request(series, examples, reference)
    entries = series.active()
    units = shard_units(*shard, len(entries), len(examples))
    plan = plan_work(series, probe, examples, settings, cache, refresh, units)
    if plan.done < plan.total:
        if workers or address:
            from .cluster import RayCluster

            with RayCluster(workers, address, device) as cluster:
                cluster.run(plan, cache, task)
        else:
            pool = ModelPool(1, device=device)
            try:
                run_local(plan, pool, cache, task)
            finally:
                pool.clear()
    return part_dict(plan, series, reference or entries[0].name, shard)


def _load_part(path: str) -> dict:
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the part ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise InputError(f"{path}: not a timeline part (written by inspector timeline --shard)")
    if d.get("version") != VERSION:
        raise InputError(f"{path}: part format version {d.get('version')}, expected {VERSION}")
    missing = [k for k in _KEYS if k not in d]
    shard = d.get("shard")
    if not missing and not (isinstance(shard, dict) and {"index", "count", "units"} <= set(shard)):
        missing = ["shard"]
    if missing:
        raise InputError(f"{path}: an incomplete part (no {', '.join(missing)})")
    return d


_KEYS = ("shard", "hashes", "series", "reference", "checkpoints", "settings", "probe", "inputs")
_KEYS += ("skipped", "results")


def merge_parts(paths: list[str], task=None, on_checkpoint=None) -> TimelineResult:
    """The timeline the parts make together; refuses parts that do not belong together."""
    if not paths:
        raise InputError("merge needs at least one part")
    parts = [(p, _load_part(p)) for p in paths]
    first_path, first = parts[0]
    count = first["shard"]["count"]
    seen: dict[int, str] = {}
    for path, d in parts:
        for key, value in first["hashes"].items():
            if d["hashes"].get(key) != value:
                raise InputError(
                    f"{path}: its {key} hash {d['hashes'].get(key)} differs from"
                    f" {first_path}'s {value} (parts must share probe, inputs, settings, series)"
                )
        i, n = d["shard"]["index"], d["shard"]["count"]
        if n != count:
            raise InputError(f"{path}: shard {i}/{n} belongs to a split into {n}, not {count}")
        if i in seen:
            raise InputError(f"{path}: shard {i}/{n} overlaps {seen[i]} (the same shard twice)")
        seen[i] = path
    missing = [f"{i}/{count}" for i in range(count) if i not in seen]
    if missing:
        raise InputError(f"shard {', '.join(missing)} missing: merge needs all {count} parts")
    return _assemble(parts, task, on_checkpoint)


def _assemble(parts: list[tuple[str, dict]], task, on_checkpoint) -> TimelineResult:
    first = parts[0][1]
    entries = [SeriesEntry(c["name"], Path(c["path"]), c["step"]) for c in first["checkpoints"]]
    examples = [Example(e["text"], e.get("label")) for e in first["inputs"]]
    probe = parse_probe(first["probe"]["source"], first["probe"]["path"])
    settings = Settings.from_dict(first["settings"])
    plan = WorkPlan(entries, examples, probe, settings, [])
    hashes: dict[str, tuple[str, str]] = {}
    for path, d in parts:
        start, stop = d["shard"]["units"]
        plan.units += [divmod(u, len(examples)) for u in range(start, stop)]
        for c in d["checkpoints"]:
            if "hash" not in c:
                continue  # this shard had no unit of it
            name = c["name"]
            if c["hash"] and hashes.setdefault(name, (c["hash"], path))[0] != c["hash"]:
                raise InputError(
                    f"{path}: checkpoint {name} has content hash {c['hash']}, but"
                    f" {hashes[name][1]} read {hashes[name][0]} (it changed between shards)"
                )
            plan.hashes[name] = c["hash"]
            plan.notes.setdefault(name, c.get("notes", []))
            if c.get("error"):
                plan.errors.setdefault(name, c["error"])
            plan.cached[name] = plan.cached.get(name, 0) + c.get("cached", 0)
            plan.seconds[name] = plan.seconds.get(name, 0.0) + c.get("seconds", 0.0)
        for r in d["results"]:
            plan.add((r["checkpoint"], r["input"]), r["result"])
    if sorted(plan.units) != [
        divmod(u, len(examples)) for u in range(len(entries) * len(examples))
    ]:
        raise InputError("the parts do not cover every (checkpoint, input) exactly once")
    series = Series(
        Path(first["series"]), entries, [(s["name"], s["reason"]) for s in first["skipped"]]
    )
    return assemble(plan, series, first["reference"], task, on_checkpoint)
