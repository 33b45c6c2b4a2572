"""Where a sweep's time goes: torch.profiler over one Inspector sweep of the benchmark model.

.venv/bin/python benchmarks/profile_sweep.py [--threads 2] [--max-tokens 384]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import smollm  # noqa: E402
import ways  # noqa: E402

from inspector.core.analysis import Analyzer  # noqa: E402
from inspector.core.loading import load_checkpoint  # noqa: E402
from inspector.core.probe import load_probe  # noqa: E402
from inspector.core.results import Settings  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=384)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="inspector-prof-") as tmp:
        lm = load_checkpoint(smollm.build_checkpoint(Path(tmp) / "m"), device="cpu")
        an = Analyzer(lm, load_probe(smollm.write_probe(Path(tmp))), args.max_tokens)
    settings = Settings(explain=False)
    ways.inspector_sweep(an, smollm.INPUT, settings)  # warm-up
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        ways.inspector_sweep(an, smollm.INPUT, settings)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=14))
    return 0


if __name__ == "__main__":
    sys.exit(main())
