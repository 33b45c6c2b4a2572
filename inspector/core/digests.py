"""Full SHA-256 digests of checkpoints, probes and input files; streamed, with progress, memoised.

A checkpoint's weights digest (the ``sha256`` field of results and reports) is defined so a
colleague can check it with standard tools:

- one weight file (``model.safetensors``, a ``.gguf``, ``adapter_model.safetensors``): the
  SHA-256 of that file, i.e. what ``sha256sum FILE`` prints (and the hub's LFS object id);
- several weight files (shards): the SHA-256 of the text made of one line
  ``"<file sha256>  <file name>\\n"`` per weight file, files in byte order of their names,
  i.e. what ``sha256sum model-*.safetensors | sha256sum`` prints inside the folder.

Config files are not part of it. The result cache is keyed by ``checkpoint_key``, which adds
the config (and, for an adapter, its adapter_config and its base's key) to the weights digest.

File digests are memoised by (real path, size, mtime_ns) in memory and in a small JSON file
under the cache dir, so reopening a 10 GB run does not read it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from .paths import cache_dir

log = logging.getLogger(__name__)
CHUNK = 1 << 20
MEMO_NAME = "digests.json"
MEMO_MAX = 20_000  # entries kept on disk (a few MB at most)
REPORT_FROM = 64 * CHUNK
KEY_VERSION = b"inspector-checkpoint-key-v2\n"

# (done_bytes, total_bytes, message) → None; a TaskState's progress fits after scaling
ByteProgress = Callable[[int, int, str], None]

_lock = threading.Lock()
_memory: dict[str, tuple[int, int, str]] = {}
_disk_loaded: Path | None = None


def _memo_path() -> Path:
    return cache_dir() / MEMO_NAME


def _stamp(path: Path) -> tuple[str, int, int]:
    real = os.path.realpath(path)  # hub-cache snapshots are symlinks into blobs/
    st = os.stat(real)
    return real, st.st_size, st.st_mtime_ns


def _load_disk() -> None:
    global _disk_loaded
    memo = _memo_path()
    if _disk_loaded == memo:
        return
    _disk_loaded = memo
    _memory.clear()  # the cache dir changed (tests): forget what another dir knew
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
        for real, (size, mtime, hexd) in data.items():
            _memory[real] = (int(size), int(mtime), str(hexd))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, TypeError) as exc:
        log.warning("digest memo %s unreadable (%s); starting afresh", memo, exc)


def _save_disk() -> None:
    memo = _memo_path()
    items = list(_memory.items())[-MEMO_MAX:]
    tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({k: list(v) for k, v in items}), encoding="utf-8")
        os.replace(tmp, memo)  # atomic: a reader sees the old memo or the new one
    except OSError as exc:
        log.warning("digest memo %s not written (%s)", memo, exc)


def known(path: str | Path) -> str | None:
    """The memoised digest of ``path`` if its size and mtime have not changed, else None."""
    real, size, mtime = _stamp(Path(path))
    with _lock:
        _load_disk()
        hit = _memory.get(real)
    return hit[2] if hit and hit[0] == size and hit[1] == mtime else None


def file_sha256(
    path: str | Path, progress: ByteProgress | None = None, offset: int = 0, total: int = 0
) -> str:
    """SHA-256 of one file, read in 1 MiB chunks; ``progress`` sees bytes from ``offset``."""
    path = Path(path)
    hit = known(path)
    if hit is not None:
        return hit
    real, size, mtime = _stamp(path)
    total = total or size
    h = hashlib.sha256()
    done = 0
    with open(real, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
            done += len(block)
            # every 64 MiB, and only for files that take a while: small ones finish unseen
            if progress is not None and total >= REPORT_FROM and done % REPORT_FROM < CHUNK:
                progress(offset + done, total, f"hashing {path.name}")
    if progress is not None and total >= REPORT_FROM and offset + done == total:
        progress(total, total, f"hashing {path.name}")
    digest = h.hexdigest()
    with _lock:
        _load_disk()
        _memory.pop(real, None)
        _memory[real] = (size, mtime, digest)  # newest last: trimming drops the oldest
        _save_disk()
    return digest


def files_sha256(files: Iterable[Path], progress: ByteProgress | None = None) -> str:
    """The weights digest of the module docstring over ``files`` (one file: its own SHA-256)."""
    files = sorted((Path(f) for f in files), key=lambda f: f.name.encode())
    if not files:
        raise ValueError("no files to hash")
    todo = [f for f in files if known(f) is None]
    total = sum(_stamp(f)[1] for f in todo)
    digests, offset = {}, 0
    for f in files:
        if f in todo:
            digests[f] = file_sha256(f, progress, offset, total)
            offset += _stamp(f)[1]
        else:
            digests[f] = known(f)
    if len(files) == 1:
        return digests[files[0]]
    listing = "".join(f"{digests[f]}  {f.name}\n" for f in files)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def weights_sha256(info, progress: ByteProgress | None = None) -> str:
    """The weights digest of a checkpoint (``CheckpointInfo``)."""
    return files_sha256(info.weight_files, progress)


def _config_files(info) -> list[Path]:
    if info.weight_format == "gguf":
        return []  # the GGUF file carries its own config, already in the weights digest
    names = ("adapter_config.json",) if info.kind == "lora" else ("config.json",)
    return [info.path / n for n in names if (info.path / n).is_file()]


def checkpoint_key(info, progress: ByteProgress | None = None) -> str:
    """What the result cache and duplicate detection key on: weights + config (+ base).

    Two checkpoints with the same key give the same results, so one is analysed once.
    """
    h = hashlib.sha256(KEY_VERSION)
    h.update(f"weights {weights_sha256(info, progress)}\n".encode())
    for f in _config_files(info):
        h.update(f"{f.name} {file_sha256(f)}\n".encode())
    base = getattr(info, "base", None)
    if base is not None:
        h.update(f"base {checkpoint_key(base, progress)}\n".encode())
    return h.hexdigest()


def task_progress(task, label: str) -> ByteProgress:
    """Byte progress reported through a ``TaskState`` in MiB (its bars count integers)."""

    def report(done: int, total: int, _message: str) -> None:
        mib = 1 << 20
        task.progress(
            done // mib,
            max(1, total // mib),
            f"hashing {label}: {done / 2**30:.1f} of {total / 2**30:.1f} GiB",
        )

    return report


def series_digests(entries, task=None) -> dict[str, dict]:
    """Per checkpoint name: ``sha256`` (weights), ``key`` (cache identity), ``base`` (an
    adapter's base: path and sha256) and ``duplicate_of`` (the first checkpoint, in series
    order, with the same key; None for that first one). Hashing reports progress through
    ``task``; a checkpoint that cannot be inspected is left out (its run reports why)."""
    from .checkpoints import inspect_checkpoint
    from .errors import InspectorError

    out: dict[str, dict] = {}
    first: dict[str, str] = {}
    for e in entries:
        try:
            info = inspect_checkpoint(e.path)
            report = task_progress(task, e.name) if task is not None else None
            d = {"sha256": weights_sha256(info, report), "key": checkpoint_key(info, report)}
        except (InspectorError, OSError) as exc:
            log.info("digest of %s skipped: %s", e.name, exc)
            continue
        if info.base is not None:
            d["base"] = {"path": str(info.base.path), "sha256": weights_sha256(info.base)}
        d["duplicate_of"] = first.setdefault(d["key"], e.name)
        if d["duplicate_of"] == e.name:
            d["duplicate_of"] = None
        out[e.name] = d
    return out


def text_or_file_sha256(path, text: str | None = None) -> str:
    """SHA-256 of the file at ``path`` when it still holds ``text`` (or ``text`` is None),
    else of ``text`` as UTF-8: the digest of what was actually used."""
    if path and Path(path).is_file():
        p = Path(path)
        if text is None or p.read_bytes().decode("utf-8", "replace") == text:
            return file_sha256(p)
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()
