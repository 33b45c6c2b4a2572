"""``inspector timeline`` (and its shards, and ``merge``), and the run half of ``inspector report``."""

from __future__ import annotations

import sys
from contextlib import closing

from ..core.adapters import use_cli_base
from ..core.cache import ResultCache
from ..core.errors import CheckpointError, InputError
from ..core.inputs import Example, load_inputs
from ..core.loading import ModelPool
from ..core.probe import Probe, load_probe
from ..core.results import Settings
from ..core.series import discover_series
from ..core.tasks import TaskState
from ..core.timeline import TimelineResult, run_timeline
from .printing import format_intervals, format_table
from .terminal import stderr_progress, table_out, write_json


def _request(args):
    """The probe, series, inputs and reference the options name (notes on skipped folders)."""
    probe = load_probe(args.probe)
    use_cli_base(args.series, getattr(args, "base", None))
    series = discover_series(args.series, revisions=getattr(args, "revisions", None))
    examples = load_inputs(args.inputs, probe.label_names)
    for name, reason in series.skipped:
        print(f"note: skipped {name}: {reason}", file=sys.stderr)
    return probe, series, examples, _reference(series, args.reference)


def _reference(series, name: str | None) -> str | None:
    """``--reference`` as typed (a trailing slash from tab completion is fine)."""
    if not name:
        return None
    name = name.rstrip("/\\")
    if name in series.names():
        return name
    for skipped, reason in series.skipped:
        if skipped.rstrip("/") == name or skipped.endswith("/" + name):
            raise InputError(f"the reference {name} was skipped: {reason}")
    return series.find(name).name  # raises, listing the names there are


def _run_options(args, reference: str | None, cache: ResultCache) -> dict:
    """What run_timeline, run_cluster_timeline and run_shard all take beside the request."""
    return {
        "reference": reference,
        "cache": cache,
        "task": TaskState(stderr_progress),
        "refresh": args.no_cache,
    }


def _placement(args) -> dict:
    """Where the work runs (--device, --workers, --ray-address): the cluster and shard runs."""
    return {
        "device": args.device,
        "workers": getattr(args, "workers", None),
        "address": getattr(args, "ray_address", None),
    }


def timeline_from_args(args, settings: Settings) -> tuple[TimelineResult, Probe, list[Example]]:
    """Runs the timeline the options describe; raises when no checkpoint could be analysed."""
    probe, series, examples, reference = _request(args)
    with closing(ResultCache()) as cache:
        request = (series, probe, examples, settings)
        common, placement = _run_options(args, reference, cache), _placement(args)
        if placement["workers"] or placement["address"]:
            from ..core.cluster import run_cluster_timeline

            result = run_cluster_timeline(*request, **common, **placement, inputs_path=args.inputs)
        else:
            pool = ModelPool(1, device=args.device, dtype=settings.dtype)
            result = run_timeline(*request, **common, pool=pool, inputs_path=args.inputs)
    _check_analysed(result, series, reference)
    _print_notes(result, settings)
    return result, probe, examples


def _check_analysed(result: TimelineResult, series, reference: str | None) -> None:
    failed = [c for c in result.checkpoints if c.error]
    if len(failed) == len(result.checkpoints):
        raise CheckpointError(
            f"{series.root}: no checkpoint could be analysed (first: {failed[0].error})"
        )
    ref = result.find(result.reference)
    if ref.error and reference is not None:
        raise CheckpointError(f"the reference {ref.name} could not be analysed: {ref.error}")


