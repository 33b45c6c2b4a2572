"""A training run as an ordered list of checkpoints, discovered from a folder.

Discovery reads file headers only (``inspect_checkpoint``): nothing is loaded or executed.
Anything in the folder that is not a usable checkpoint (optimizer files, logs, ``runs/``,
folders without a model, half-written checkpoints) lands in ``Series.skipped`` with a
reason, so a mixed Trainer output folder opens without an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .checkpoints import inspect_checkpoint, name_step
from .errors import CheckpointError, InputError
from .hubcache import PREFIX, filter_revisions, hub_candidates, is_hub_cache
from .layouts import brief, unrecognised

MAX_DEPTH = 4  # root/variant/phase/checkpoint-N is the deepest layout we expect
_CKPT_NAME = re.compile(r"^(?:checkpoint|step|epoch|global_step|iter)[-_]?\d+$", re.I)
_STATE_FILES = re.compile(r"^(optimizer|scheduler|rng_state|scaler|training_args)", re.I)
_LOG_SUFFIXES = {".log", ".txt", ".out", ".err", ".csv"}
# files that travel with a run (probe, inputs, run metadata, readme): expected, not worth a note
_COMPANION_SUFFIXES = {".toml", ".json", ".jsonl", ".md", ".yaml", ".yml"}


@dataclass
class SeriesEntry:
    name: str  # path relative to the series root, posix ("phase1/checkpoint-100")
    path: Path
    step: int | None
    excluded: bool = False
    kind: str = "folder"  # folder | trainer | gguf (CheckpointInfo.kind)

    @property
    def phase(self) -> str:
        """The folder holding this checkpoint, relative to the root ("" at the top level)."""
        return self.name.rpartition("/")[0]


@dataclass
class Series:
    root: Path
    entries: list[SeriesEntry]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason)

    def active(self) -> list[SeriesEntry]:
        return [e for e in self.entries if not e.excluded]

    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def find(self, name: str) -> SeriesEntry:
        for e in self.entries:
            if e.name == name:
                return e
        shown = ", ".join(self.names()[:8]) + (" …" if len(self.entries) > 8 else "")
        raise InputError(
            f"{self.root}: no checkpoint named {name!r} in this series (have: {shown})"
        )

    def reorder(self, names: list[str]) -> None:
        """Put ``names`` first, in that order; the others keep their relative order after them."""
        picked = [self.find(n) for n in dict.fromkeys(names)]
        rest = [e for e in self.entries if e.name not in set(names)]
        self.entries = picked + rest

    def exclude(self, name: str, flag: bool = True) -> None:
        self.find(name).excluded = flag


def _file_reason(path: Path) -> str:
    if _STATE_FILES.match(path.name):
        return "training state (optimizer/scheduler/RNG), not a model"
    if path.suffix.lower() in _LOG_SUFFIXES or "log" in path.name.lower():
        return "log or text file, not a model"
    return "not a checkpoint (expected a model folder or a .gguf file)"


def _is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() or (path / "adapter_config.json").is_file()


def _walk(
    folder: Path,
    rel: str,
    depth: int,
    found: list,
    skipped: list,
    in_model: bool,
    seen: set | None = None,
) -> None:
    """Collect candidate checkpoints under ``folder``; note what is not one.

    Inside a model folder only nested model folders count (a Trainer output folder holding
    its final model and its checkpoint-N folders); its own files are not reported.
    A folder reached twice (a symlink loop, or a link to a sibling) is walked once; pipes,
    sockets and devices are never opened, so the walk always ends and never blocks.
    """
    seen = set() if seen is None else seen
    try:
        real = folder.resolve()
    except (OSError, RuntimeError):  # a symlink loop resolves to nothing
        skipped.append((rel or ".", "symlink loop"))
        return
    if real in seen:
        if rel:
            skipped.append((rel, "already walked (a symlink to a folder seen before)"))
        return
    seen.add(real)
    try:
        children = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        skipped.append((rel or ".", f"cannot list folder ({exc.strerror or exc})"))
        return
    for child in children:
        if child.name.startswith((".", "__")):
            continue
        name = f"{rel}/{child.name}" if rel else child.name
        if child.is_file():
            if in_model:
                continue
            if child.suffix.lower() == ".gguf":
                found.append((name, child))
            elif child.suffix.lower() not in _COMPANION_SUFFIXES:
                skipped.append((name, _file_reason(child)))
            continue
        if not child.is_dir():
            continue
        if not in_model and is_hub_cache(child):  # a hub cache inside: its refs, as one phase
            hub_found, hub_skipped = hub_candidates(child)
            found += [(f"{name}/{ref}", path) for ref, path, _ in hub_found]
            skipped += [(f"{name}/{ref}", why) for ref, why in hub_skipped]
            continue
        is_model = _is_model_dir(child)
        if is_model or (not in_model and _CKPT_NAME.match(child.name)):
            found.append((name, child))
            if depth + 1 < MAX_DEPTH:
                _walk(child, name, depth + 1, found, [], in_model=True, seen=seen)
            continue
        if depth + 1 >= MAX_DEPTH:
            if not in_model:
                skipped.append((name, f"no checkpoint found (searched {MAX_DEPTH} levels deep)"))
            continue
        n_found, n_skipped = len(found), len(skipped)
        _walk(child, name, depth + 1, found, skipped, in_model, seen)
        if len(found) == n_found:  # one note for the folder, not one per file inside it
            del skipped[n_skipped:]
            if not in_model:
                skipped.append((name, "no checkpoint inside"))


def _step(info_step: int | None, name: str) -> int | None:
    if info_step is not None:
        return info_step
    for part in reversed(name.split("/")):  # "step_100/model.gguf": the folder carries the step
        step = name_step(part)
        if step is not None:
            return step
    return None


def _order(entries: list[SeriesEntry], found: dict[str, int] | None = None) -> list[SeriesEntry]:
    """By step; checkpoints without a step go last.

    Nested runs are ordered phase by phase (a phase sorts by its first step, then by folder
    name) so a phase2 whose Trainer restarted its step count still follows phase1.
    """

    def within(e: SeriesEntry):
        # a hub cache's stepless refs keep its order (main, then unreferenced snapshots)
        hub = (found or {}).get(e.name, 0) if e.phase.rpartition("/")[2].startswith(PREFIX) else 0
        return (e.step is None, e.step if e.step is not None else 0, hub, e.name)

    phases: dict[str, list[SeriesEntry]] = {}
    for e in entries:
        phases.setdefault(e.phase, []).append(e)
    groups = [sorted(g, key=within) for g in phases.values()]
    groups.sort(key=lambda g: (*within(g[0])[:2], g[0].phase))
    return [e for g in groups for e in g]


def discover_series(root, revisions: str | None = None) -> Series:
    """The checkpoints under ``root`` (or ``root`` itself when it is one), in training order.

    A hub-cache folder (``models--ORG--NAME``) gives its refs in step order (``hubcache``).
    ``revisions``, a regular expression, keeps only the checkpoints whose name it matches.
    Raises InputError when the folder holds no checkpoint at all, CheckpointError when it
    holds only broken ones.
    """
    series = _discover(Path(root).expanduser())
    filter_revisions(series, revisions)
    return series


def _discover(root: Path) -> Series:
    if not root.exists():
        raise InputError(f"{root}: no such file or folder")
    candidates: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []
    hub_steps: dict[str, int | None] | None = None
    if is_hub_cache(root):
        found, skipped = hub_candidates(root)
        candidates = [(name, path) for name, path, _ in found]
        hub_steps = {name: step for name, _, step in found}
    elif root.is_file():
        candidates.append((root.name, root))
    else:
        if _is_model_dir(root):
            # the folder itself is a model: named by its folder name, since "." reads badly
            candidates.append((root.name, root))
        _walk(root, "", 0, candidates, skipped, in_model=_is_model_dir(root))
    if not candidates:
        raise InputError(unrecognised(root, "no checkpoint found"))
    entries: list[SeriesEntry] = []
    for name, path in candidates:
        try:
            info = inspect_checkpoint(path)
        except CheckpointError as exc:
            skipped.append((name, brief(str(exc))))  # one note per folder: no layout list
            continue
        step = hub_steps[name] if hub_steps is not None else _step(info.step, name)
        entries.append(SeriesEntry(name, path, step, kind=info.kind))
    if not entries:
        first = next(reason for n, reason in skipped if n in {c[0] for c in candidates})
        raise CheckpointError(
            f"{root}: none of the {len(candidates)} checkpoint(s) found can be used (first: {first})"
        )
    # hub refs come ordered already (by the step in their name, then unnamed snapshots)
    found = {name: i for i, (name, _) in enumerate(candidates)}
    return Series(root, entries if hub_steps is not None else _order(entries, found), skipped)
