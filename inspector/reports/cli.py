"""``inspector report``: run the timeline (or read a report JSON) and write the report."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.cache import ResultCache
from ..core.errors import CheckpointError, InputError
from ..core.inputs import load_inputs
from ..core.loading import ModelPool, pick_device
from ..core.probe import load_probe
from ..core.results import Settings
from ..core.series import discover_series
from ..core.tasks import TaskState
from ..core.timeline import run_timeline
from .model import Report, build_report, collect_provenance
from .write import SUFFIXES, read_report, write_report


def _check_out(out: str) -> None:
    if Path(out).suffix.lower() not in SUFFIXES:
        raise InputError(f"{out}: unknown report format; use .html, .json or .csv")


def report_from_run(args, settings: Settings, progress) -> Report:
    missing = [f"--{k}" for k in ("series", "probe", "inputs") if not getattr(args, k, None)]
    if missing:
        raise InputError(f"report: {', '.join(missing)} required (or --from REPORT.json)")
    probe = load_probe(args.probe)
    series = discover_series(args.series)
    examples = load_inputs(args.inputs, probe.label_names)
    for name, reason in series.skipped:
        print(f"note: skipped {name}: {reason}", file=sys.stderr)
    cache = ResultCache()
    try:
        result = run_timeline(
            series,
            probe,
            examples,
            settings,
            reference=args.reference,
            pool=ModelPool(1, device=args.device),
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
    timeline = result.to_dict()
    return build_report(
        timeline, collect_provenance(timeline, device=str(pick_device(args.device)))
    )


def run_cli_report(args, settings: Settings | None, progress) -> int:
    _check_out(args.out)  # before minutes of model runs, not after
    report = read_report(args.from_) if args.from_ else report_from_run(args, settings, progress)
    for path in write_report(report, args.out):
        print(path)
    return 0
