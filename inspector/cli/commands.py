"""One function per subcommand. Each imports its module only when run, so that building the
parser (``inspector --help``, ``--version``) loads no model code."""

from __future__ import annotations

import sys

from ..core.errors import InputError
from .terminal import stderr_progress


def cmd_analyze(args) -> int:
    from .analyze import run_cli_analyze

    return run_cli_analyze(args)


def cmd_demo(args) -> int:
    from ..demo.series import build_demo
    from ..demo.story import story_report

    folder = build_demo(args.out, rebuild=args.rebuild, progress=stderr_progress)
    print(folder)
    holds, report = story_report(folder)
    print(report, file=sys.stderr)
    return 0 if holds else 1  # a demo that tells no story is not a silent success


def cmd_timeline(args) -> int:
    from .options import settings_from_args
    from .timeline import run_cli_timeline

    if args.watch:
        if args.series:
            raise InputError("give --series or --watch, not both")
        from .watch import run_cli_watch

        return run_cli_watch(args, settings_from_args(args))
    if not args.series:
        raise InputError("timeline needs --series DIR (or --watch DIR for a run still training)")

    return run_cli_timeline(args, settings_from_args(args))


def cmd_merge(args) -> int:
    from .timeline import run_cli_merge

    return run_cli_merge(args)


def cmd_report(args) -> int:
    from .report import run_cli_report

    return run_cli_report(args)


def cmd_gui(args) -> int:
    from ..app import main as gui_main

    if getattr(args, "base", None) and getattr(args, "path", None):
        from ..core.adapters import use_cli_base

        use_cli_base(args.path, args.base)  # adapters under PATH apply to this base

    return gui_main([args.path] if getattr(args, "path", None) else [])
