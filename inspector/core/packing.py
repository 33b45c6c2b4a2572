"""Packing several prompt variants into one forward pass over a shared KV cache.

Each variant's new tokens see the cached prefix they share and their own earlier tokens, never
another variant's: the block mask below says so. Used by ``core/sweep.py``.
"""

from __future__ import annotations

import torch


def common_prefix(a: list[int], b: list[int]) -> int:
    """How many leading tokens two id lists share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower()


def packed_mask(segments, n_cache: int, n_new: int, dtype) -> torch.Tensor:
    """Additive [n_new, n_cache + n_new] mask, built with a few tensor ops (no per-segment loop).

    A row sees the cache up to its segment's ``f``, its own segment causally, and the
    whole parent tail of a verbalizer branch.
    """
    spans = [s for s in segments if s[1] > s[0]]
    lengths = torch.tensor([r1 - r0 for r0, r1, _, _ in spans])
    starts = torch.tensor([r0 for r0, _, _, _ in spans]).repeat_interleave(lengths)
    f = torch.tensor([fv for _, _, fv, _ in spans]).repeat_interleave(lengths)
    parents = [p or (0, 0) for _, _, _, p in spans]
    p_lo = torch.tensor([p[0] for p in parents]).repeat_interleave(lengths)
    p_hi = torch.tensor([p[1] for p in parents]).repeat_interleave(lengths)
    rows = torch.arange(n_new)[:, None]
    cols = torch.arange(n_new)[None, :]
    own = (cols >= starts[:, None]) & (cols <= rows)
    parent = (cols >= p_lo[:, None]) & (cols < p_hi[:, None])
    cache = torch.arange(n_cache)[None, :] < f[:, None]
    allowed = torch.cat([cache, own | parent], dim=1)
    return torch.zeros(allowed.shape, dtype=dtype).masked_fill_(~allowed, torch.finfo(dtype).min)


def visible(kv, n: int):
    """The first ``n`` positions of each layer's cached keys and values."""
    return [(k[:, :, :n], v[:, :, :n]) for k, v in kv]
