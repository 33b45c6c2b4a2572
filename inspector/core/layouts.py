"""The folder layouts Inspector opens, and what to tell a user whose folder is none of them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

SUPPORTED = (
    "full weights (config.json + *.safetensors)",
    "Trainer checkpoint-N / step_N / epoch_N folders",
    "LoRA adapters (adapter_config.json + adapter_model.safetensors, base found by path,"
    " hub id in the local hub cache, or --base)",
    "hub cache models--ORG--NAME (refs/ + snapshots/)",
    "GGUF files",
)
CONVERT = (
    "to convert: model.save_pretrained(DIR, safe_serialization=True) for torch weights;"
    " huggingface-cli download ORG/NAME --revision REF for hub revisions;"
    " llama.cpp's convert_hf_to_gguf.py for GGUF"
)


def _found(path: Path) -> str:
    try:
        children = [c for c in path.iterdir() if not c.name.startswith(".")]
    except OSError as exc:
        return f"cannot list it ({exc.strerror or exc})"
    if not children:
        return "an empty folder"
    folders = sorted(c.name + "/" for c in children if c.is_dir())
    kinds = Counter(c.suffix.lower() or c.name for c in children if c.is_file())
    parts = [f"{n}× {k}" if n > 1 else k for k, n in kinds.most_common(6)]
    if folders:
        parts.append(", ".join(folders[:4]) + (" …" if len(folders) > 4 else ""))
    return ", ".join(parts)


def unrecognised(path: Path, problem: str = "not a recognised checkpoint layout") -> str:
    """One line: the problem, what the folder holds, the layouts that open, how to convert."""
    return f"{path}: {problem}; found {_found(path)}. Supported: {'; '.join(SUPPORTED)}. {CONVERT}"


def brief(message: str) -> str:
    """``message`` without the list of layouts, for one of many notes about a run's folders."""
    return message.split(". Supported: ", 1)[0]
