"""Hugging Face hub-cache folders (``models--ORG--NAME``) as series of revisions, offline.

The layout huggingface_hub writes: ``refs/<name>`` files hold a commit hash,
``snapshots/<hash>/`` hold the files of that commit (symlinks into ``blobs/``). Runs such as
Pythia publish one branch per training step (``step1000``, ``step1000-tokens2B``), so the
refs, ordered by the step in their name, are the series. Snapshots no ref points to come
after them, named by their short hash, without a step.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import InputError

PREFIX = "models--"
# the step a ref name carries: step1000, step1000-tokens2B, revision-3, checkpoint_500, 1000
_REF_STEP = re.compile(
    r"(?:^|[^a-z])(?:step|revision|rev|checkpoint|ckpt|iter|iteration|global_step|epoch)[-_]?(\d+)",
    re.I,
)
SHORT = 7  # git's short hash


def is_hub_cache(path: Path) -> bool:
    return path.is_dir() and path.name.startswith(PREFIX) and (path / "snapshots").is_dir()


def repo_id(path: Path) -> str:
    return path.name[len(PREFIX) :].replace("--", "/")


def ref_step(name: str) -> int | None:
    """The training step a ref (branch or tag) name carries, if any."""
    base = name.rsplit("/", 1)[-1]
    m = _REF_STEP.search(base)
    if m:
        return int(m.group(1))
    return int(base) if base.isdigit() else None


def _refs(root: Path) -> dict[str, str]:
    refs_dir = root / "refs"
    out: dict[str, str] = {}
    if not refs_dir.is_dir():
        return out
    for f in sorted(refs_dir.rglob("*")):
        if f.is_file():
            try:
                out[f.relative_to(refs_dir).as_posix()] = f.read_text(encoding="ascii").strip()
            except (OSError, UnicodeDecodeError):
                continue
    return out


def hub_candidates(root: Path) -> tuple[list[tuple[str, Path, int | None]], list[tuple[str, str]]]:
    """(name, snapshot folder, step) in series order, and (name, reason) for refs not usable.

    Refs with a step come first by step, then refs without one (``main``) by name, then
    snapshots no ref points to, by short hash.
    """
    snapshots = {d.name: d for d in sorted((root / "snapshots").iterdir()) if d.is_dir()}
    refs = _refs(root)
    found, skipped = [], []
    for name, commit in refs.items():
        if commit in snapshots:
            found.append((name, snapshots[commit], ref_step(name)))
        else:
            skipped.append((name, f"points to {commit[:SHORT]}, which is not downloaded here"))
    found.sort(key=lambda t: (t[2] is None, t[2] or 0, t[0]))
    pointed = set(refs.values())
    for commit, folder in snapshots.items():
        if commit not in pointed:
            found.append((commit[:SHORT], folder, None))
    return found, skipped


def not_one_checkpoint(root: Path) -> str:
    """What to say when a hub-cache folder is given where one checkpoint is expected."""
    found, _ = hub_candidates(root)
    main = next((p for name, p, _ in found if name == "main"), found[-1][1] if found else None)
    pick = f"; one revision is a folder such as {main}" if main else ""
    return (
        f"{root}: a hub-cache folder with {len(found)} downloaded revision(s), not one checkpoint:"
        f" open it as a series (timeline --series, --revisions REGEX){pick}"
    )


def hub_cache_dir() -> Path:
    """Where huggingface_hub keeps its cache, from the same environment variables it reads."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


def cached_snapshot(repo: str, revision: str = "main") -> Path | None:
    """The local snapshot of hub repo ``ORG/NAME`` at ``revision`` (a ref or commit), if present."""
    folder = hub_cache_dir() / (PREFIX + repo.replace("/", "--"))
    if not (folder / "snapshots").is_dir():
        return None
    ref = folder / "refs" / revision
    commit = ref.read_text(encoding="ascii").strip() if ref.is_file() else revision
    if (folder / "snapshots" / commit).is_dir():
        return folder / "snapshots" / commit
    snaps = [d for d in (folder / "snapshots").iterdir() if d.is_dir()]
    if revision == "main" and len(snaps) == 1:  # downloaded by commit: the only one there is
        return snaps[0]
    return None


def filter_revisions(series, pattern: str | None) -> None:
    """Keep only the checkpoints whose name matches ``pattern`` (a regular expression,
    searched anywhere in the name: ``'^step\\d+000$'``, ``'step(1|2)000'``)."""
    if not pattern:
        return
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise InputError(f"revisions {pattern!r}: not a regular expression ({exc})") from None
    kept = [e for e in series.entries if rx.search(e.name)]
    if not kept:
        names = series.names()
        shown = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
        raise InputError(
            f"revisions {pattern!r} match no checkpoint of {series.root} (have: {shown})"
        )
    series.entries = kept
