"""Cues that single-unit Δ misses: group ablations and sampled Shapley values.

Removing one of two words that each suffice moves nothing, so Δ calls both unimportant. The
group figures remove a set at once (the cited units, the top-k by Δ); Shapley values average
a unit's contribution over random orders in which the units are put back, so a shared cue is
split between its carriers instead of vanishing.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence

SHAPLEY_MAX_UNITS = 20  # beyond this a time budget buys too few orders for a useful estimate
MIN_PERMUTATIONS = 2  # a standard error needs two samples


def top_k(deltas: Sequence[float], k: int) -> list[int]:
    """The k units with the largest Δ (ties by position)."""
    return sorted(range(len(deltas)), key=lambda i: (-deltas[i], i))[: max(k, 0)]


def sampled_shapley(
    n: int,
    value: Callable[[list[frozenset[int]]], list[float]],
    budget_s: float,
    seed: int = 0,
    max_permutations: int = 10_000,
    clock: Callable[[], float] = time.perf_counter,
) -> dict:
    """Permutation-sampling Shapley estimate of each of ``n`` players, with standard errors.

    ``value`` scores a batch of coalitions (sets of units kept). Orders are drawn in antithetic
    pairs (an order and its reverse) until ``budget_s`` is spent, at least
    :data:`MIN_PERMUTATIONS`. The values sum to v(all) − v(∅) exactly for every sample, so the
    estimate does too.
    """
    rng = random.Random(seed)
    memo: dict[frozenset[int], float] = {}
    marginals: list[list[float]] = [[] for _ in range(n)]
    t0 = clock()
    m = 0
    while m < max_permutations and (m < MIN_PERMUTATIONS or clock() - t0 < budget_s):
        order = list(range(n))
        rng.shuffle(order)
        for perm in (order, order[::-1]):
            chain = [frozenset(perm[:j]) for j in range(n + 1)]
            todo = [c for c in dict.fromkeys(chain) if c not in memo]
            if todo:
                memo.update(zip(todo, value(todo), strict=True))
            for j, unit in enumerate(perm):
                marginals[unit].append(memo[chain[j + 1]] - memo[chain[j]])
            m += 1
    values = [sum(v) / len(v) if v else 0.0 for v in marginals]
    se = [_se(v) for v in marginals]
    return {
        "values": values,
        "se": se,
        "permutations": m,
        "coalitions": len(memo),
        "seconds": clock() - t0,
        "seed": seed,
    }


def _se(xs: list[float]) -> float | None:
    if len(xs) < 2:
        return None
    mu = sum(xs) / len(xs)
    return math.sqrt(sum((x - mu) ** 2 for x in xs) / (len(xs) - 1) / len(xs))
