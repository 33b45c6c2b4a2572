"""Open times: an HF safetensors folder, a GGUF file's first open, and its second (cached) open.

    .venv/bin/python benchmarks/gguf_open.py [--repeats 2]

Builds a SmolLM2-135M-class checkpoint (benchmarks/smollm.py) and writes it also as one F32
.gguf file (tests/gguf_util.py, the llama.cpp converter's layout). Every open runs in a fresh
process through the app's loader (``load_checkpoint``), so nothing is shared in memory; the
cache dir is a temporary one, emptied before the first GGUF open.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

OPEN = (
    "import time, sys; t = time.perf_counter();"
    "from inspector.core.loading import load_checkpoint;"
    "load_checkpoint(sys.argv[1], device='cpu');"
    "print(time.perf_counter() - t)"
)


def open_once(path: Path, env: dict) -> float:
    out = subprocess.run(
        [sys.executable, "-c", OPEN, str(path)], capture_output=True, text=True, env=env
    )
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    import smollm
    from gguf_util import write_gguf
    from sweep import machine
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(machine())
    with tempfile.TemporaryDirectory(prefix="inspector-gguf-") as tmp:
        folder = smollm.build_checkpoint(Path(tmp) / "smollm2-135m")
        model = AutoModelForCausalLM.from_pretrained(folder)
        gguf = write_gguf(model, AutoTokenizer.from_pretrained(folder), Path(tmp) / "m.gguf")
        del model
        cache = Path(tmp) / "cache"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "INSPECTOR_CACHE_DIR": str(cache)}
        times: dict[str, list[float]] = {"folder": [], "gguf first": [], "gguf cached": []}
        for _ in range(args.repeats):
            times["folder"].append(open_once(folder, env))
            shutil.rmtree(cache, ignore_errors=True)
            times["gguf first"].append(open_once(gguf, env))
            times["gguf cached"].append(open_once(gguf, env))
            print("  " + "  ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"\nmedian of {args.repeats}: HF folder {med['folder']:.2f} s | GGUF first open"
            f" {med['gguf first']:.2f} s | GGUF cached {med['gguf cached']:.2f} s"
            f" ({med['gguf cached'] / med['folder']:.2f}x the folder; target <= ~1x)"
        )
        print(f"GGUF {gguf.stat().st_size / 2**20:.0f} MiB, load now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
