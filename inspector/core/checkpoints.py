"""Recognise and validate checkpoints before anything is loaded.

Everything here reads file headers only: it is cheap, and it never executes code.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from . import safeio
from .errors import CheckpointError
from .fields import integer, optional, problems, record, string

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
        """Resident size once loaded at ``dtype_bytes`` per parameter, plus working room.

        The larger of what the weights hold and what config.json asks for: the model is built
        from the config first, so a config promising more than the weights allocates more.
        """
        n = max(self.n_params or self.weight_bytes // 2, config_params(self.config))
        return int(n * dtype_bytes * 1.2)


# Size fields transformers builds tensors from: a wrong type there fails deep inside it.
_SIZE_FIELDS = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
    "n_embd",
    "n_layer",
    "n_head",
    "n_positions",
    "n_ctx",
)
_OPTIONAL_SIZE_FIELDS = ("num_key_value_heads", "head_dim", "n_inner")
CONFIG_CHECK = record(
    {
        "model_type": string(200),
        **{k: integer(1, 1 << 40) for k in _SIZE_FIELDS},
        **{k: optional(integer(1, 1 << 40)) for k in _OPTIONAL_SIZE_FIELDS},
    },
    required=("model_type",),
)


def check_config(config, where: Path) -> dict:
    """config.json's fields that shape the model have the types transformers expects."""
    if not isinstance(config, dict):
        raise CheckpointError(f"{where}: not a transformers config (expected a JSON object)")
    found = problems(config, CONFIG_CHECK, "")
    if found:
        raise CheckpointError(f"{where}: field {found[0]}")
    return config


def config_params(config: dict) -> int:
    """Parameters a decoder built from ``config`` holds, roughly (embeddings + blocks)."""

    def get(*names, default=0):
        for n in names:
            v = config.get(n)
            if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                return v
        return default

    hidden = get("hidden_size", "n_embd", "d_model")
    layers = get("num_hidden_layers", "n_layer", "num_layers")
    vocab = get("vocab_size")
    if not hidden:
        return 0
    inter = get("intermediate_size", "n_inner", "ffn_dim", default=4 * hidden)
    embeddings = vocab * hidden * (1 if config.get("tie_word_embeddings", True) else 2)
    return embeddings + layers * (4 * hidden * hidden + 3 * hidden * inter)


def name_step(name: str) -> int | None:
    m = _STEP_RE.search(name)
    return int(m.group(1)) if m else None


def _safetensors_params(path: Path) -> int:
    """Parameter count from the header; raises if the file is truncated or not safetensors."""
    size = safeio.check_regular(path, "weights file", CheckpointError).st_size
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
    for count, end in _header_tensors(header, path):
        total += count
        data_end = max(data_end, end)
    if 8 + n + data_end > size:
        raise CheckpointError(
            f"{path}: truncated safetensors file ({size} bytes, header promises {8 + n + data_end});"
            " is it still being written?"
        )
    return total


def _header_tensors(header, path: Path):
    """(element count, end offset) per tensor; a header of the wrong shape is refused."""
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: corrupt safetensors header (not a JSON object)")
    for key, meta in header.items():
        if key == "__metadata__":
            if not isinstance(meta, dict):
                raise CheckpointError(f"{path}: corrupt safetensors header (__metadata__)")
            continue
        shape = meta.get("shape") if isinstance(meta, dict) else None
        offsets = meta.get("data_offsets") if isinstance(meta, dict) else None
        ints = (shape or []) + (offsets or [])
        if (
            not isinstance(shape, list)
            or not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in ints)
            or offsets[0] > offsets[1]
        ):
            raise CheckpointError(
                f"{path}: corrupt safetensors header (tensor {str(key)[:80]!r}: shape or"
                " data_offsets is not a list of whole numbers)"
            )
        count = 1
        for d in shape:
            count *= d
        width = DTYPE_BYTES.get(meta.get("dtype"))
        if width is not None and count * width != offsets[1] - offsets[0]:
            raise CheckpointError(
                f"{path}: corrupt safetensors header (tensor {str(key)[:80]!r}: shape {shape}"
                f" needs {count * width} bytes, data_offsets hold {offsets[1] - offsets[0]})"
            )
        yield count, offsets[1]


def _find_tokenizer(folder: Path) -> Path | None:
    for candidate in (folder, folder.parent, folder.parent.parent):
        if any((candidate / f).exists() for f in TOKENIZER_FILES):
            return candidate
    return None


def _inspect_gguf(path: Path) -> CheckpointInfo:
    safeio.check_regular(path, "GGUF file", CheckpointError)
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
            raw = safeio.read_bytes_capped(
                index, "shard index", safeio.CONFIG_MAX_BYTES, CheckpointError
            )
            shards = sorted(set(json.loads(raw)["weight_map"].values()))
            if not all(isinstance(s, str) and "/" not in s and s not in ("", "..") for s in shards):
                raise ValueError("weight_map values must be file names in this folder")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
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
    raw = safeio.read_bytes_capped(
        config_path, "config.json", safeio.CONFIG_MAX_BYTES, CheckpointError
    )
    try:
        config = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CheckpointError(f"{config_path}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict) or "model_type" not in config:
        raise CheckpointError(f"{config_path}: no model_type field (not a transformers config)")
    check_config(config, config_path)
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
            raw = safeio.read_bytes_capped(
                state, "trainer state", safeio.STATE_MAX_BYTES, CheckpointError
            )
            info.step = int(json.loads(raw)["global_step"])
        except (ValueError, KeyError, TypeError, OverflowError, RecursionError, CheckpointError):
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