def _print_notes(result: TimelineResult, settings: Settings) -> None:
    """Skipped, duplicate and reference notes on stderr, after the run and before the table."""
    for c in result.checkpoints:
        for note in c.notes:
            print(f"note: {c.name}: {note}", file=sys.stderr)
    for c in result.checkpoints:
        if c.error:
            print(f"note: skipped {c.name}: {c.error}", file=sys.stderr)
    for c in result.checkpoints:
        if c.duplicate_of:
            print(
                f"note: {c.name} has the same weights as {c.duplicate_of}"
                f" (sha256 {(c.sha256 or '')[:12]}…); analysed once",
                file=sys.stderr,
            )
    ref = result.find(result.reference)
    if ref.error:
        print(f"note: no coupling: the reference {ref.name} could not be analysed", file=sys.stderr)
    elif ref.examples and ref.metrics.get("n_undecided") == len(ref.examples):
        print(
            f"note: no coupling: the reference {ref.name} decides none of the inputs (every"
            f" largest Δ is below τ = {settings.tau:g}); pick a trained one with --reference",
            file=sys.stderr,
        )
    # an example's note (a capped input, counterfactual mode skipped) is told once per run
    notes = {n: None for c in result.checkpoints for ex in c.examples for n in ex.notes}
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def run_cli_timeline(args, settings: Settings) -> int:
    if getattr(args, "shard", None):
        return run_cli_shard(args, settings)
    result, probe, examples = timeline_from_args(args, settings)
    if args.json:
        write_json(result.to_dict(), args.json)
    out = table_out(args.json)
    print(format_table(result), file=out)
    print(format_intervals(result), file=out)
    n_cached = sum(c.cached for c in result.checkpoints)
    n_total = sum(len(c.examples) for c in result.checkpoints)
    n_failed = sum(bool(c.error) for c in result.checkpoints)
    print(
        f"reference: {result.reference}   probe: {probe.name}   inputs: {len(examples)}"
        f"   from cache: {n_cached}/{n_total}" + (f"   skipped: {n_failed}" if n_failed else ""),
        file=out,
    )
    return 0


def run_cli_shard(args, settings: Settings) -> int:
    """``timeline --shard i/N --json PART``: one block of the (checkpoint × input) units."""
    from ..core.shards import parse_shard, run_shard

    shard = parse_shard(args.shard)
    if not args.json:
        raise InputError("--shard writes a part for inspector merge: give it --json PART.json")
    probe, series, examples, reference = _request(args)
    with closing(ResultCache()) as cache:
        request = (series, probe, examples, settings, shard)
        part = run_shard(*request, **_run_options(args, reference, cache), **_placement(args))
    touched = [c for c in part["checkpoints"] if "hash" in c]
    failed = [c for c in touched if c["error"]]
    for c in failed:
        print(f"note: skipped {c['name']}: {c['error'][1]}", file=sys.stderr)
    if touched and len(failed) == len(touched):
        raise CheckpointError(f"shard {args.shard}: no checkpoint could be analysed")
    write_json(part, args.json)
    start, stop = part["shard"]["units"]
    n_cached = sum(c["cached"] for c in touched)
    print(
        f"shard {shard[0]}/{shard[1]}: units {start}–{stop - 1} of"
        f" {len(part['checkpoints']) * len(examples)} (checkpoint × input)"
        f"   from cache: {n_cached}/{stop - start}"
        f"   checkpoints: {len(touched)}",
        file=table_out(args.json),
    )
    return 0


def run_cli_merge(args) -> int:
    """``inspector merge PARTS... --json OUT``: the timeline the shards make together."""
    from ..core.shards import merge_parts

    result = merge_parts(args.parts, task=TaskState(stderr_progress))
    if all(c.error for c in result.checkpoints):
        raise CheckpointError(
            f"no checkpoint could be analysed (first: {result.checkpoints[0].error})"
        )
    if args.json:
        write_json(result.to_dict(), args.json)
    out = table_out(args.json)
    print(format_table(result), file=out)
    n_failed = sum(bool(c.error) for c in result.checkpoints)
    print(
        f"reference: {result.reference}   probe: {result.probe.name}"
        f"   inputs: {len(result.inputs)}   parts: {len(args.parts)}"
        + (f"   skipped: {n_failed}" if n_failed else ""),
        file=out,
    )
    return 0
