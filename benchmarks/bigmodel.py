"""A 1.1B-parameter model (random weights, built from a config): per-unit cost, peak RSS, fp32 vs bf16.

    .venv/bin/python benchmarks/bigmodel.py [--words 6] [--threads 2] [--keep DIR]

The checkpoint has TinyLlama-1.1B's shape (hidden 2048, 22 layers, 32 heads / 4 KV heads,
MLP 5632, vocab 32000). It is built on the meta device and materialised once, then saved as
500 MB safetensors shards, so building never holds two copies; each measurement then runs in
a fresh process (peak RSS is per process) that loads it through the app's own loader with
``--dtype`` float32 or bfloat16, and times the prediction and a sweep of a short input.
Target: peak RSS for float32 within 1.3× the weights' size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

TINYLLAMA_1B = dict(
    vocab_size=32000,
    hidden_size=2048,
    intermediate_size=5632,
    num_hidden_layers=22,
    num_attention_heads=32,
    num_key_value_heads=4,
    max_position_embeddings=2048,
    rms_norm_eps=1e-5,
    tie_word_embeddings=False,
)
INPUT = "The pasta arrived cold but the waiter was friendly."


def build(folder: Path) -> int:
    """Save the random-weight checkpoint; returns its parameter count."""
    import smollm
    from transformers import LlamaConfig, LlamaForCausalLM

    from inspector.demo import tiny

    tok = tiny.bpe_tokenizer(smollm.corpus(), vocab_size=2000)
    cfg = LlamaConfig(**TINYLLAMA_1B, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    with torch.device("meta"):
        model = LlamaForCausalLM(cfg)
    model.to_empty(device="cpu")
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.fill_(1.0)
            else:
                p.normal_(0.0, 0.02, generator=gen)
    model.model.rotary_emb.__init__(config=cfg)  # its inv_freq buffer was left empty on meta
    model.eval().save_pretrained(folder, max_shard_size="500MB")
    tok.save_pretrained(folder)
    return sum(p.numel() for p in model.parameters())


def measure(folder: str, dtype: str, words: int, threads: int) -> dict:
    """Runs in its own process: load, predict, sweep; peak RSS of this process."""
    import resource

    from inspector.core.analysis import Analyzer
    from inspector.core.loading import load_checkpoint
    from inspector.core.probe import load_probe
    from inspector.core.results import Settings

    torch.set_num_threads(threads)
    t = time.perf_counter()
    lm = load_checkpoint(folder, device="cpu", dtype=dtype)
    load_s = time.perf_counter() - t
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    probe = Path(folder) / "bench.toml"
    an = Analyzer(lm, load_probe(probe))
    text = " ".join(INPUT.split()[:words])
    settings = Settings(explain=False, dtype=dtype)
    r = an.analyze(text, settings)
    return {
        "dtype": dtype,
        "params": lm.n_params,
        "load_s": load_s,
        "prediction_s": r.seconds["prediction"],
        "sweep_s": r.seconds["sweep"],
        "units": len(r.units),
        "per_unit_s": r.seconds["sweep"] / max(len(r.units), 1),
        "estimate_s": r.seconds.get("sweep_estimate"),
        "rss_loaded_mib": rss_loaded,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "precision": r.precision,
        "probs": r.probs,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtypes", default="float32,bfloat16")
    ap.add_argument("--keep", default=None, help="build into (or reuse) this folder")
    ap.add_argument("--measure", nargs=2, metavar=("FOLDER", "DTYPE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], args.measure[1], args.words, args.threads)))
        return 0
    import smollm
    from sweep import machine

    print(machine())
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="inspector-1b-")
    folder = Path(args.keep or tmp.name) / "tinyllama-1b-random"
    if not (folder / "config.json").exists():
        t = time.perf_counter()
        n = build(folder)
        smollm.write_probe(folder)
        print(f"built {n / 1e9:.2f}B params in {time.perf_counter() - t:.0f} s")
    weights = sum(f.stat().st_size for f in folder.glob("*.safetensors"))
    print(f"weights on disk (fp32): {weights / 2**20:.0f} MiB")
    for dtype in args.dtypes.split(","):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                str(folder),
                dtype,
                "--words",
                str(args.words),
                "--threads",
                str(args.threads),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        )
        if out.returncode:
            print(f"{dtype}: failed\n{out.stderr[-2000:]}")
            continue
        d = json.loads(out.stdout.strip().splitlines()[-1])
        size = d["params"] * torch.finfo(getattr(torch, dtype)).bits / 8
        print(
            f"{dtype:9} load {d['load_s']:5.1f} s | prediction {d['prediction_s']:5.2f} s |"
            f" sweep {d['units']} units {d['sweep_s']:6.2f} s = {d['per_unit_s']:.2f} s/unit"
            f" (estimate {d['estimate_s']:.2f} s) | peak RSS {d['peak_rss_mib']:.0f} MiB ="
            f" {d['peak_rss_mib'] * 2**20 / size:.2f}x its weights ({size / 2**20:.0f} MiB)"
            f" | precision {d['precision']}"
        )
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
