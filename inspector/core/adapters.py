"""LoRA / PEFT adapter checkpoints: one base model in memory, adapters swapped per checkpoint.

An adapter folder (``adapter_config.json`` + ``adapter_model.safetensors``) applies to a
base model: the one set for its folder with ``use_base`` (``--base``, the app's open flow),
else the one its config names in ``base_model_name_or_path`` (a local folder, or a hub id
found in the local hub cache, offline). The base is loaded once; each checkpoint's adapter
replaces the previous one: peft's hotswap copies its tensors into the active adapter's when
rank and layers match, otherwise it is loaded beside it, made active, and the previous one
deleted. Nothing is merged into the base weights, so every adapter applies to the untouched
base (results equal a merged model's; tests/test_layouts.py).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import struct
from pathlib import Path

from .errors import CheckpointError

log = logging.getLogger(__name__)

CONFIG = "adapter_config.json"
SAFE = "adapter_model.safetensors"
PICKLE = "adapter_model.bin"
PIP = "pip install 'inspector-faithfulness[lora]'"
_LORA_KEY = re.compile(r"^base_model\.model\.(.+)\.lora_([AB])(?:\.[^.]+)?\.weight$")
_names = itertools.count()
_bases: dict[Path, Path] = {}  # folder → base for every adapter under it (use_base)


def is_adapter_dir(path) -> bool:
    """An adapter config with no full model weights beside it (a merged copy is a model)."""
    path = Path(path)
    if not (path / CONFIG).is_file():
        return False
    full = [p for p in path.glob("*.safetensors") if p.name != SAFE]
    return not full and not (path / "pytorch_model.bin").is_file()


def use_base(folder, base) -> None:
    """Adapters at or under ``folder`` apply to ``base`` (``None``: back to their config's)."""
    key = Path(folder).expanduser().resolve()
    if base is None:
        _bases.pop(key, None)
    else:
        _bases[key] = Path(base).expanduser()


def use_cli_base(target, base) -> None:
    """``--base PATH``: adapters under ``target`` apply to ``base``; a clear error if it is
    not a model folder."""
    if not base:
        return
    from .checkpoints import inspect_checkpoint
    from .errors import InputError

    if not Path(base).expanduser().is_dir():
        raise InputError(f"--base {base}: no such folder (expected the base model's folder)")
    inspect_checkpoint(base)  # a broken base is named now, not once per checkpoint
    t = Path(target).expanduser()
    use_base(t if t.is_dir() else t.parent, base)


def _override(path: Path) -> Path | None:
    path = path.resolve()
    for folder in (path, *path.parents):
        if folder in _bases:
            return _bases[folder]
    return None


def require_peft():
    try:
        import peft
    except ImportError:
        raise CheckpointError(f"LoRA adapter checkpoints need peft: {PIP}") from None
    return peft


def _header_shapes(path: Path) -> dict[str, list[int]]:
    with path.open("rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(n))
    return {k: v.get("shape", []) for k, v in header.items() if k != "__metadata__"}


def resolve_base(named: str | None, adapter: Path) -> Path:
    """The folder of the base model an adapter names; raises naming what was looked for."""
    if not named:
        raise CheckpointError(
            f"{adapter}: {CONFIG} names no base model (base_model_name_or_path);"
            " pass the base with --base PATH"
        )
    from .hubcache import cached_snapshot, hub_cache_dir

    p = Path(named).expanduser()
    for candidate in [p] if p.is_absolute() else [Path.cwd() / p, adapter / p, adapter.parent / p]:
        if candidate.is_dir():
            return candidate
    if not p.is_absolute() and re.fullmatch(r"[\w.-]+(/[\w.-]+)?", named):
        snap = cached_snapshot(named)
        if snap is not None:
            return snap
        where = f"not a folder, and not in the local hub cache {hub_cache_dir()}"
    else:
        where = "no such folder"
    raise CheckpointError(
        f"{adapter}: base model {named!r} (base_model_name_or_path in {CONFIG}) not found:"
        f" {where}; pass the base with --base PATH"
    )


def _check_fits(adapter: Path, weights: Path, base) -> None:
    """Every LoRA matrix must match the shape of the base layer it adapts (headers only)."""
    if weights.suffix != ".safetensors" or base.weight_format != "safetensors":
        return
    base_shapes: dict[str, list[int]] = {}
    for f in base.weight_files:
        base_shapes.update(_header_shapes(f))
    for key, shape in _header_shapes(weights).items():
        m = _LORA_KEY.match(key)
        if not m or len(shape) != 2:
            continue
        module, ab = m.groups()
        want = base_shapes.get(module + ".weight")
        if want is None:
            raise CheckpointError(
                f"{adapter}: adapter does not fit the base {base.path}: it adapts {module},"
                " which the base does not have (expected the base its adapter_config.json names)"
            )
        got, need = (shape[1], want[-1]) if ab == "A" else (shape[0], want[0])
        if got != need:
            raise CheckpointError(
                f"{adapter}: adapter does not fit the base {base.path}: {module} is {want[0]}×{want[-1]}"
                f" there, the adapter expects {'input' if ab == 'A' else 'output'} size {got}"
                " (expected the base its adapter_config.json names)"
            )


def inspect_adapter(path: Path, base=None):
    """``CheckpointInfo`` (kind ``lora``) of an adapter folder, its base inspected too."""
    from .checkpoints import (
        CheckpointInfo,
        _check_not_in_progress,
        _find_tokenizer,
        _safetensors_params,
        inspect_checkpoint,
        name_step,
    )

    try:
        cfg = json.loads((path / CONFIG).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path / CONFIG}: not valid JSON ({exc})") from exc
    if not isinstance(cfg, dict):
        raise CheckpointError(f"{path / CONFIG}: not an adapter config")
    _check_not_in_progress(path)
    notices = []
    if (path / SAFE).is_file():
        weights, fmt = path / SAFE, "safetensors"
        n_adapter = _safetensors_params(weights)
    elif (path / PICKLE).is_file():
        weights, fmt, n_adapter = path / PICKLE, "pickle", 0
        notices.append(
            f"adapter weights are a torch pickle ({PICKLE}); loaded with weights_only=True"
            " (save with safe_serialization=True to silence this)"
        )
    else:
        raise CheckpointError(f"{path}: {CONFIG} without adapter weights (expected {SAFE})")
    base_dir = Path(base).expanduser() if base else _override(path)
    if base_dir is None:
        base_dir = resolve_base(cfg.get("base_model_name_or_path"), path)
    try:
        base_info = inspect_checkpoint(base_dir)
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: the base model cannot be used ({exc})") from None
    if base_info.kind == "lora" or base_info.weight_format == "gguf":
        raise CheckpointError(
            f"{path}: the base {base_dir} is {'an adapter' if base_info.kind == 'lora' else 'a GGUF file'};"
            " expected the full-weight model the adapter was trained on"
        )
    _check_fits(path, weights, base_info)
    step = None
    state = path / "trainer_state.json"
    if state.is_file():
        try:
            step = int(json.loads(state.read_text())["global_step"])
        except (ValueError, KeyError, TypeError):
            notices.append(f"{state.name} unreadable; step taken from the folder name")
    return CheckpointInfo(
        path,
        "lora",
        fmt,
        [weights],
        base_info.n_params + n_adapter,
        config=base_info.config,
        step=step if step is not None else name_step(path.name),
        tokenizer_dir=_find_tokenizer(path) or base_info.tokenizer_dir,
        needs_remote_code=base_info.needs_remote_code,
        notices=notices + list(base_info.notices),
        base=base_info,
    )


def _check_tensors_only(path: Path) -> None:
    """Refuse a pickle that holds more than tensors, whatever peft's own torch.load does."""
    import torch

    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{path}: pickle holds code, not just tensors; refused (loaded with"
            f" weights_only=True: {(str(exc).strip().splitlines() or ['?'])[0][:120]})."
            f" Use {SAFE} from a source you trust"
        ) from exc


class AdapterHost:
    """A loaded base model with one adapter active at a time (peft, never merged)."""

    def __init__(self, base_lm):
        self.base = base_lm
        self.peft_model = None
        self.active: str | None = None

    @property
    def base_path(self) -> str:
        return str(self.base.info.path)

    def _hotswap(self, info) -> bool:
        """Copy a compatible adapter's weights into the active one's tensors (same rank,
        alpha and layers): no new modules, several times faster than loading beside it.
        Anything peft refuses falls back to loading the adapter beside the active one."""
        if self.peft_model is None or self.active is None:
            return False
        try:
            from peft.utils.hotswap import hotswap_adapter

            hotswap_adapter(
                self.peft_model, str(info.path), self.active, torch_device=str(self.base.device)
            )
        except Exception as exc:  # incompatible config, older peft, new target layers
            log.info("adapter %s not hot-swapped (%s); loading it beside the base", info.path, exc)
            return False
        return True

    def activate(self, info):
        """Make ``info``'s adapter the active one; returns the module to run (the base
        transformers model, its LoRA layers now reading that adapter)."""
        peft = require_peft()
        if info.weight_format == "pickle":
            _check_tensors_only(info.weight_files[0])
        if self._hotswap(info):
            return self.peft_model.base_model.model
        name = f"adapter{next(_names)}"
        try:
            if self.peft_model is None:
                self.peft_model = peft.PeftModel.from_pretrained(
                    self.base.model, str(info.path), adapter_name=name, is_trainable=False
                )
            else:
                self.peft_model.load_adapter(str(info.path), adapter_name=name, is_trainable=False)
            self.peft_model.set_adapter(name)
        except Exception as exc:  # peft raises many kinds on a config or shape it cannot use
            if self.peft_model is not None and name in self.peft_model.peft_config:
                self.peft_model.delete_adapter(name)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CheckpointError(
                f"{info.path}: adapter cannot be applied to the base {self.base_path} ({first})"
            ) from exc
        if self.active is not None:
            self.peft_model.delete_adapter(self.active)
        self.active = name
        self.peft_model.eval().to(self.base.device)
        return self.peft_model.base_model.model


def _tokenizer(info, base_lm):
    if info.tokenizer_dir is None or info.tokenizer_dir == base_lm.info.tokenizer_dir:
        return base_lm.tokenizer
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(info.tokenizer_dir), local_files_only=True)
    except Exception:
        return base_lm.tokenizer  # the base's tokenizer is the one the adapter was trained with
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token or tok.convert_ids_to_tokens(0)
    return tok


def _wrap(info, host, module):
    from .checkpoints import content_hash
    from .loading import LoadedModel

    return LoadedModel(
        module,
        _tokenizer(info, host.base),
        info,
        host.base.device,
        content_hash(info),
        list(info.notices),
        adapter=host,
    )


def load_adapter_checkpoint(info, device: str, trust_remote_code: bool, memory_budget):
    """A fresh base with ``info``'s adapter active (``load_checkpoint`` for adapter folders)."""
    from .loading import load_checkpoint

    require_peft()
    host = AdapterHost(load_checkpoint(info.base.path, device, trust_remote_code, memory_budget))
    return _wrap(info, host, host.activate(info))


def pool_get_adapter(pool, key: str):
    """``ModelPool.get`` for an adapter: swap it into a resident model with the same base."""
    from .checkpoints import inspect_checkpoint

    info = inspect_checkpoint(key)
    base = str(info.base.path)
    for old_key, lm in list(pool._models.items()):
        host = lm.adapter
        if host is None or host.base_path != base:
            continue
        module = host.activate(info)  # raises before anything changes if it does not fit
        del pool._models[old_key]
        pool._extras.pop(old_key, None)  # analyzers built on the previous adapter
        pool._models[key] = _wrap(info, host, module)
        return pool._models[key]
    while len(pool._models) >= pool.max_resident:
        pool._evict()
    lm = load_adapter_checkpoint(info, pool.device, base in pool.trusted, pool.memory_budget)
    pool._models[key] = lm
    return lm
