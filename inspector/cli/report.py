"""``inspector report``: run the timeline (or read a report JSON) and write the report."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import InputError
from ..core.loading import pick_device
from ..core.results import Settings
from ..reports.model import Report, build_report, collect_provenance
from ..reports.write import SUFFIXES, read_report, write_report
from .options import settings_from_args
from .timeline import timeline_from_args


def _check_from_alone(args) -> None:
    """``--from`` re-creates a report as it was run: an analysis option would silently not apply."""
    from . import parser

    defaults = vars(parser().parse_args(["report", "--out", args.out]))
    extra = [
        "--" + k.replace("_", "-")
        for k, v in vars(args).items()
        if k not in ("from_", "out", "func", "verbose", "command") and v != defaults.get(k)
    ]
    if extra:
        raise InputError(
            f"report --from writes the report as it was run; {', '.join(extra)} cannot"
            " change it (run the report again without --from)"
        )


def _check_out(out: str) -> None:
    if Path(out).suffix.lower() not in SUFFIXES:
        raise InputError(f"{out}: unknown report format; use .html, .json or .csv")


def report_from_run(args, settings: Settings) -> Report:
    missing = [f"--{k}" for k in ("series", "probe", "inputs") if not getattr(args, k, None)]
    if missing:
        raise InputError(f"report: {', '.join(missing)} required (or --from REPORT.json)")
    result, _, _ = timeline_from_args(args, settings)
    return build_report(result, collect_provenance(result, device=str(pick_device(args.device))))


def run_cli_report(args) -> int:
    if args.from_:
        _check_from_alone(args)
    settings = None if args.from_ else settings_from_args(args)
    _check_out(args.out)  # before minutes of model runs, not after
    report = read_report(args.from_) if args.from_ else report_from_run(args, settings)
    for path in write_report(report, args.out):
        print(path)
    return 0
