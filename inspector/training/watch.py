"""Follow a training output folder while it trains: each new checkpoint is analysed once its
save is complete, and the timeline grows.

A checkpoint is ready when discovery accepts it (no partial or truncated file), a Trainer
``checkpoint-N`` folder has its ``trainer_state.json`` (written last by the Trainer), and its
files have not changed since the previous poll. Results stored by the training callback are
served without loading the model. Qt-free: the CLI loops over :meth:`RunWatcher.poll`, the app
calls it from a timer.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from ..core.cache import ResultCache
from ..core.errors import InspectorError
from ..core.inputs import Example
from ..core.loading import ModelPool
from ..core.probe import Probe
from ..core.results import Settings
from ..core.series import SeriesEntry, discover_series
from ..core.tasks import TaskState
from ..core.timeline import CheckpointResult, TimelineResult, analyse_checkpoint

_TRAINER_NAME = re.compile(r"^checkpoint-\d+$")


def _signature(path: Path) -> tuple:
    """Names, sizes and mtimes of the checkpoint's files: unchanged between polls = settled."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out = []
    for f in files:
        try:
            st = f.stat()
        except OSError:  # removed while we looked: still being written or rotated
            return ("changing", time.monotonic())
        out.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(out)


class RunWatcher:
    """The timeline of a run that is still being written; :meth:`poll` brings it up to date."""

    def __init__(
        self,
        root,
        probe: Probe,
        examples: list[Example],
        settings: Settings | None = None,
        reference: str | None = None,
        pool: ModelPool | None = None,
        cache: ResultCache | None = None,
        refresh: bool = False,
    ):
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise InspectorError(f"{self.root}: no such folder to watch")
        self.probe, self.examples = probe, list(examples)
        self.settings = settings or Settings()
        self.reference_name = reference.rstrip("/\\") if reference else None
        self.pool = pool or ModelPool(max_resident=1)
        self.cache, self.refresh = cache, refresh
        self.done: dict[str, CheckpointResult] = {}
        self.order: list[str] = []  # names in training order, as discovery sorts them
        self.skipped: list[tuple[str, str]] = []
        self._last: dict[str, tuple] = {}

    @property
    def reference(self) -> CheckpointResult | None:
        if self.reference_name is None:
            return None
        ref = self.done.get(self.reference_name)
        return ref if ref is not None and not ref.error else None

    def ready(self) -> list[SeriesEntry]:
        """Checkpoints not analysed yet whose save has completed, in training order."""
        try:
            series = discover_series(self.root)
        except InspectorError:  # nothing (complete) there yet
            return []
        self.order = series.names()
        self.skipped = list(series.skipped)
        out = []
        for entry in series.entries:
            if entry.name in self.done:
                continue
            if (
                _TRAINER_NAME.match(entry.path.name)
                and not (entry.path / "trainer_state.json").exists()
            ):
                continue
            sig = _signature(entry.path)
            if self._last.get(entry.name) == sig:
                out.append(entry)
            self._last[entry.name] = sig
        return out

    def poll(self, task: TaskState | None = None) -> list[CheckpointResult]:
        """Analyse every checkpoint that became ready; returns them (reference first)."""
        new = []
        entries = self.ready()
        if self.reference_name is not None and self.reference_name not in self.done:
            # a named reference goes first; until it is there, nothing else is analysed
            entries = [e for e in entries if e.name == self.reference_name]
        for entry in entries:
            ref = self.reference
            res = analyse_checkpoint(
                entry,
                self.probe,
                self.examples,
                self.settings,
                ref.examples if ref is not None else None,
                self.pool,
                self.cache,
                task,
                self.refresh,
            )
            if ref is None and self.reference_name is None and not res.error:
                self.reference_name = entry.name  # the first analysed checkpoint is the reference
            elif ref is None and entry.name != self.reference_name:
                res.metrics.update(dict.fromkeys(("n_conflict", "self", "orig", "coupling")))
            self.done[entry.name] = res
            new.append(res)
        return new

    def timeline(self) -> TimelineResult:
        """What has been analysed so far, as a timeline (training order)."""
        rank = {name: i for i, name in enumerate(self.order)}
        ckpts = sorted(self.done.values(), key=lambda c: (rank.get(c.name, len(rank)), c.name))
        return TimelineResult(
            str(self.root),
            self.reference_name or "",
            ckpts,
            self.settings,
            self.probe,
            list(self.examples),
            list(self.skipped),
        )

    def close(self) -> None:
        self.pool.clear()
