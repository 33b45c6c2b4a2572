"""The per-checkpoint figures as flat ``inspector/*`` log entries, each mean with n and its
95 % interval.

Keys follow :func:`core.aggregate.checkpoint_metrics`, whatever it returns, computed with the
callback's own τ so the figures equal the later timeline's: every numeric figure is logged;
those in ``INTERVALS`` also get ``_lo``/``_hi`` (the core's seeded bootstrap over inputs) and
``_n``.
"""

from __future__ import annotations

from ..core.aggregate import checkpoint_metrics
from ..core.results import ExampleResult

PREFIX = "inspector/"
INTERVALS = ("accuracy", "hit_at_1", "cited_mass", "self", "orig", "coupling")


def log_entries(
    examples: list[ExampleResult],
    reference: list[ExampleResult] | None,
    n_total: int | None = None,
    tau: float = 0.0,
) -> tuple[dict, dict]:
    """(the checkpoint's metrics, the ``inspector/*`` scalars to log). None values are left out:
    loggers such as TensorBoard take numbers only."""
    ref = reference if reference is not None else examples
    metrics = checkpoint_metrics(examples, ref, tau)
    logs: dict = {}
    for k, v in metrics.items():
        if isinstance(v, int | float) and not isinstance(v, bool):
            logs[PREFIX + k] = v
    for k in INTERVALS:
        if metrics.get(k) is None:
            continue
        ci = metrics.get(f"{k}_ci")
        if ci:
            logs[f"{PREFIX}{k}_lo"], logs[f"{PREFIX}{k}_hi"] = ci
        logs[f"{PREFIX}{k}_n"] = metrics.get(f"n_{k}") or 0
    logs[PREFIX + "n_inputs"] = len(examples)
    if n_total is not None:
        logs[PREFIX + "n_inputs_total"] = n_total
    return metrics, logs
