"""Timeline speed-up on Ray workers against the single-process run, in one run (issue 21).

    PYTHONPATH=. .venv/bin/python benchmarks/cluster.py [--checkpoints 4] [--inputs 8]

Builds a series of small word-level Llama checkpoints (random weights, built locally), then
times the same timeline three ways, each with a fresh result cache: one process
(``run_timeline``), 1 Ray worker and 2 Ray workers (``run_cluster_timeline`` on one local
Ray started with this machine's cores). It checks the metrics agree to 1e-6 and prints the
ratios, plus the per-unit costs that benchmarks/README.md extrapolates from: model load,
one (checkpoint, input) analysis, the driver's share per result, and worker start-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import os
import sys
import tempfile
import time
from pathlib import Path

# inspector first: it sets OMP_WAIT_POLICY before torch loads (as the CLI and workers get it)
from inspector.core.cache import ResultCache
from inspector.core.cluster import RayCluster, run_cluster_timeline
from inspector.core.inputs import Example
from inspector.core.loading import load_checkpoint
from inspector.core.probe import parse_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.timeline import run_timeline
from inspector.demo import tiny

WORDS = "the a food service room staff was is very quite rather and but with of our my great awful".split()
PROBE = tiny.SENTIMENT_PROBE.replace('positive = ["good"]', 'positive = ["great"]').replace(
    'negative = ["bad"]', 'negative = ["awful"]'
)


def build_series(root: Path, n: int, hidden: int, layers: int) -> int:
    tok = tiny.word_tokenizer(
        [*WORDS, "review", ":", ".", "answer", "you", "said", "because", "good", "bad"]
    )
    for i in range(n):
        model = tiny.build_model(
            tiny.llama_config(len(tok), hidden=hidden, layers=layers, heads=4), tok, seed=i
        )
        params = sum(p.numel() for p in model.parameters())
        tiny.save_checkpoint(model, tok, root / f"checkpoint-{(i + 1) * 100}")
    return params


def inputs(n: int) -> list[Example]:
    import random

    rng = random.Random(0)
    return [Example(" ".join(rng.sample(WORDS, 8))) for _ in range(n)]


class TimedCache(ResultCache):
    """A real SQLite cache that also adds up the driver's time spent writing results."""

    put_seconds = 0.0

    def put(self, key, value):
        t0 = time.perf_counter()
        super().put(key, value)
        self.put_seconds += time.perf_counter() - t0


def metrics_agree(a, b) -> bool:
    for ca, cb in zip(a.checkpoints, b.checkpoints, strict=True):
        for k, v in ca.metrics.items():
            w = cb.metrics[k]
            if (v is None) != (w is None) or (
                v is not None and not math.isclose(v, w, abs_tol=1e-6)
            ):
                return False
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoints", type=int, default=4)
    ap.add_argument("--inputs", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    args = ap.parse_args()
    import ray
    import torch

    logging.getLogger("transformers").setLevel(logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="inspector-cluster-bench-"))
    params = build_series(tmp / "run", args.checkpoints, args.hidden, args.layers)
    series, probe = discover_series(tmp / "run"), parse_probe(PROBE)
    examples, settings = inputs(args.inputs), Settings()
    units = args.checkpoints * args.inputs
    cores = os.cpu_count() or 1
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC | nproc {cores} | load"
        f" {' '.join(f'{x:.1f}' for x in os.getloadavg())} | torch {torch.__version__},"
        f" ray {ray.__version__}\n{args.checkpoints} checkpoints × {args.inputs} inputs ="
        f" {units} units; Llama {params / 1e6:.1f} M params, word units, explanation 4 tokens"
    )

    t0 = time.perf_counter()
    load_checkpoint(str(series.active()[0].path), "cpu")
    t_load = time.perf_counter() - t0

    cache = TimedCache(tmp / "single.sqlite")
    t0 = time.perf_counter()
    single = run_timeline(series, probe, examples, settings, cache=cache)
    t_single = time.perf_counter() - t0
    cache.close()
    t_unit = (t_single - args.checkpoints * t_load) / units
    print(f"one process          {t_single:7.2f} s   (model load {t_load:.2f} s each)")

    t0 = time.perf_counter()
    ray.init(
        address="local",
        num_cpus=cores,
        include_dashboard=False,
        log_to_driver=False,
        logging_level="ERROR",
    )
    t_init = time.perf_counter() - t0
    rows = []
    for n in (1, 2):
        cache = TimedCache(tmp / f"workers{n}.sqlite")
        t0 = time.perf_counter()
        with RayCluster(workers=n, device="cpu") as cluster:
            ray.get([a.pid.remote() for a in cluster.actors])  # started and torch imported
            t_start = time.perf_counter() - t0
            t1 = time.perf_counter()
            res = run_cluster_timeline(
                series, probe, examples, settings, cache=cache, cluster=cluster
            )
            t_run = time.perf_counter() - t1
        cache.close()
        same = metrics_agree(res, single)
        busy = sum(c.seconds for c in res.checkpoints)  # the workers' own time on their chunks
        rows.append((n, t_start, t_run, cache.put_seconds / units, same))
        print(
            f"{n} worker{'s' if n > 1 else ' '}            {t_run:7.2f} s   (+ {t_start:.2f} s"
            f" to start the workers)   speed-up {t_single / t_run:.2f}×"
            f" ({t_single / (t_run + t_start):.2f}× counting start-up)"
            f"   metrics equal: {'yes' if same else 'NO'}"
            f"   workers busy {busy:.1f} s = {busy / t_run:.2f} × wall"
        )
    ray.shutdown()
    print(
        f"Ray start {t_init:.2f} s | per-unit: analysis {t_unit * 1e3:.0f} ms (one process),"
        f" driver cache write {rows[-1][3] * 1e3:.2f} ms | worker start {rows[-1][1]:.2f} s"
    )
    print(f"ratio 2 workers / 1 worker: {rows[0][2] / rows[1][2]:.2f}×")
    return 0 if all(r[4] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
