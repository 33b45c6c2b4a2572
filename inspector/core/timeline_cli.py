"""``inspector timeline`` and the run half of ``inspector report``: options in, a timeline out."""

from __future__ import annotations

import sys

from .cache import ResultCache
from .errors import CheckpointError, InputError
from .inputs import Example, load_inputs
from .loading import ModelPool
from .probe import Probe, load_probe
from .results import Settings
from .series import discover_series
from .tasks import TaskState
from .timeline import TimelineResult, run_timeline


def _f(v, fmt: str = ".2f") -> str:
    return "—" if v is None else format(v, fmt)


def format_table(result: TimelineResult) -> str:
    """One row per checkpoint; coupling is never shown without the size of its conflict set."""
    head = (
        f"{'checkpoint':<28} {'step':>6} {'acc':>5} {'hit@1':>5} {'mass':>5} {'cct':>5}"
        f" {'words':>5} {'|C|':>4} {'self':>5} {'orig':>5}  coupling"
    )
    lines = [head, "─" * len(head)]
    for c in result.checkpoints:
        name = c.name if len(c.name) <= 28 else "…" + c.name[-27:]
        step = "—" if c.step is None else str(c.step)
        if c.error:
            lines.append(f"{name:<28} {step:>6}  skipped: {c.error}")
            continue
        m = c.metrics
        if c.name == result.reference:
            coup = "(reference)"
        elif m["n_conflict"] and m["coupling"] is not None:
            coup = f"{m['coupling']:+.2f} (n={m['n_conflict']})"
        elif m["n_conflict"] is None:
            coup = "— (no reference)"
        else:
            coup = f"— (n={m['n_conflict']})"
        lines.append(
            f"{name:<28} {step:>6} {_f(m['accuracy']):>5} {_f(m['hit_at_1']):>5} {_f(m['cited_mass']):>5}"
            f" {_f(m['cct']):>5} {_f(m.get('explanation_words'), '.1f'):>5}"
            f" {_f(m['n_conflict'], 'd'):>4} {_f(m['self']):>5} {_f(m['orig']):>5}  {coup}"
        )
    return "\n".join(lines)


def timeline_from_args(
    args, settings: Settings, progress
) -> tuple[TimelineResult, Probe, list[Example]]:
    """Runs the timeline the options describe; raises when no checkpoint could be analysed."""
    probe = load_probe(args.probe)
    series = discover_series(args.series)
    examples = load_inputs(args.inputs, probe.label_names)
    for name, reason in series.skipped:
        print(f"note: skipped {name}: {reason}", file=sys.stderr)
    reference = _reference(series, args.reference)
    cache = ResultCache()
    try:
        result = run_timeline(
            series,
            probe,
            examples,
            settings,
            reference=reference,
            pool=ModelPool(1, device=args.device, dtype=settings.dtype),
            cache=cache,
            task=TaskState(progress),
            refresh=args.no_cache,
        )
    finally:
        cache.close()
    failed = [c for c in result.checkpoints if c.error]
    if len(failed) == len(result.checkpoints):
        raise CheckpointError(
            f"{series.root}: no checkpoint could be analysed (first: {failed[0].error})"
        )
    ref = result.find(result.reference)
    if ref.error and reference is not None:
        raise CheckpointError(f"the reference {ref.name} could not be analysed: {ref.error}")
    for c in result.checkpoints:
        for note in c.notes:
            print(f"note: {c.name}: {note}", file=sys.stderr)
    for c in failed:
        print(f"note: skipped {c.name}: {c.error}", file=sys.stderr)
    if ref.error:
        print(f"note: no coupling: the reference {ref.name} could not be analysed", file=sys.stderr)
    # an example's note (a capped input, counterfactual mode skipped) is told once per run
    notes = {n: None for c in result.checkpoints for ex in c.examples for n in ex.notes}
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return result, probe, examples


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


def run_cli_timeline(args, settings: Settings, progress, write_json) -> int:
    result, probe, examples = timeline_from_args(args, settings, progress)
    if args.json:
        write_json(result.to_dict(), args.json)
    table_out = sys.stderr if args.json == "-" else sys.stdout
    print(format_table(result), file=table_out)
    n_cached = sum(c.cached for c in result.checkpoints)
    n_total = sum(len(c.examples) for c in result.checkpoints)
    n_failed = sum(bool(c.error) for c in result.checkpoints)
    print(
        f"reference: {result.reference}   probe: {probe.name}   inputs: {len(examples)}"
        f"   from cache: {n_cached}/{n_total}" + (f"   skipped: {n_failed}" if n_failed else ""),
        file=table_out,
    )
    return 0
