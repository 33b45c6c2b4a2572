"""Low-precision weights checked against float32 on a sample, and the agreement recorded.

A bf16 or fp16 run is faster on hardware built for it, but Δ compares small probability
shifts, so the first analysis of each (model, probe) also runs a float32 copy of the same
checkpoint on a sample — the first input's prediction and its first ``SAMPLE_UNITS``
single-unit ablations — and records the largest probability difference and how often
the argmax agrees. The float32 copy is loaded on the CPU and freed at once.
"""

from __future__ import annotations

import gc

import torch

from .scoring import label_probs

SAMPLE_UNITS = 8


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def sample_probs(analyzer, text: str, settings, k: int = SAMPLE_UNITS) -> torch.Tensor:
    """[1 + k, n_labels]: the prediction, then the first ``k`` single-unit ablations."""
    units = analyzer.units(text, settings)[:k]
    seqs = [analyzer.ids(text), *analyzer.variant_ids(text, units, settings)]
    sweeper = analyzer.sweeper
    return label_probs(sweeper.score(sweeper.prefix(seqs[0]), seqs), analyzer.verbs)


def compare(low: torch.Tensor, ref: torch.Tensor) -> dict:
    agree = (low.argmax(-1) == ref.argmax(-1)).double()
    return {
        "n": len(low),
        "max_abs_dp": float((low.double() - ref.double()).abs().max()),
        "argmax_agreement": float(agree.mean()),
    }


def check(analyzer, text: str, settings) -> dict:
    """``{"dtype": ...}``, plus the agreement with float32 when the weights are lower precision."""
    from .analysis import Analyzer
    from .loading import load_checkpoint

    lm = analyzer.lm
    info: dict = {"dtype": dtype_name(lm.dtype)}
    if lm.dtype == torch.float32:
        return info
    low = sample_probs(analyzer, text, settings)
    ref_lm = load_checkpoint(
        lm.path, device="cpu", dtype="float32", trust_remote_code=lm.info.needs_remote_code
    )
    try:
        ref = sample_probs(Analyzer(ref_lm, analyzer.probe), text, settings)
    finally:
        del ref_lm
        gc.collect()
    info.update(reference="float32", sample="first input: prediction + unit ablations")
    info.update(compare(low, ref))
    return info


def describe(info: dict) -> str | None:
    """One line for the user, or None for float32 (nothing to qualify)."""
    if "max_abs_dp" not in info:
        return None
    agree = round(info["argmax_agreement"] * info["n"])
    return (
        f"{info['dtype']} weights: against float32 on {info['n']} samples of the first input,"
        f" max |Δp| {info['max_abs_dp']:.4f}, argmax agrees {agree}/{info['n']}"
    )
