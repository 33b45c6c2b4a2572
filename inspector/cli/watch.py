"""``inspector timeline --watch DIR``: the timeline of a run that is still training, live."""

from __future__ import annotations

import sys
import time

from ..core.cache import ResultCache
from ..core.errors import InputError
from ..core.inputs import load_inputs
from ..core.loading import ModelPool
from ..core.probe import load_probe
from ..core.tasks import TaskState
from ..training.watch import RunWatcher
from .printing import table_rows
from .terminal import stderr_progress, table_out, write_json


def _rows(watcher: RunWatcher, names: set[str]) -> tuple[list[str], list[str]]:
    """The header and the table lines of ``names``, formatted like ``inspector timeline``."""
    timeline = watcher.timeline()
    head, groups = table_rows(timeline)
    picked = [
        line
        for g, c in zip(groups, timeline.checkpoints, strict=True)
        if c.name in names
        for line in g
    ]
    return head, picked


def run_cli_watch(args, settings) -> int:
    if args.poll <= 0 or (args.watch_timeout is not None and args.watch_timeout <= 0):
        raise InputError("--poll and --watch-timeout take a number of seconds above 0")
    probe = load_probe(args.probe)
    examples = load_inputs(args.inputs, probe.label_names)
    cache = ResultCache()
    watcher = RunWatcher(
        args.watch,
        probe,
        examples,
        settings,
        reference=args.reference,
        pool=ModelPool(1, device=args.device),
        cache=cache,
        refresh=args.no_cache,
    )
    out = table_out(args.json)
    # --watch-timeout counts quiet time: the watch ends that long after the last new checkpoint
    idle = args.watch_timeout
    deadline = time.monotonic() + idle if idle else None
    print(
        f"watching {watcher.root} (every {args.poll:g} s; Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    header_shown = False
    try:
        while True:
            new = watcher.poll(TaskState(stderr_progress))
            if new:
                head, rows = _rows(watcher, {c.name for c in new})
                if not header_shown:
                    print("\n".join(head), file=out)
                    header_shown = True
                print("\n".join(rows), file=out, flush=True)
                for c in new:
                    for note in [*c.notes, *([f"skipped: {c.error}"] if c.error else [])]:
                        print(f"note: {c.name}: {note}", file=sys.stderr)
                if args.json and args.json != "-":
                    write_json(watcher.timeline().to_dict(), args.json)
                if idle:
                    deadline = time.monotonic() + idle
            if deadline is not None and time.monotonic() >= deadline:
                break
            wait = (
                args.poll
                if deadline is None
                else min(args.poll, max(0.0, deadline - time.monotonic()))
            )
            time.sleep(wait)
    except KeyboardInterrupt:
        print("", file=sys.stderr)  # Ctrl-C is how a watch ends: not an error
    finally:
        cache.close()
        watcher.close()
    result = watcher.timeline()
    if args.json:
        write_json(result.to_dict(), args.json)
    n_cached = sum(c.cached for c in result.checkpoints)
    n_total = sum(len(c.examples) for c in result.checkpoints)
    print(
        f"reference: {result.reference or '—'}   probe: {probe.name}   inputs: {len(examples)}"
        f"   checkpoints: {len(result.checkpoints)}   from stored/cached results: {n_cached}/{n_total}",
        file=out,
    )
    return 0
