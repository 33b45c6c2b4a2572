"""The built-in demo series: a training run in miniature where explanations decouple.

Phase 1 teaches a tiny word-level Llama a keyword rule and to name the keyword as its reason.
Phase 2 branches twice from phase 1's end and adds a cue ("refund") that makes a review
negative: under *fixed* supervision the explanation targets keep naming the old keyword
(behaviour changes, explanations don't); under *refreshed* supervision they name the cue.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..core.errors import InspectorError
from ..core.tasks import TaskState
from . import data, train
from .story import MARKER, check_story

BUILD_VERSION = 2  # 2: the recipe that holds on every kernel path (train.LR); rebuilds v1
SEED = 0
PHASE1_STEPS, PHASE2_STEPS, SAVE_EVERY = 160, 300, 60
# Phase 1 saves only trained checkpoints: the first checkpoint is the timeline's default
# reference, and coupling against a model that decides nothing is no coupling at all.
PHASE1_SAVE_EVERY = 80
PHASE2_CUE_SHARE = 0.6
VARIANTS = {"fixed": False, "refreshed": True}  # variant -> explanation targets name the cue


def demo_root() -> Path:
    from ..core.paths import data_dir

    return data_dir() / "demo"


def is_complete(root: Path) -> bool:
    try:
        return json.loads((root / MARKER).read_text()).get("version") == BUILD_VERSION
    except (OSError, ValueError, AttributeError):
        return False


def build_demo(
    out: str | Path | None = None,
    rebuild: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    task: TaskState | None = None,
    seed: int = SEED,
) -> Path:
    """Build the demo series under ``out`` (default: :func:`demo_root`) and return that folder.

    A complete build of this version is reused unless ``rebuild``. The series is built in a
    sibling temp folder and moved into place at the end, so a cancelled or crashed build never
    leaves a folder that looks complete.
    """
    root = Path(out).expanduser() if out is not None else demo_root()
    if is_complete(root) and not rebuild:
        return root
    if root.exists() and any(root.iterdir()) and not (root / "probe.toml").exists():
        raise InspectorError(f"{root}: not empty and not a demo folder; pick another --out")
    root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{root.name}.building-", dir=root.parent))
    try:
        task = task or TaskState()
        seconds = _build(work, progress, task, seed)
        if progress is not None:
            progress(0, 0, "checking the demo's story")
        story = check_story(work, task)
        marker = {"version": BUILD_VERSION, "seed": seed, "seconds": round(seconds, 1)}
        (work / MARKER).write_text(json.dumps({**marker, "story": story.to_dict()}))
        if root.exists():
            shutil.rmtree(root)
        work.rename(root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return root


def _build(root: Path, progress, task: TaskState, seed: int) -> float:
    import torch

    t0 = time.perf_counter()
    (root / "probe.toml").write_text(data.PROBE_TOML)
    rows = data.input_set()
    (root / "inputs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    total = PHASE1_STEPS + PHASE2_STEPS * len(VARIANTS)
    done = 0

    def step(message: str):
        def on_step(_global_step: int):
            nonlocal done
            done += 1
            task.progress(done, total, message)
            if progress is not None:
                progress(done, total, message)

        return on_step

    was_deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # a tiny model: extra threads only add contention and nondeterminism
    try:
        run = train.new_run(seed)
        first = root / "fixed" / "phase1"
        train.train(
            run, PHASE1_STEPS, seed + 1, 0.0, False, step("phase 1"), PHASE1_SAVE_EVERY, first
        )
        shutil.copytree(first, root / "refreshed" / "phase1")
        for variant, refreshed in VARIANTS.items():
            branch = train.branch(run)
            # same data seed in both variants: they differ only in the explanation targets
            train.train(
                branch,
                PHASE2_STEPS,
                seed + 2,
                PHASE2_CUE_SHARE,
                refreshed,
                step(f"phase 2 ({variant})"),
                SAVE_EVERY,
                root / variant / "phase2",
            )
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        torch.set_num_threads(threads)
    return time.perf_counter() - t0
