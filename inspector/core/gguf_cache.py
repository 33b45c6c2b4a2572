"""Dequantised GGUF weights cached as safetensors, so a GGUF reopens as fast as an HF folder.

Dequantising every tensor of a GGUF file takes most of its open time (about 30 s for a
135M model against 3 s for a safetensors folder). The first open stores the result under
the user cache dir, keyed by the file's SHA-256 (read in 1 MiB blocks, with progress and
cancel), with the config and tokenizer read from its header; later opens read that folder
as they would an HF checkpoint. The digest is memoised by path, size and
mtime in ``digests.json`` beside it, so a reopen does not read the GGUF through either.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from .paths import cache_dir
from .prefs import atomic_write
from .tasks import TaskState, ensure_task

log = logging.getLogger(__name__)
_BLOCK = 1 << 20


def folder() -> Path:
    path = cache_dir() / "gguf"
    path.mkdir(parents=True, exist_ok=True)
    return path


def digest(path: Path, task: TaskState | None = None) -> str:
    """SHA-256 of the file, memoised by (path, size, mtime) across runs."""
    task = ensure_task(task)
    st = path.stat()
    memo_file = folder() / "digests.json"
    try:
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    key = str(path.resolve())
    known = memo.get(key)
    if known and known[:2] == [st.st_size, st.st_mtime_ns]:
        return known[2]
    h = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            h.update(block)
            done += len(block)
            if done % (64 * _BLOCK) < _BLOCK:
                task.progress(done >> 20, max(st.st_size >> 20, 1), "reading the GGUF file (MiB)")
    memo[key] = [st.st_size, st.st_mtime_ns, h.hexdigest()]
    try:
        atomic_write(memo_file, json.dumps(memo))
    except OSError as exc:  # a read-only cache only costs the next open a re-read
        log.warning("cannot record the GGUF digest: %s", exc)
    return h.hexdigest()


def entry(sha: str) -> Path:
    """The cache folder of one GGUF file: its tensors, config.json and tokenizer files."""
    return folder() / sha


def cached_path(sha: str) -> Path:
    return entry(sha) / "model.safetensors"


def has_metadata(sha: str) -> bool:
    """Config and tokenizer saved: a reopen reads them like an HF folder, not the GGUF's header."""
    return (entry(sha) / "config.json").exists() and (entry(sha) / "tokenizer.json").exists()


def store_metadata(sha: str, config, tokenizer) -> None:
    try:
        entry(sha).mkdir(parents=True, exist_ok=True)
        tokenizer.save_pretrained(str(entry(sha)))
        config.save_pretrained(str(entry(sha)))  # last: its presence marks the entry complete
    except OSError as exc:
        log.warning("cannot cache the GGUF's config and tokenizer: %s", exc)


def load(sha: str) -> dict | None:
    """The cached tensors (float32, as dequantised), or None."""
    path = cached_path(sha)
    if not path.exists():
        return None
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except Exception as exc:  # noqa: BLE001 - a damaged cache file is rebuilt, never fatal
        log.warning("%s: unreadable cache file (%s); dequantising again", path, exc)
        path.unlink(missing_ok=True)
        return None


def store(sha: str, tensors: dict) -> None:
    """Write the tensors atomically (a cancelled or crashed write leaves no half file)."""
    from safetensors.torch import save_file

    path = cached_path(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.warning("cannot cache the dequantised GGUF weights: %s", exc)
