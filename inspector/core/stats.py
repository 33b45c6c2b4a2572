"""Intervals for per-checkpoint means: a seeded percentile bootstrap over inputs.

Every mean a researcher reads carries n and a 95 % interval (docs/METRICS.md). The bootstrap
resamples inputs with replacement; the seed is fixed and recorded so the same numbers give the
same interval on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RESAMPLES = 1000
SEED = 0
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    n: int
    mean: float | None
    lo: float | None
    hi: float | None

    @property
    def ci(self) -> list[float] | None:
        return None if self.lo is None else [self.lo, self.hi]


def bootstrap_mean(
    values: Sequence[float | None],
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> Interval:
    """n, mean and the percentile interval of the mean; None values are left out.

    One value gives a zero-width interval (there is nothing to resample), none gives no
    interval at all.
    """
    vals = np.asarray([v for v in values if v is not None], dtype=float)
    n = len(vals)
    if n == 0:
        return Interval(0, None, None, None)
    mean = float(vals.mean())
    if n == 1:
        return Interval(1, mean, mean, mean)
    rng = np.random.default_rng(seed)
    means = vals[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    # the mean of a sample always lies within its own interval (float rounding aside)
    return Interval(n, mean, float(min(lo, mean)), float(max(hi, mean)))


def add_interval(out: dict, key: str, values: Sequence[float | None], **kw) -> None:
    """Sets ``out[key]`` (the mean), ``out[key + "_ci"]`` ([lo, hi]) and ``out["n_" + key]``."""
    iv = bootstrap_mean(values, **kw)
    out[key] = iv.mean
    out[f"{key}_ci"] = iv.ci
    out[f"n_{key}"] = iv.n


def fmt_interval(mean: float | None, ci, n: int | None, spec: str = ".2f") -> str:
    """``0.42 [0.31, 0.55] n=36``; a dash where there is no value."""
    if mean is None:
        return f"— n={n or 0}"
    if not ci:
        return f"{mean:{spec}} n={n}"
    return f"{mean:{spec}} [{ci[0]:{spec}}, {ci[1]:{spec}}] n={n}"
