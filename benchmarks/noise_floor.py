"""The noise floor behind the default decisive threshold τ (docs/METRICS.md).

Measures the largest single-unit Δ of inputs where no word should decide the answer:

- random-weight tiny models (the demo's architecture and vocabulary, and a BPE Qwen2), five
  seeds each, on the demo's 36 inputs;
- the demo's trained checkpoints on 40 reviews of filler words only (no keyword, no cue);

and, for contrast, the decided inputs of the trained checkpoints (a keyword or the cue).
Run it once per CPU kernel path and compare:

    ATEN_CPU_CAPABILITY=default python benchmarks/noise_floor.py DEMO --json a.json
    ATEN_CPU_CAPABILITY=avx2    python benchmarks/noise_floor.py DEMO --json b.json
    python benchmarks/noise_floor.py --compare a.json b.json

A couple of minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

SEEDS = range(5)


def _quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def _summary(xs: list[float]) -> dict:
    return {
        "n": len(xs),
        "max": max(xs),
        "p99": _quantile(xs, 0.99),
        "p95": _quantile(xs, 0.95),
        "median": _quantile(xs, 0.5),
        "min": min(xs),
    }


def _max_deltas(path: Path, probe, texts: list[str]) -> list[float]:
    from inspector.core.analysis import Analyzer
    from inspector.core.loading import load_checkpoint
    from inspector.core.results import Settings

    an = Analyzer(load_checkpoint(path, device="cpu"), probe)
    settings = Settings(explain=False)
    return [max(an.analyze(t, settings).deltas) for t in texts]


def measure(demo: Path) -> dict:
    import torch

    from inspector.core.probe import load_probe
    from inspector.core.series import discover_series
    from inspector.demo import data, tiny

    torch.set_num_threads(1)
    probe = load_probe(demo / "probe.toml")
    rows = [json.loads(line) for line in (demo / "inputs.jsonl").read_text().splitlines()]
    demo_texts = [r["text"] for r in rows]
    rng = random.Random(7)
    filler_only = [" ".join(rng.sample(data.FILLER, rng.randint(4, 7))) for _ in range(40)]
    per_input: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        word_tok = tiny.word_tokenizer(data.VOCAB)
        for seed in SEEDS:
            cfg = tiny.llama_config(len(word_tok), hidden=32, layers=2, heads=2)
            path = tiny.save_checkpoint(
                tiny.build_model(cfg, word_tok, seed), word_tok, Path(tmp) / f"llama{seed}"
            )
            per_input[f"random llama seed {seed}"] = _max_deltas(path, probe, demo_texts)
    series = discover_series(demo)
    decided, undecided = [], []
    for entry in series.active():
        name = entry.name
        per_input[f"{name} filler only"] = _max_deltas(entry.path, probe, filler_only)
        undecided += per_input[f"{name} filler only"]
        per_input[f"{name} demo inputs"] = _max_deltas(entry.path, probe, demo_texts)
        decided += per_input[f"{name} demo inputs"]
    random_all = [d for k, v in per_input.items() if k.startswith("random") for d in v]
    return {
        "torch": torch.__version__,
        "capability": torch.backends.cpu.get_cpu_capability(),
        "summary": {
            "random-weight models, demo inputs": _summary(random_all),
            "trained checkpoints, filler-only inputs": _summary(undecided),
            "trained checkpoints, demo inputs": _summary(decided),
        },
        "per_input": per_input,
    }


def compare(a: dict, b: dict) -> dict:
    diffs = [
        abs(x - y)
        for k in a["per_input"]
        for x, y in zip(a["per_input"][k], b["per_input"].get(k, []), strict=False)
    ]
    return {
        "paths": [a["capability"], b["capability"]],
        "n": len(diffs),
        "max_abs_difference": max(diffs),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("demo", nargs="?", help="a built demo folder (inspector demo)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--compare", nargs=2, default=None)
    args = ap.parse_args(argv)
    if args.compare:
        a, b = (json.loads(Path(p).read_text()) for p in args.compare)
        print(json.dumps(compare(a, b), indent=2))
        return 0
    out = measure(Path(args.demo))
    print(json.dumps({k: out[k] for k in ("torch", "capability", "summary")}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
