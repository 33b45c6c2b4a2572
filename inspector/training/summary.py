"""The per-checkpoint figures as flat ``inspector/*`` log entries, each mean with n and a
95 % percentile-bootstrap interval over inputs (seeded, so a rerun logs the same bounds).

Keys follow :func:`timeline.checkpoint_metrics`, whatever it returns: every numeric figure
is logged; those in ``INTERVALS`` also get ``_lo``/``_hi`` bounds and ``_n``.
"""

from __future__ import annotations

import functools
import random
from dataclasses import fields

from ..core.results import ExampleResult
from ..core.timeline import checkpoint_metrics

PREFIX = "inspector/"
INTERVALS = ("accuracy", "hit_at_1", "cited_mass", "self", "orig", "coupling")
BOOTSTRAP = 400


def _n(key: str, examples: list[ExampleResult], metrics: dict) -> int:
    """How many inputs a figure averages over."""
    if key == "accuracy":
        return sum(ex.gold is not None for ex in examples)
    if key in ("self", "orig", "coupling"):
        return metrics.get("n_conflict") or 0
    return sum(ex.explanation is not None and ex.units and max(ex.deltas) > 1e-6 for ex in examples)


class _Fixed(ExampleResult):
    """An example whose Δs are computed once: the bootstrap reads them hundreds of times."""

    @functools.cached_property
    def deltas(self) -> list[float]:
        return ExampleResult.deltas.fget(self)


def _fixed(examples: list[ExampleResult]) -> list[ExampleResult]:
    return [_Fixed(**{f.name: getattr(ex, f.name) for f in fields(ex)}) for ex in examples]


def interval(
    examples: list[ExampleResult],
    reference: list[ExampleResult],
    keys=INTERVALS,
    rounds: int = BOOTSTRAP,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """95 % percentile bootstrap, resampling inputs (with their reference results alongside)."""
    rng = random.Random(seed)
    n = len(examples)
    examples, reference = _fixed(examples), _fixed(reference)
    draws: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(rounds if n > 1 else 0):
        idx = [rng.randrange(n) for _ in range(n)]
        m = checkpoint_metrics([examples[i] for i in idx], [reference[i] for i in idx])
        for k in keys:
            if isinstance(m.get(k), (int, float)):
                draws[k].append(float(m[k]))
    out = {}
    for k, vals in draws.items():
        if len(vals) >= 20:  # fewer defined replicates: no honest interval
            vals.sort()
            out[k] = (vals[int(0.025 * (len(vals) - 1))], vals[int(0.975 * (len(vals) - 1))])
    return out


def log_entries(
    examples: list[ExampleResult],
    reference: list[ExampleResult] | None,
    n_total: int | None = None,
    seed: int = 0,
) -> tuple[dict, dict]:
    """(the checkpoint's metrics, the ``inspector/*`` scalars to log). None values are left out:
    loggers such as TensorBoard take numbers only."""
    ref = reference if reference is not None else examples
    metrics = checkpoint_metrics(examples, ref)
    logs: dict = {}
    for k, v in metrics.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            logs[PREFIX + k] = v
    for k, (lo, hi) in interval(examples, ref, seed=seed).items():
        logs[f"{PREFIX}{k}_lo"], logs[f"{PREFIX}{k}_hi"] = lo, hi
    for k in INTERVALS:
        if metrics.get(k) is not None:
            logs[f"{PREFIX}{k}_n"] = _n(k, examples, metrics)
    logs[PREFIX + "n_inputs"] = len(examples)
    if n_total is not None:
        logs[PREFIX + "n_inputs_total"] = n_total
    return metrics, logs
