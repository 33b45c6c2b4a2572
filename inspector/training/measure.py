"""The probe run on a model held in memory by a training loop, through the CLI's own Analyzer."""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path

import torch

from ..core.analysis import Analyzer
from ..core.checkpoints import CheckpointInfo
from ..core.errors import InputError
from ..core.inputs import Example, load_inputs, parse_inputs
from ..core.loading import LoadedModel
from ..core.probe import Probe, load_probe
from ..core.results import ExampleResult, Settings


def unwrap(model):
    """The module a DDP / accelerate / torch.compile wrapper holds (the one that was saved)."""
    seen = set()
    while id(model) not in seen:
        seen.add(id(model))
        inner = getattr(model, "module", None) or getattr(model, "_orig_mod", None)
        if not isinstance(inner, torch.nn.Module):
            break
        model = inner
    return model


@contextlib.contextmanager
def evaluating(model):
    """Eval mode and no autograd for the measurement; the training mode is put back after."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)


def in_memory(model, tokenizer, name: str = "in-memory model") -> LoadedModel:
    """A LoadedModel over a live model, so Analyzer runs on it exactly as on a loaded one."""
    if tokenizer is None:
        raise InputError("a tokenizer is needed to measure the model (pass tokenizer=...)")
    if not getattr(tokenizer, "is_fast", False):
        raise InputError("the tokenizer must be a fast one (tokenizer.json) for character offsets")
    info = CheckpointInfo(Path(name), "memory", "memory", [], 0)
    device = next(model.parameters()).device
    return LoadedModel(model, tokenizer, info, device, hash="")


def as_probe(probe) -> Probe:
    return probe if isinstance(probe, Probe) else load_probe(probe)


def as_examples(inputs, labels: list[str]) -> list[Example]:
    """A path to an inputs file, or a list of texts, dicts with text/label, or Examples."""
    if isinstance(inputs, (str, Path)):
        return load_inputs(inputs, labels)
    out = []
    for item in inputs:
        if isinstance(item, Example):
            out.append(item)
        elif isinstance(item, str):
            out.append(Example(item))
        elif isinstance(item, dict):
            out.extend(parse_inputs(json.dumps(item), "inputs", labels, jsonl=True))
        else:
            raise InputError(f"an input must be text, a dict with 'text' or an Example: {item!r}")
    if not out:
        raise InputError("the input set is empty")
    return out


def subsample(examples: list[Example], max_inputs: int | None, seed: int) -> list[Example]:
    """The same ``max_inputs`` inputs at every measurement (seeded, order kept)."""
    if not max_inputs or max_inputs >= len(examples):
        return list(examples)
    picked = sorted(random.Random(seed).sample(range(len(examples)), max_inputs))
    return [examples[i] for i in picked]


def measure_model(
    model, tokenizer, probe, examples: list[Example], settings: Settings | None = None
) -> list[ExampleResult]:
    """Every example through :meth:`Analyzer.analyze` on ``model`` as it is in memory now."""
    probe = as_probe(probe)
    model = unwrap(model)
    with evaluating(model):
        analyzer = Analyzer(in_memory(model, tokenizer), probe)
        return [analyzer.analyze(ex.text, settings or Settings(), gold=ex.label) for ex in examples]
