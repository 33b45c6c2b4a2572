"""Time a full sweep three ways in one process: naive loop, Captum, Inspector (issue 8).

    .venv/bin/python benchmarks/sweep.py [--repeats 3] [--threads 2] [--device cuda|cpu]

With CUDA present the default device is the GPU, and Captum, the naive loop and Inspector all
run there (each timing waits for the GPU to finish); the model's dtype is the app's default
for the device (bf16 on a GPU that has it), or ``--dtype``.

Builds a SmolLM2-135M-class checkpoint (config by hand, random weights, local BPE
tokenizer with a ChatML template) in a temporary folder, loads it through the app's
loader, and times the three ways interleaved, so a load spike from other processes
hits all of them alike. Prints medians, ratios, time to first prediction and peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import smollm  # noqa: E402
import ways  # noqa: E402

from inspector.core.analysis import Analyzer  # noqa: E402
from inspector.core.loading import load_checkpoint  # noqa: E402
from inspector.core.probe import load_probe  # noqa: E402
from inspector.core.results import Settings  # noqa: E402

EDITED = smollm.INPUT.replace("friendly", "rude")


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC | {cpu}, nproc {os.cpu_count()} | "
        f"torch {torch.__version__} threads {torch.get_num_threads()} | load {load}"
    )


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sync() -> None:
    if torch.cuda.is_available():  # kernels run asynchronously: time them to completion
        torch.cuda.synchronize()


def timed(fn, *args):
    _sync()
    t = time.perf_counter()
    out = fn(*args)
    _sync()
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--device",
        default="cuda" if torch.cuda.is_available() else "cpu",
        help="cuda when present (all three ways run on it), else cpu",
    )
    ap.add_argument("--dtype", default="auto", help="auto, float32, bfloat16 or float16")
    ap.add_argument("--no-captum", action="store_true", help="skip Captum (not installed)")
    ap.add_argument(
        "--question-first",
        action="store_true",
        help="ask the question before the review (shorter tails: the sweep's other prompt shape)",
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(machine())

    with tempfile.TemporaryDirectory(prefix="inspector-bench-") as tmp:
        t_build, ckpt = timed(smollm.build_checkpoint, Path(tmp) / "smollm2-135m")
        lm = load_checkpoint(ckpt, device=args.device, dtype=args.dtype)
        an = Analyzer(lm, load_probe(smollm.write_probe(Path(tmp), args.question_first)))
    settings = Settings(explain=False)
    text = smollm.INPUT
    units = an.units(text, settings)
    variants = an.variant_ids(text, units, settings)
    base = an.ids(text)
    n = len(units)
    print(
        f"model: SmolLM2-135M config, {lm.n_params / 1e6:.0f}M params, {lm.device} {lm.dtype},"
        f" built in {t_build:.0f} s"
        f" | prompt {len(base)} tokens, {len(text.split())} words, {n} word units"
        f" | verbalizers {[len(v) for v in an.verbs.ids]} tokens"
    )

    # warm-up: first calls pay one-off allocation and dispatch costs
    ways.inspector_sweep(an, text, settings)
    ways.naive(an, variants[:2])
    target = "Positive"
    times: dict[str, list[float]] = {"naive": [], "captum": [], "inspector": [], "first": []}
    for r in range(args.repeats):
        dt_a, ref = timed(ways.naive, an, [base, *variants])
        times["naive"].append(dt_a)
        if not args.no_captum:
            times["captum"].append(timed(ways.captum_ablation, an, text, target)[0])
        dt_c, got = timed(ways.inspector_sweep, an, text, settings)
        times["inspector"].append(dt_c)
        times["first"].append(timed(ways.first_prediction, an, EDITED if r % 2 == 0 else text)[0])
        print(
            f"  repeat {r + 1}: " + "  ".join(f"{k} {v[-1]:.3f}s" for k, v in times.items() if v),
            flush=True,
        )

    err = _max_error(an, ref[1:], variants)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    print(f"\n{n} units, {args.repeats} repeats (median), load now {os.getloadavg()[0]:.2f}")
    print(
        f"(a) naive loop, {n + 1} forwards   {med['naive']:7.3f} s   {med['naive'] / (n + 1):.3f} s/forward"
    )
    if "captum" in med:
        print(
            f"(b) Captum FeatureAblation       {med['captum']:7.3f} s   {med['captum'] / n:.3f} s/unit"
        )
    print(
        f"(c) Inspector sweep              {med['inspector']:7.3f} s   {med['inspector'] / n:.3f} s/unit"
    )
    print(f"speed-up c vs a: {med['naive'] / med['inspector']:.2f}x   (target >= 3x)")
    if "captum" in med:
        print(f"speed-up c vs b: {med['captum'] / med['inspector']:.2f}x per unit   (target >= 5x)")
    print(f"first prediction after an edit: {med['first']:.3f} s   (target < 0.3 s)")
    print(f"max |p(inspector) - p(naive)| over first-token verbalizers: {err:.1e}")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")
    return 0


def _max_error(an: Analyzer, naive_logprobs: torch.Tensor, variants: list[list[int]]) -> float:
    prefix = an.sweeper.prefix(an.ids(smollm.INPUT))
    got = an.sweeper.score(prefix, variants)
    single = [i for i, v in enumerate(an.verbs.ids) if len(v) == 1]
    return (got[:, single].exp() - naive_logprobs[:, single].double().exp()).abs().max().item()


if __name__ == "__main__":
    sys.exit(main())
