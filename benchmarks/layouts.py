"""LoRA runs and digests at SmolLM2-135M size: adapter swap against a fresh load, hashing speed.

    .venv/bin/python benchmarks/layouts.py [--adapters 3]

Builds the SmolLM2-135M-class checkpoint (``smollm.py``, random weights) and a few LoRA
adapters made with peft (r=16 on q/k/v/o, random non-zero matrices) in a temporary folder,
then times, through the app's own ``ModelPool``:

- the first adapter: base loaded + adapter applied (what every checkpoint would cost if the
  base were reloaded each time);
- each next adapter: swapped into the resident base (same rank and layers: its tensors copied
  into the active adapter's with peft's hotswap; otherwise loaded beside it, the old deleted);
- the SHA-256 of the base weights cold (streamed, 1 MiB chunks) and memoised (size + mtime).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app sets it, before torch starts
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapters", type=int, default=3)
    args = ap.parse_args()
    import torch
    from peft import LoraConfig, get_peft_model
    from smollm import build_checkpoint
    from transformers import AutoModelForCausalLM

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSPECTOR_CACHE_DIR"] = str(Path(tmp) / "cache")
        from inspector.core import digests
        from inspector.core.loading import ModelPool

        base = build_checkpoint(Path(tmp) / "base")
        run = Path(tmp) / "run"
        model = AutoModelForCausalLM.from_pretrained(base)
        cfg = LoraConfig(
            r=16,
            lora_alpha=32,
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
            init_lora_weights=False,
        )
        peft_model = get_peft_model(model, cfg)
        for i in range(args.adapters):
            torch.manual_seed(i)
            with torch.no_grad():
                for name, p in peft_model.named_parameters():
                    if "lora_" in name:
                        p.normal_(0, 0.02)
            peft_model.save_pretrained(run / f"checkpoint-{(i + 1) * 100}")
        del peft_model, model

        weights = base / "model.safetensors"
        size = weights.stat().st_size
        t0 = time.perf_counter()
        digests.file_sha256(weights)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        digests.file_sha256(weights)
        memo = time.perf_counter() - t0
        pool = ModelPool(1, device="cpu")
        t0 = time.perf_counter()
        pool.get(run / "checkpoint-100")
        first = time.perf_counter() - t0
        swaps = []
        for i in range(1, args.adapters):
            t0 = time.perf_counter()
            pool.get(run / f"checkpoint-{(i + 1) * 100}")
            swaps.append(time.perf_counter() - t0)
        pool.clear()

    print(f"base + first adapter: {first:.2f} s")
    print(
        f"adapter swap (median of {len(swaps)}): {statistics.median(swaps):.3f} s"
        f"  → {first / statistics.median(swaps):.1f}× faster than reloading"
    )
    print(
        f"sha256 of {size / 2**20:.0f} MiB: cold {cold:.2f} s ({size / 2**20 / cold:.0f} MiB/s),"
        f" memoised {memo * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
