"""What a checkpoint must pass before and after its weights load: regular tokenizer files under
a size cap, a chat template under a length cap, transformers' config validation named by field,
and finite weights. The messages name the file and the problem (docs/RELIABILITY.md)."""

from __future__ import annotations

import os

import torch

from . import safeio
from .checkpoints import TOKENIZER_FILES, CheckpointInfo
from .errors import CheckpointError


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def describe_mismatch(item) -> str:
    if isinstance(item, (tuple, list)) and len(item) == 3:
        key, found, expected = item
        return f"{key}: file {tuple(found)}, config expects {tuple(expected)}"
    return str(item)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def machine_memory() -> int | None:
    """Memory this process may use in bytes: physical memory, or a container's (cgroup v2)
    limit when smaller; None where the OS does not say."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    try:
        with open("/sys/fs/cgroup/memory.max") as fh:
            limit = fh.read().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return total


def check_tokenizer_files(folder) -> None:
    """The tokenizer files transformers will read are regular files under the size cap.

    A FIFO named tokenizer.json would block the load forever; a multi-GiB one would be read whole.
    """
    if folder is None:
        return
    names = (*TOKENIZER_FILES, "special_tokens_map.json", "chat_template.jinja", "merges.txt")
    for name in names:
        path = os.path.join(folder, name)
        if os.path.lexists(path):
            st = safeio.check_regular(path, "tokenizer file", CheckpointError)
            if st.st_size > safeio.TOKENIZER_MAX_BYTES:
                raise CheckpointError(
                    f"{path}: tokenizer file is {human_bytes(st.st_size)}, over the"
                    f" {human_bytes(safeio.TOKENIZER_MAX_BYTES)} cap"
                )


def check_chat_template(tokenizer, where) -> None:
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):  # several named templates
        template = "".join(t for t in template.values() if isinstance(t, str))
    if isinstance(template, str) and len(template) > safeio.TEMPLATE_MAX_CHARS:
        raise CheckpointError(
            f"{where}: chat template is {len(template)} characters, over the"
            f" {safeio.TEMPLATE_MAX_CHARS} cap"
        )


def config_problem(info: CheckpointInfo, exc: BaseException) -> str | None:
    """transformers' own config validation, named as the config.json field it is about."""
    text = first_line(exc)
    if "Validation error for field" not in text:
        return None
    where = info.path / "config.json" if info.path.is_dir() else info.path
    return f"{where}: {text.rstrip(': ')} (a value of the wrong type or range)"


def check_finite(model, where) -> None:
    """NaN or Inf in the weights makes every number downstream meaningless: refuse, by name."""
    for name, p in model.named_parameters():
        if p.is_floating_point() and not bool(torch.isfinite(p).all()):
            raise CheckpointError(
                f"{where}: non-finite weights (NaN/Inf in {name}); the checkpoint is marked"
                " non-finite and not analysed"
            )
