"""Recognise and validate checkpoints before anything is loaded (DESIGN.md §2, §4).

Everything here reads file headers only: it is cheap, and it never executes code.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CheckpointError

PICKLE_PATTERNS = ("pytorch_model*.bin", "*.pt", "*.pth")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")
DTYPE_BYTES = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
}
_STEP_RE = re.compile(r"(?:checkpoint|step|epoch|global_step|iter)[-_]?(\d+)", re.I)


@dataclass
class CheckpointInfo:
    path: Path
    kind: str  # "folder" | "trainer" | "gguf" | "lora" (adapter weights over ``base``)
    weight_format: str  # "safetensors" | "pickle" | "gguf"
    weight_files: list[Path]
    n_params: int
    config: dict = field(default_factory=dict)
    step: int | None = None
    tokenizer_dir: Path | None = None
    needs_remote_code: bool = False
    notices: list[str] = field(default_factory=list)
    base: CheckpointInfo | None = None  # the model a LoRA adapter applies to

    @property
    def weight_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.weight_files)

    def estimate_bytes(self, dtype_bytes: int = 4) -> int:
        """Resident size once loaded at ``dtype_bytes`` per parameter, plus working room."""
        n = self.n_params or self.weight_bytes // 2
        return int(n * dtype_bytes * 1.2)


def name_step(name: str) -> int | None:
    m = _STEP_RE.search(name)
    return int(m.group(1)) if m else None


def _safetensors_params(path: Path) -> int:
    """Parameter count from the header; raises if the file is truncated or not safetensors."""
    size = path.stat().st_size
    try:
        with path.open("rb") as fh:
            raw = fh.read(8)
            if len(raw) < 8:
                raise CheckpointError(f"{path}: truncated safetensors file ({size} bytes)")
            (n,) = struct.unpack("<Q", raw)
            if n > min(size - 8, 100_000_000):
                raise CheckpointError(f"{path}: not a safetensors file (bad header length)")
            header = json.loads(fh.read(n))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: corrupt safetensors header ({exc})") from exc
    total, data_end = 0, 0
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        shape = meta.get("shape", [])
        count = 1
        for d in shape:
            count *= d
        total += count
        data_end = max(data_end, meta.get("data_offsets", [0, 0])[1])
    if 8 + n + data_end > size:
        raise CheckpointError(
            f"{path}: truncated safetensors file ({size} bytes, header promises {8 + n + data_end});"
            " is it still being written?"
        )
    return total


def _find_tokenizer(folder: Path) -> Path | None:
    for candidate in (folder, folder.parent, folder.parent.parent):
        if any((candidate / f).exists() for f in TOKENIZER_FILES):
            return candidate
    return None


def _inspect_gguf(path: Path) -> CheckpointInfo:
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise CheckpointError(f"{path}: not a GGUF file (bad magic bytes)")
    try:
        from gguf import GGUFReader

        reader = GGUFReader(str(path))
        n_params = sum(int(t.n_elements) for t in reader.tensors)
    except Exception as exc:  # gguf raises many kinds on damaged files
        raise CheckpointError(f"{path}: cannot read GGUF file ({exc})") from exc
    return CheckpointInfo(
        path, "gguf", "gguf", [path], n_params, step=name_step(path.stem), tokenizer_dir=path.parent
    )


PARTIAL_PATTERNS = ("*.tmp", "*.partial", "*.incomplete", "tmp*.safetensors", "*.safetensors.*")


def _check_not_in_progress(folder: Path) -> None:
    """Writers (torch, huggingface_hub, rsync) leave temp files behind until a save completes."""
    partial = sorted({p for pat in PARTIAL_PATTERNS for p in folder.glob(pat) if p.is_file()})
    partial = [p for p in partial if not p.name.endswith(".index.json")]
    if partial:
        raise CheckpointError(
            f"{partial[0]}: partial file in the checkpoint folder; is it still being written?"
        )


def _weights(folder: Path) -> tuple[str, list[Path]]:
    _check_not_in_progress(folder)
    index = folder / "model.safetensors.index.json"
    if index.exists():
        try:
            shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        except (ValueError, KeyError) as exc:
            raise CheckpointError(f"{index}: corrupt shard index ({exc})") from exc
        missing = [s for s in shards if not (folder / s).exists()]
        if missing:
            raise CheckpointError(
                f"{folder}: shard {missing[0]} listed in {index.name} is missing;"
                " is the checkpoint still being written?"
            )
        return "safetensors", [folder / s for s in shards]
    safe = sorted(folder.glob("*.safetensors"))
    if safe:
        return "safetensors", safe
    pickles = sorted({p for pat in PICKLE_PATTERNS for p in folder.glob(pat)})
    pickles = [
        p
        for p in pickles
        if not p.name.startswith(("optimizer", "scheduler", "rng_state", "training_args"))
    ]
    if pickles:
        return "pickle", pickles
    raise CheckpointError(f"{folder}: no model weights found (expected *.safetensors)")


def inspect_checkpoint(path: str | Path, base: str | Path | None = None) -> CheckpointInfo:
    """What ``path`` holds; ``base`` is the model an adapter folder applies to (default: the
    one its adapter_config.json names, or the one set with ``adapters.use_base``)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CheckpointError(f"{path}: no such file or folder")
    if path.is_file():
        if path.suffix.lower() == ".gguf":
            return _inspect_gguf(path)
        raise CheckpointError(f"{path}: not a checkpoint (expected a model folder or a .gguf file)")
    from .adapters import inspect_adapter, is_adapter_dir

    if is_adapter_dir(path):
        return inspect_adapter(path, base)
    ggufs = sorted(path.glob("*.gguf"))
    config_path = path / "config.json"
    if not config_path.exists():
        if len(ggufs) == 1:
            return _inspect_gguf(ggufs[0])
        from .hubcache import is_hub_cache, not_one_checkpoint
        from .layouts import unrecognised

        if is_hub_cache(path):
            raise CheckpointError(not_one_checkpoint(path))
        raise CheckpointError(unrecognised(path, "missing config.json"))
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{config_path}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict) or "model_type" not in config:
        raise CheckpointError(f"{config_path}: no model_type field (not a transformers config)")
    fmt, files = _weights(path)
    n_params = sum(_safetensors_params(f) for f in files) if fmt == "safetensors" else 0
    info = CheckpointInfo(
        path,
        "folder",
        fmt,
        files,
        n_params,
        config=config,
        tokenizer_dir=_find_tokenizer(path),
        needs_remote_code="auto_map" in config,
    )
    state = path / "trainer_state.json"
    if state.exists():
        info.kind = "trainer"
        try:
            info.step = int(json.loads(state.read_text())["global_step"])
        except (ValueError, KeyError, TypeError):
            info.notices.append(f"{state.name} unreadable; step taken from the folder name")
    if info.step is None:
        info.step = name_step(path.name)
    if fmt == "pickle":
        info.notices.append(
            "weights are a torch pickle; loaded with weights_only=True (convert to safetensors to silence this)"
        )
    if info.tokenizer_dir is None:
        raise CheckpointError(f"{path}: no tokenizer files here or in the parent folders")
    return info


def content_hash(info: CheckpointInfo, progress=None) -> str:
    """The result-cache key: full SHA-256 over weights and config (``digests.checkpoint_key``)."""
    from .digests import checkpoint_key

    return checkpoint_key(info, progress)
