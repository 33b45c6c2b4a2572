"""``inspector report``: run the timeline (or read a report JSON) and write the report."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import InputError
from ..core.loading import pick_device
from ..core.results import Settings
from ..core.timeline_cli import timeline_from_args
from .model import Report, build_report, collect_provenance
from .write import SUFFIXES, read_report, write_report


def _check_out(out: str) -> None:
    if Path(out).suffix.lower() not in SUFFIXES:
        raise InputError(f"{out}: unknown report format; use .html, .json or .csv")


def report_from_run(args, settings: Settings, progress) -> Report:
    missing = [f"--{k}" for k in ("series", "probe", "inputs") if not getattr(args, k, None)]
    if missing:
        raise InputError(f"report: {', '.join(missing)} required (or --from REPORT.json)")
    result, _, _ = timeline_from_args(args, settings, progress)
    return build_report(result, collect_provenance(result, device=str(pick_device(args.device))))


def run_cli_report(args, settings: Settings | None, progress) -> int:
    _check_out(args.out)  # before minutes of model runs, not after
    report = read_report(args.from_) if args.from_ else report_from_run(args, settings, progress)
    for path in write_report(report, args.out):
        print(path)
    return 0
