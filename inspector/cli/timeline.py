"""``inspector timeline`` and the run half of ``inspector report``: options in, a timeline out."""

from __future__ import annotations

import sys

from ..core.adapters import use_cli_base
from ..core.cache import ResultCache
from ..core.errors import CheckpointError, InputError
from ..core.inputs import Example, load_inputs
from ..core.loading import ModelPool
from ..core.probe import Probe, load_probe
from ..core.results import Settings
from ..core.series import discover_series
from ..core.stats import SEED, fmt_interval
from ..core.tasks import TaskState
from ..core.timeline import TimelineResult, run_timeline


def _f(v, fmt: str = ".2f") -> str:
    return "—" if v is None else format(v, fmt)


def table_rows(result: TimelineResult) -> tuple[list[str], list[list[str]]]:
    """The header lines, and per checkpoint its lines (a row, and a ⚠ line when degenerate)."""
    head = (
        f"{'checkpoint':<28} {'step':>6} {'acc':>5} {'hit@1':>5} {'mass':>5} {'cct':>5}"
        f" {'words':>5} {'|C|':>4} {'self':>5} {'orig':>5}  coupling"
    )
    groups: list[list[str]] = []
    for c in result.checkpoints:
        lines: list[str] = []
        groups.append(lines)
        name = c.name if len(c.name) <= 28 else "…" + c.name[-27:]
        step = "—" if c.step is None else str(c.step)
        if c.duplicate_of:
            name = (name[:23] + "…") if len(name) > 24 else name
            name = f"{name} (=)"  # same weights as an earlier checkpoint (see the notes)
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
        if m.get("degenerate"):
            lines.append(f"{'':<28} {'':>6}  ⚠ degenerate: {m['degenerate']}")
    return [head, "─" * len(head)], groups


def format_table(result: TimelineResult) -> str:
    """One row per checkpoint; coupling is never shown without the size of its conflict set."""
    head, groups = table_rows(result)
    return "\n".join([*head, *(line for g in groups for line in g)])


_INTERVAL_ROWS = (
    ("accuracy", "accuracy", ()),
    ("hit_at_1", "hit@1", ("hit_at_1_chance", "hit_at_1_lift")),
    ("cited_mass", "cited mass", ("cited_mass_chance", "cited_mass_lift")),
    ("comprehensiveness", "comp.", ("sufficiency",)),
    ("group_delta_top_k", "top-k group Δ", ("group_delta_cited",)),
    ("explanation_words", "expl. words", ()),
)
_SHORT = {
    "hit_at_1_chance": "chance",
    "hit_at_1_lift": "lift",
    "cited_mass_chance": "chance",
    "cited_mass_lift": "lift",
    "sufficiency": "suff.",
    "group_delta_cited": "cited group Δ",
}


def _iv(m: dict, key: str) -> str:
    spec = "+.2f" if key.endswith("_lift") or key == "coupling" else ".2f"
    return fmt_interval(m.get(key), m.get(f"{key}_ci"), m.get(f"n_{key}"), spec)


def format_intervals(result: TimelineResult) -> str:
    """Every mean with its 95 % bootstrap interval and n; coupling with |C_t|."""
    tau = result.settings.tau
    lines = [f"95 % intervals (bootstrap over inputs, seed {SEED}); τ = {tau:g}"]
    for c in result.checkpoints:
        if c.error:
            continue
        m = c.metrics
        lines.append(f"{c.name}   {m.get('n_undecided', 0)} of {m['n_examples']} undecided")
        for key, title, beside in _INTERVAL_ROWS:
            if m.get(f"n_{key}") or any(m.get(f"n_{b}") for b in beside):
                rest = "   ".join(f"{_SHORT[b]} {_iv(m, b)}" for b in beside)
                lines.append(f"  {title:<14} {_iv(m, key):<26} {rest}".rstrip())
        if c.name != result.reference and m.get("n_conflict") is not None:
            lines.append(
                f"  {'coupling':<14} {_iv(m, 'coupling')} over |C_t| = {m['n_conflict']}"
                f"   self {_iv(m, 'self')}   orig {_iv(m, 'orig')}"
            )
    return "\n".join(lines)


