"""What CouplingCallback costs a training run: the same tiny Trainer run with and without it.

    PYTHONPATH=. python benchmarks/callback.py [--steps 40] [--save-steps 10] [--inputs 12]

Prints the wall time of both runs, the callback's own seconds (measuring + storing) and its
share of the run. The measurement cost does not grow with training length, only with the
number of saves × inputs × units, so the share shrinks for real models whose steps are slow.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _example():
    spec = importlib.util.spec_from_file_location(
        "ex", ROOT / "examples" / "train_with_coupling.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(out: Path, steps: int, save_steps: int, n_inputs: int | None, with_callback: bool):
    import torch

    from inspector.training import CouplingCallback

    ex = _example()
    model, tok = ex.build(out)
    rows = [json.loads(line) for line in (out / "inputs.jsonl").read_text().splitlines()]
    cbs = []
    if with_callback:
        cbs.append(CouplingCallback(out / "probe.toml", rows, tok, max_inputs=n_inputs))
    trainer = ex.make_trainer(
        out, model, tok, ex.ReviewDataset(tok, n=800), cbs, max_steps=steps, save_steps=save_steps
    )
    torch.manual_seed(0)
    t0 = time.perf_counter()
    trainer.train()
    return time.perf_counter() - t0, (cbs[0] if cbs else None)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--save-steps", type=int, default=10)
    ap.add_argument("--inputs", type=int, default=None, help="max_inputs (default: all 12)")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: a tiny model on a shared machine)",
    )
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    with tempfile.TemporaryDirectory() as tmp:
        base, _ = _run(Path(tmp) / "plain", args.steps, args.save_steps, args.inputs, False)
        shutil.rmtree(Path(tmp) / "plain")
        timed, cb = _run(Path(tmp) / "coupled", args.steps, args.save_steps, args.inputs, True)
    n_saves = len(cb.steps)
    print(
        f"tiny Llama, {torch.get_num_threads()} torch thread(s), {args.steps} steps, a save every {args.save_steps}: {n_saves} measurements"
        f" of {len(cb.inputs)} inputs"
    )
    per_step = base / args.steps
    print(f"without callback  {base:7.2f} s   ({per_step * 1000:.0f} ms per training step)")
    print(f"with callback     {timed:7.2f} s   (×{timed / base:.2f})")
    print(
        f"callback's own    {cb.seconds:7.2f} s   = {cb.seconds / timed:.0%} of the run,"
        f" {cb.seconds / max(n_saves, 1):.2f} s per save"
        f" (≈ {cb.seconds / max(n_saves, 1) / per_step:.0f} training steps)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
