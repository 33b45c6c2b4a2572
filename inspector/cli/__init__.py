"""Headless commands. Same core calls as the GUI.

Exit codes: 0 ok, 2 bad usage or bad input, 3 a checkpoint that cannot be loaded.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .. import __version__
from ..core.errors import InputError, InspectorError
from .commands import cmd_analyze, cmd_demo, cmd_gui, cmd_merge, cmd_report, cmd_timeline
from .options import add_analysis_options, add_revisions_option, add_scale_options
from .terminal import check_argv_utf8

__all__ = ["main", "parser"]


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="inspector", description=__doc__.splitlines()[0])
    ap.add_argument("--version", action="version", version=f"inspector {__version__}")
    ap.add_argument("-v", "--verbose", action="store_true")
    sub = ap.add_subparsers(dest="command")

    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("path", nargs="?", help="a checkpoint or series folder")
    p.add_argument("--base", default=None, metavar="PATH", help="base model for LoRA adapters")
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("demo", help="build the demo series (idempotent) and print its folder")
    p.add_argument("--out", default=None, help="where to build it (default: the user data dir)")
    p.add_argument("--rebuild", action="store_true", help="build again even if it exists")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("analyze", help="one checkpoint, one input")
    p.add_argument("--model", required=True, help="checkpoint folder or .gguf file")
    p.add_argument("--probe", required=True, help="probe TOML file")
    p.add_argument("--input", default=None, help="the input text (default: read stdin)")
    p.add_argument("--json", default=None, metavar="OUT", help="write JSON here ('-' for stdout)")
    add_analysis_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("timeline", help="metrics for every checkpoint of a series")
    p.add_argument("--series", default=None)
    p.add_argument(
        "--watch",
        default=None,
        metavar="DIR",
        help="follow a training output folder: analyse each checkpoint once saved (Ctrl-C stops)",
    )
    p.add_argument(
        "--watch-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop watching once no new checkpoint has appeared for this long (for scripts)",
    )
    p.add_argument(
        "--poll", type=float, default=5.0, metavar="SECONDS", help="--watch: look this often"
    )
    p.add_argument("--probe", required=True)
    p.add_argument(
        "--inputs", required=True, help="text (one input per line) or JSONL with text/label"
    )
    p.add_argument(
        "--reference", default=None, help="reference checkpoint name (default: the first)"
    )
    p.add_argument("--json", default=None, metavar="OUT")
    p.add_argument(
        "--no-cache", action="store_true", help="recompute instead of reusing cached results"
    )
    add_revisions_option(p)
    add_analysis_options(p)
    add_scale_options(p)
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("merge", help="combine the parts of timeline --shard runs into a timeline")
    p.add_argument("parts", nargs="+", metavar="PART", help="the parts' JSON files")
    p.add_argument("--json", default=None, metavar="OUT", help="write the timeline JSON here")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("report", help="write a comparison report (.html, .json or .csv)")
    p.add_argument("--series", default=None)
    p.add_argument("--probe", default=None)
    p.add_argument("--inputs", default=None)
    p.add_argument("--reference", default=None)
    p.add_argument(
        "--from",
        dest="from_",
        default=None,
        metavar="REPORT.json",
        help="re-create a report from its JSON",
    )
    p.add_argument("--out", required=True)
    p.add_argument("--no-cache", action="store_true")
    add_revisions_option(p)
    add_analysis_options(p)
    p.set_defaults(func=cmd_report)
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    try:
        check_argv_utf8(sys.argv[1:] if argv is None else argv)
    except InputError as exc:
        print(f"inspector: error: {exc}", file=sys.stderr)
        return exc.exit_code
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
    if args.command is None:
        return cmd_gui(args)
    try:
        return args.func(args)
    except InspectorError as exc:
        print(f"inspector: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("inspector: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `inspector … | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # an output path that cannot be written (a folder, a missing parent)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"inspector: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