def timeline_from_args(
    args, settings: Settings, progress
) -> tuple[TimelineResult, Probe, list[Example]]:
    """Runs the timeline the options describe; raises when no checkpoint could be analysed."""
    probe, series, examples, reference = _request(args)
    cache = ResultCache()
    workers, address = getattr(args, "workers", None), getattr(args, "ray_address", None)
    try:
        if workers or address:
            from ..core.cluster import run_cluster_timeline

            result = run_cluster_timeline(
                series,
                probe,
                examples,
                settings,
                reference=reference,
                cache=cache,
                task=TaskState(progress),
                refresh=args.no_cache,
                workers=workers,
                address=address,
                device=args.device,
            )
        else:
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
                inputs_path=args.inputs,
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
    for c in result.checkpoints:
        if c.duplicate_of:
            print(
                f"note: {c.name} has the same weights as {c.duplicate_of}"
                f" (sha256 {(c.sha256 or '')[:12]}…); analysed once",
                file=sys.stderr,
            )
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
    return result, probe, examples


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


def run_cli_timeline(args, settings: Settings, progress, write_json) -> int:
    if getattr(args, "shard", None):
        return run_cli_shard(args, settings, progress, write_json)
    result, probe, examples = timeline_from_args(args, settings, progress)
    if args.json:
        write_json(result.to_dict(), args.json)
    table_out = sys.stderr if args.json == "-" else sys.stdout
    print(format_table(result), file=table_out)
    print(format_intervals(result), file=table_out)
    n_cached = sum(c.cached for c in result.checkpoints)
    n_total = sum(len(c.examples) for c in result.checkpoints)
    n_failed = sum(bool(c.error) for c in result.checkpoints)
    print(
        f"reference: {result.reference}   probe: {probe.name}   inputs: {len(examples)}"
        f"   from cache: {n_cached}/{n_total}" + (f"   skipped: {n_failed}" if n_failed else ""),
        file=table_out,
    )
    return 0


def run_cli_shard(args, settings: Settings, progress, write_json) -> int:
    """``timeline --shard i/N --json PART``: one block of the (checkpoint × input) units."""
    from ..core.shards import parse_shard, run_shard

    shard = parse_shard(args.shard)
    if not args.json:
        raise InputError("--shard writes a part for inspector merge: give it --json PART.json")
    probe, series, examples, reference = _request(args)
    cache = ResultCache()
    try:
        part = run_shard(
            series,
            probe,
            examples,
            settings,
            shard,
            reference=reference,
            cache=cache,
            task=TaskState(progress),
            refresh=args.no_cache,
            device=args.device,
            workers=getattr(args, "workers", None),
            address=getattr(args, "ray_address", None),
        )
    finally:
        cache.close()
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
        file=sys.stderr if args.json == "-" else sys.stdout,
    )
    return 0


def run_cli_merge(args, progress, write_json) -> int:
    """``inspector merge PARTS... --json OUT``: the timeline the shards make together."""
    from ..core.shards import merge_parts

    result = merge_parts(args.parts, task=TaskState(progress))
    if all(c.error for c in result.checkpoints):
        raise CheckpointError(
            f"no checkpoint could be analysed (first: {result.checkpoints[0].error})"
        )
    if args.json:
        write_json(result.to_dict(), args.json)
    table_out = sys.stderr if args.json == "-" else sys.stdout
    print(format_table(result), file=table_out)
    n_failed = sum(bool(c.error) for c in result.checkpoints)
    print(
        f"reference: {result.reference}   probe: {result.probe.name}"
        f"   inputs: {len(result.inputs)}   parts: {len(args.parts)}"
        + (f"   skipped: {n_failed}" if n_failed else ""),
        file=table_out,
    )
    return 0
