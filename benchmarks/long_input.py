"""A 500-word input: coarse-to-fine against the exact word sweep, and the time estimate (issue 24).

    .venv/bin/python benchmarks/long_input.py [--words 500] [--layers 4] [--threads 2] [--exact-only]

Builds a checkpoint from SmolLM2-135M's config (benchmarks/smollm.py) made smaller by
default (4 layers of width 192; ``--layers 30 --hidden 576`` is the full one) so that a run
fits in a few minutes on a loaded 2-core machine: every figure is a ratio of forwards of
the same model over the same prompt, and times, in one process:

- the exact word sweep (``Analyzer.analyze``): when its last unit lands, and the estimate
  shown before it started against the measured sweep time (target ±25 %), and the time
  left as re-fitted after each chunk (``--exact-only`` stops there);
- coarse-to-fine (``preview=True``, as the app runs it): when the first complete view
  (sentence shares) and the complete view (the sentences that matter measured word by
  word) appear (the run stops there; in the app the exact pass then goes on);
- the naive per-unit cost (one full forward of the prompt, the cost Captum's
  FeatureAblation pays per feature, which it cannot go below).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import smollm  # noqa: E402
from sweep import machine, peak_rss_mib  # noqa: E402

from inspector.core.analysis import Analyzer  # noqa: E402
from inspector.core.loading import load_checkpoint  # noqa: E402
from inspector.core.probe import load_probe  # noqa: E402
from inspector.core.results import Settings  # noqa: E402
from inspector.demo import tiny  # noqa: E402


def long_text(n_words: int, seed: int = 0) -> str:
    """Review-like sentences of 8-25 words until ``n_words`` words."""
    rng = random.Random(seed)
    words = [w for w in smollm._WORDS if w not in ("positive", "negative")]
    sentences, total = [], 0
    while total < n_words:
        k = min(rng.randint(8, 25), n_words - total)
        s = [rng.choice(words) for _ in range(k)]
        sentences.append(" ".join(s).capitalize() + rng.choice([".", ".", "!", "?"]))
        total += k
    return " ".join(sentences)


def build(folder: Path, layers: int, hidden: int) -> Path:
    from transformers import LlamaConfig

    tok = tiny.bpe_tokenizer(smollm.corpus(), vocab_size=2000)
    shape = {"num_hidden_layers": layers}
    if hidden != smollm.SMOLLM2_135M["hidden_size"]:  # keeps SmolLM's 64-wide heads, 3:1 GQA
        heads = max(hidden // 64, 1)
        shape.update(
            hidden_size=hidden,
            intermediate_size=hidden * 8 // 3,
            num_attention_heads=heads,
            num_key_value_heads=1 if heads < 3 else heads // 3,
        )
    cfg = LlamaConfig(**{**smollm.SMOLLM2_135M, **shape})
    return tiny.save_checkpoint(tiny.build_model(cfg, tok).eval(), tok, folder)


def print_trace(trace, n: int, measured: float) -> None:
    """The time left as re-fitted after each chunk: elapsed + left against the measured sweep."""
    t_plan = trace[0][0]
    print("\nre-estimates during the exact sweep (elapsed + left = predicted total):")
    step = max(1, len(trace) // 12)
    for k, (t, done, left) in enumerate(trace):
        if k % step and k != len(trace) - 1:
            continue
        total = (t - t_plan) + (left or 0.0)
        print(
            f"  {done:4d}/{n} units  elapsed {t - t_plan:7.1f} s  left {left or 0.0:7.1f} s"
            f"  total {total:7.1f} s ({100 * (total - measured) / measured:+.0f} %)"
        )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=500)
    ap.add_argument("--layers", type=int, default=4, help="SmolLM2-135M has 30")
    ap.add_argument("--hidden", type=int, default=192, help="SmolLM2-135M has 576")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument(
        "--exact-only", action="store_true", help="only the exact sweep and its time estimate"
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(machine())
    text = long_text(args.words)
    settings = Settings(explain=False, max_units=10_000)
    with tempfile.TemporaryDirectory(prefix="inspector-long-") as tmp:
        ckpt = build(Path(tmp) / "model", args.layers, args.hidden)
        lm = load_checkpoint(ckpt, device=args.device)
        an = Analyzer(lm, load_probe(smollm.write_probe(Path(tmp))), max_batch_tokens=384)
    units = an.units(text, settings)
    base = an.ids(text)
    print(
        f"model: SmolLM2-135M config with {args.layers} layers of width {args.hidden},"
        f" {lm.n_params / 1e6:.0f}M params,"
        f" {lm.device} | input {len(units)} words, {text.count('.') + text.count('!') + text.count('?')}"
        f" sentences, prompt {len(base)} tokens"
    )
    an.analyze(smollm.INPUT, settings)  # warm-up (allocation, dispatch)

    naive = []
    with torch.inference_mode():
        for _ in range(2):
            t = time.perf_counter()
            lm.model(torch.tensor([base], device=lm.device), logits_to_keep=1)
            naive.append(time.perf_counter() - t)
    t_fwd = statistics.median(naive)

    an.sweeper._recent.clear()  # both runs start from a cold prompt
    trace = []  # (seconds since the sweep's plan, units done, seconds left as re-fitted)

    def on_exact(kind, r):
        if kind == "plan":
            trace.append((time.perf_counter(), 0, r.seconds["sweep_estimate"]))
        elif kind == "units":
            trace.append((time.perf_counter(), len(r.unit_probs), r.seconds["sweep_remaining"]))

    exact = an.analyze(text, settings, on_event=on_exact)
    n = len(units)
    est, got = exact.seconds["sweep_estimate"], exact.seconds["sweep"]
    print_trace(trace, n, got)
    if args.exact_only:
        print(
            f"time estimate before the exact sweep {est:.2f} s, measured {got:.2f} s:"
            f" {100 * (est - got) / got:+.0f} % (target within ±25 %), load now"
            f" {machine().split('load ')[1]}"
        )
        return 0
    an.sweeper._recent.clear()
    views = []
    t0 = time.perf_counter()
    coarse = an.analyze(
        text,
        settings,
        preview=True,
        on_event=lambda kind, r: (
            views.append(time.perf_counter() - t0) if kind == "units" else None
        ),
    )
    assert coarse.exact is None and coarse.unit_probs == exact.unit_probs

    s = coarse.seconds
    e_total = exact.seconds["total"]
    print(f"\n{n} word units, load now {machine().split('load ')[1]}")
    print(f"exact word sweep, all units        {e_total:7.2f} s   {e_total / n:.4f} s/unit")
    print(f"coarse-to-fine: first view         {s['first_view']:7.2f} s   (sentence shares)")
    print(
        f"coarse-to-fine: complete view      {s['complete_view']:7.2f} s   {s['complete_view'] / n:.4f} s/unit"
        f"   {e_total / s['complete_view']:.1f}x sooner than exact (target >= 5x)"
    )
    print(
        f"coarse-to-fine: exact at the end   {s['total']:7.2f} s   ({s['total'] / e_total:.2f}x exact)"
    )
    refined = sum(x["refined"] for x in coarse.sentences)
    print(f"sentences refined word by word: {refined} of {len(coarse.sentences)}")
    print(
        f"naive forward of the prompt        {t_fwd:7.3f} s/unit  (Captum pays >= this per unit):"
        f" {t_fwd * n / s['complete_view']:.1f}x per unit for the complete view,"
        f" {t_fwd * n / e_total:.1f}x exact"
    )
    print(
        f"time estimate before the exact sweep {est:.2f} s, measured {got:.2f} s:"
        f" {100 * (est - got) / got:+.0f} % (target within ±25 %)"
    )
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
