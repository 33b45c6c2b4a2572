"""Load checkpoints safely and keep a small LRU of resident models.

Who owns the loaded models: docs/ARCHITECTURE.md, "Work and the worker".
"""

from __future__ import annotations

import gc
import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from unittest import mock

import torch

from .checkpoints import CheckpointInfo, content_hash, inspect_checkpoint
from .errors import Cancelled, CheckpointError, InputError
from .load_checks import (
    check_chat_template,
    check_finite,
    check_tokenizer_files,
    config_problem,
    describe_mismatch,
    first_line,
    human_bytes,
    machine_memory,
)
from .tasks import ensure_task

log = logging.getLogger(__name__)
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a hub at run time
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


@dataclass
class LoadedModel:
    model: torch.nn.Module
    tokenizer: object
    info: CheckpointInfo
    device: torch.device
    hash: str
    notices: list[str] = field(default_factory=list)
    adapter: object | None = None  # adapters.AdapterHost when this is a base + LoRA adapter

    @property
    def path(self) -> str:
        return str(self.info.path)

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    @property
    def n_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())


def pick_device(preference: str = "auto") -> torch.device:
    if preference != "auto":
        return _asked_device(preference)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def _asked_device(name: str) -> torch.device:
    """The device the user named, if this torch build can use it here."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise InputError(f"unknown device {name!r} (use auto, cpu, cuda or mps)") from None
    usable = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": _mps_available(),
    }.get(device.type, False)
    if not usable:
        raise InputError(
            f"device {name!r} is not available here (torch {torch.__version__}); use auto or cpu"
        )
    return device


DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def _dtype_for(device: torch.device, name: str = "auto") -> torch.dtype:
    """The weights' dtype: ``name``, or for "auto" fp32 on CPU and bf16 on a CUDA GPU that has it.

    Faithfulness numbers compare small probability shifts, and on this project's CPUs (AVX2,
    no AVX512-BF16/AMX) bf16 matrix products are emulated and slower than fp32
    (benchmarks/README.md), so the CPU default stays fp32; a low-precision run records its
    agreement with fp32 (core/precision.py).
    """
    if name == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    if name not in DTYPES:
        raise InputError(f"unknown dtype {name!r} (use auto, float32, bfloat16 or float16)")
    if name == "bfloat16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise InputError("this GPU has no bfloat16; use float16 or float32")
    return DTYPES[name]


def _no_init_weights():
    try:
        from transformers.initialization import no_init_weights
    except ImportError:  # older transformers: initialise (slower, same weights after loading)
        import contextlib

        return contextlib.nullcontext()
    return no_init_weights()


def _load_gguf_model(info: CheckpointInfo, dtype: torch.dtype, task, sha: str):
    """Build the model from the GGUF's config and copy its (dequantised) tensors in.

    transformers' own GGUF path needs ``accelerate``; reading the tensors with its converter and
    loading them into a model built from the config gives the same weights without it. The
    dequantised tensors are cached by the file's SHA-256 (core/gguf_cache.py): only the first
    open pays for dequantising, with progress and cancel through ``task``.
    """
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers import modeling_gguf_pytorch_utils as gguf_utils

    from . import gguf_cache

    task = ensure_task(task)
    if gguf_cache.has_metadata(sha):
        config = AutoConfig.from_pretrained(str(gguf_cache.entry(sha)), local_files_only=True)
    else:
        config = AutoConfig.from_pretrained(
            str(info.path.parent), gguf_file=info.path.name, local_files_only=True
        )
    if config.model_type == "gpt2" and getattr(config, "n_ctx", None):
        # transformers maps GPT-2's GGUF context length to n_ctx, but n_positions sizes wpe
        config.n_positions = config.n_ctx
    # every weight is overwritten from the file: random init cost 2/3 of a cached open
    with _no_init_weights():
        model = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation="sdpa")
    tensors = gguf_cache.load(sha)
    if tensors is None:

        def bar(it, **kw):  # its tqdm bar would clutter the CLI's stderr; report to the task
            items = list(it)
            for i, item in enumerate(items):
                task.progress(i, len(items), "dequantising the GGUF weights (first open only)")
                yield item

        with mock.patch.object(gguf_utils, "tqdm", bar):
            parsed = gguf_utils.load_gguf_checkpoint(
                str(info.path), return_tensors=True, model_to_load=model
            )
        tensors = parsed["tensors"]
        gguf_cache.store(sha, tensors)
    own = model.state_dict()
    mismatched = [
        (k, v.shape, own[k].shape)
        for k, v in tensors.items()
        if k in own and own[k].shape != v.shape
    ]
    if mismatched:
        return model, {"missing_keys": [], "mismatched_keys": mismatched}
    result = model.load_state_dict(
        {k: v.to(dtype) for k, v in tensors.items() if k in own}, strict=False
    )
    if getattr(model.config, "tie_word_embeddings", False):
        model.tie_weights()
    return model, {"missing_keys": list(result.missing_keys), "mismatched_keys": []}


def load_checkpoint(
    path,
    device: str = "auto",
    trust_remote_code: bool = False,
    memory_budget: int | None = None,
    dtype: str = "auto",
    task=None,
) -> LoadedModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    info = inspect_checkpoint(path)
    if info.kind == "lora":
        from .adapters import load_adapter_checkpoint

        return load_adapter_checkpoint(info, device, trust_remote_code, memory_budget)
    if info.needs_remote_code and not trust_remote_code:
        raise CheckpointError(
            f"{info.path}: config.json asks for custom code (auto_map); it was not run."
            " Allow trust_remote_code for this checkpoint only if you trust its author"
        )
    dev = pick_device(device)
    dtype = _dtype_for(dev, dtype)
    need = info.estimate_bytes(torch.finfo(dtype).bits // 8)
    if memory_budget and need > memory_budget:
        raise CheckpointError(
            f"{info.path}: needs about {human_bytes(need)}, over the memory budget of"
            f" {human_bytes(memory_budget)}; not loaded (raise the budget in Preferences)"
        )
    physical = machine_memory()
    if physical and need > physical:  # checked before allocating: an OOM kill says nothing
        raise CheckpointError(
            f"{info.path}: needs about {human_bytes(need)} (from config.json and the weights),"
            f" more than this machine's {human_bytes(physical)} of memory; not loaded"
        )
    kwargs = dict(local_files_only=True, trust_remote_code=trust_remote_code)
    model_src = tok_src = str(info.path)
    gguf_sha = None
    if info.weight_format == "gguf":
        from . import gguf_cache

        gguf_sha = gguf_cache.digest(info.path, task)
        kwargs["gguf_file"] = info.path.name
        model_src = tok_src = str(info.path.parent)
        if gguf_cache.has_metadata(gguf_sha):  # opened before: read it like an HF folder
            tok_src = str(gguf_cache.entry(gguf_sha))
            del kwargs["gguf_file"]
    else:
        tok_src = str(info.tokenizer_dir)
    check_tokenizer_files(tok_src if info.weight_format != "gguf" else None)
    try:
        tokenizer = AutoTokenizer.from_pretrained(tok_src, **kwargs)
    except Exception as exc:
        problem = (
            config_problem(info, exc) or f"{tok_src}: cannot load tokenizer ({first_line(exc)})"
        )
        raise CheckpointError(problem) from exc
    check_chat_template(tokenizer, tok_src)
    if not getattr(tokenizer, "is_fast", False):
        raise CheckpointError(
            f"{tok_src}: needs a fast tokenizer (tokenizer.json) for character offsets"
        )
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.convert_ids_to_tokens(0)
    try:
        if info.weight_format == "gguf":
            model, loading = _load_gguf_model(info, dtype, task, gguf_sha)
        else:
            model, loading = AutoModelForCausalLM.from_pretrained(
                model_src,
                dtype=dtype,
                attn_implementation="sdpa",
                use_safetensors=info.weight_format == "safetensors" or None,
                output_loading_info=True,
                # report mismatches ourselves, in one line naming the tensor, instead of a table
                ignore_mismatched_sizes=True,
                **kwargs,
            )
    except (CheckpointError, Cancelled):
        raise
    except Exception as exc:
        if info.weight_format == "pickle" and "weights only load failed" in str(exc).lower():
            raise CheckpointError(
                f"{info.weight_files[0]}: pickle holds code, not just tensors; refused"
                " (loaded with weights_only=True). Use a safetensors copy from a source you trust"
            ) from exc
        problem = config_problem(info, exc) or f"{info.path}: cannot load model ({first_line(exc)})"
        raise CheckpointError(problem) from exc
    missing = [k for k in loading.get("missing_keys", []) if "lm_head" not in k]
    if missing:
        raise CheckpointError(
            f"{info.path}: {len(missing)} weights missing from the checkpoint (e.g. {missing[0]})"
        )
    mismatched = sorted(loading.get("mismatched_keys") or [], key=str)  # a set in transformers 5
    if mismatched:
        raise CheckpointError(
            f"{info.path}: weight shape mismatch with config.json ({describe_mismatch(mismatched[0])};"
            f" {len(mismatched)} tensors differ)"
        )
    check_finite(model, info.path)
    if gguf_sha and not gguf_cache.has_metadata(gguf_sha):  # a GGUF that loaded cleanly
        gguf_cache.store_metadata(gguf_sha, model.config, tokenizer)
    model.eval().to(dev)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return LoadedModel(model, tokenizer, info, dev, content_hash(info), list(info.notices))


class ModelPool:
    """Keeps at most ``max_resident`` models; loading another frees the oldest."""

    def __init__(
        self,
        max_resident: int = 1,
        device: str = "auto",
        memory_budget: int | None = None,
        dtype: str = "auto",
    ):
        self.max_resident = max(1, max_resident)
        self.device = device
        self.dtype = dtype
        self.task = (
            None  # a TaskState for the next load's progress and cancel (a GGUF's first open)
        )
        self.memory_budget = memory_budget
        self.trusted: set[str] = set()
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._extras: dict[str, dict] = {}  # objects built on a model; freed with it

    def get(self, path) -> LoadedModel:
        key = str(path)
        if key in self._models:
            self._models.move_to_end(key)
            return self._models[key]
        from .adapters import is_adapter_dir, pool_get_adapter

        if is_adapter_dir(key):  # the resident base takes the new adapter instead of reloading
            return pool_get_adapter(self, key)
        while len(self._models) >= self.max_resident:
            self._evict()
        lm = load_checkpoint(
            key, self.device, key in self.trusted, self.memory_budget, self.dtype, self.task
        )
        self._models[key] = lm
        return lm

    def extra(self, path, name, make: Callable[[LoadedModel], object]):
        """``make(model)`` built once per resident model and ``name``, and freed with the model.

        Anything that holds a model (an analyzer) must live here: a cache beside the pool would
        keep every evicted model in memory.
        """
        lm = self.get(path)
        store = self._extras.setdefault(str(path), {})
        if name not in store:
            if len(store) >= 8:  # e.g. one per edited probe: keep the newest few
                store.pop(next(iter(store)))
            store[name] = make(lm)
        return store[name]

    def resident(self) -> list[str]:
        return list(self._models)

    def _evict(self) -> None:
        key, lm = self._models.popitem(last=False)
        self._extras.pop(key, None)
        del lm
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def clear(self) -> None:
        while self._models:
            self._evict()
