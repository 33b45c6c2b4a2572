"""The fast sweep: many variants of one prompt scored with one shared KV prefix.

The baseline prompt runs once with a KV cache. Every variant shares the baseline's
tokens up to its first changed token ``f``; only its tail is computed. Tails of many
variants (and the extra tokens of multi-token verbalizers) are packed into one
sequence whose 4D attention mask lets each tail see the cached prefix ``[0, f)``
and its own earlier tokens, nothing else. Logits are projected only where a label
token is read.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import torch

from .packing import common_prefix, is_oom, packed_mask, visible
from .scoring import Verbalizers, naive_scores
from .tasks import TaskState, ensure_task

log = logging.getLogger(__name__)
ChunkFn = Callable[[list[int], torch.Tensor], None]
# KV caches of recent prompts kept for reuse: while a user edits, the next prompt shares
# its head with one of the last few (undo/redo goes back to an older one).
_RECENT = 3
_TIMED = 32  # recent forwards (work, seconds) that time estimates are fitted to


@dataclass
class Prefix:
    ids: list[int]
    kv: list[tuple[torch.Tensor, torch.Tensor]]
    first_logprobs: torch.Tensor  # [vocab] after the whole prompt
    scores: torch.Tensor | None = None  # [n_verbalizers], when computed with the prompt
    computed: int = 0  # tokens actually run to build it (the rest came from a recent prompt)


@dataclass
class _Item:
    f: int  # visible cache length
    tail: list[int]


class Sweeper:
    """Scores prompt variants against one baseline for one model and one set of verbalizers."""

    def __init__(self, model, verbs: Verbalizers, max_tokens: int = 384):
        self.model = model
        self.verbs = verbs
        self.max_tokens = max_tokens
        self.device = next(model.parameters()).device
        self.dtype = next(model.parameters()).dtype
        self.packable = self._config_allows_packing()
        self._checked = False  # the packed path is verified once per model, on the first prefix
        self._recent: list[Prefix] = []  # the sweep, explanation and edited prompts of late
        self._timed: deque[tuple[float, float]] = deque(maxlen=_TIMED)  # (work, seconds)
        self._ctx_scale = _context_scale(model)
        self.remaining: float | None = None  # seconds left in the running sweep, after each chunk
        self._cold: tuple[float, float] | None | bool = None  # the model's first forward
        # transformers 5.x renamed past_key_values to cache; accept both.
        params = inspect.signature(model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values"

    def _config_allows_packing(self) -> bool:
        cfg = self.model.config.get_text_config()
        kinds = set(getattr(cfg, "layer_types", None) or [])
        if kinds - {"full_attention"} or getattr(cfg, "use_sliding_window", False):
            return False
        return getattr(self.model.config, "_attn_implementation", "sdpa") in ("sdpa", "eager")

    @torch.inference_mode()
    def prefix(self, ids: list[int]) -> Prefix:
        """The prompt's KV cache and scores; an edit recomputes only from its first changed token."""
        if not (self.packable and self._checked):
            return self._plain_prefix(ids)
        reuse, c = self._reusable(ids)
        # the prompt's tail and the verbalizer branches in one forward: the first
        # prediction after an edit costs one pass over the changed tokens
        item = _Item(c, list(ids[c:]))
        lps, slots, cache = self._forward([item], reuse or Prefix([], [], torch.empty(0)))
        kv = [
            (layer.keys[:, :, : len(ids)], layer.values[:, :, : len(ids)]) for layer in cache.layers
        ]
        prefix = Prefix(list(ids), kv, lps[slots[0][0]], computed=self._cost(item))
        prefix.scores = self._read(lps, slots[0], prefix)
        return self._remember(prefix)

    def _plain_prefix(self, ids: list[int]) -> Prefix:
        t0 = time.perf_counter()
        out = self.model(torch.tensor([ids], device=self.device), use_cache=True, logits_to_keep=1)
        self._record((self._work(len(ids), len(ids) / 2), self._since(t0)))
        cache = getattr(out, "cache", None) or out.past_key_values
        kv = [(layer.keys, layer.values) for layer in cache.layers]
        first = torch.log_softmax(out.logits[0, -1].float(), -1)
        prefix = Prefix(list(ids), kv, first, computed=len(ids))
        if self.packable and not self._checked:
            self._checked = True
            if not self._self_check(prefix):
                log.warning("packed attention disagrees with a plain forward; using the plain path")
                self.packable = False
        return self._remember(prefix)

    def _remember(self, prefix: Prefix) -> Prefix:
        self._recent = [prefix, *self._recent[: _RECENT - 1]]
        return prefix

    def _reusable(self, ids: list[int]) -> tuple[Prefix | None, int]:
        """The recent prompt sharing the most leading tokens with ``ids``, and how many."""
        best, n = None, 0
        for p in self._recent:
            c = min(common_prefix(p.ids, ids), len(ids) - 1)
            if c > n:
                best, n = p, c
        return best, n

    def _self_check(self, prefix: Prefix) -> bool:
        if len(prefix.ids) < 2:
            return True
        item = _Item(len(prefix.ids) - 1, prefix.ids[-1:])
        lps, slots, _ = self._forward([item], prefix)
        got = lps[slots[0][0]]
        return bool(torch.allclose(got.exp(), prefix.first_logprobs.exp(), atol=1e-4))

    def baseline(self, prefix: Prefix) -> torch.Tensor:
        """[n_verbalizers] log-probs for the baseline prompt itself."""
        if prefix.scores is None:
            prefix.scores = self.score(prefix, [prefix.ids])[0]
        return prefix.scores

    def score(
        self,
        prefix: Prefix,
        variants: list[list[int]],
        task: TaskState | None = None,
        on_chunk: ChunkFn | None = None,
    ) -> torch.Tensor:
        """[n_variants, n_verbalizers] log-probs; ``on_chunk`` streams partial results."""
        task = ensure_task(task)
        out = torch.empty(len(variants), len(self.verbs.ids), dtype=torch.float64)
        if not self.packable:
            for i, seq in enumerate(variants):
                task.check()
                t0 = time.perf_counter()
                out[i] = naive_scores(self.model, [seq], self.verbs)[0]
                self._record((self._work(len(seq), len(seq) / 2), self._since(t0)))
                self.remaining = self._seconds(
                    [self._work(len(v), len(v) / 2) for v in variants[i + 1 :]]
                )
                if on_chunk:
                    on_chunk([i], out[i : i + 1])
            return out
        items = [self._item(prefix.ids, v) for v in variants]
        pending = list(range(len(items)))
        while pending:
            task.check()
            chunk = self._take_chunk(items, pending)
            try:
                lps, slots, _ = self._forward([items[i] for i in chunk], prefix)
            except RuntimeError as exc:
                if not is_oom(exc) or self.max_tokens <= 16:
                    raise
                self.max_tokens //= 2
                log.warning("out of memory in sweep; batch lowered to %d tokens", self.max_tokens)
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            del pending[: len(chunk)]
            self.remaining = self._seconds(self._chunk_work(items, pending))
            for j, i in enumerate(chunk):
                out[i] = self._read(lps, slots[j], prefix)
            if on_chunk:
                on_chunk(chunk, out[chunk])
        return out

    def _item(self, base: list[int], seq: list[int]) -> _Item:
        if seq == base:
            return _Item(len(base), [])
        f = min(common_prefix(base, seq), len(seq) - 1)
        return _Item(f, list(seq[f:]))

    def cost(self, prefix: Prefix, variants: list[list[int]]) -> int:
        """Tokens a sweep of ``variants`` will run, before running it."""
        if not self.packable:
            return sum(len(v) for v in variants)
        return sum(self._cost(self._item(prefix.ids, v)) for v in variants)

    def _record(self, sample: tuple[float, float]) -> None:
        """Time one forward for estimates. The model's first forward pays one-off costs
        (thread pool, allocations; 4× a later one's cost per token was measured), so it is
        dropped from the fit once a forward of at least half its work has been timed."""
        if self._cold is None:
            self._cold = sample
        elif self._cold is not False and sample[0] >= self._cold[0] / 2:
            if self._cold in self._timed:
                self._timed.remove(self._cold)
            self._cold = False
        self._timed.append(sample)

    def _since(self, t0: float) -> float:
        """Seconds since ``t0`` once the device has finished: kernels run asynchronously."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        elif self.device.type == "mps":
            torch.mps.synchronize()
        return time.perf_counter() - t0

    def estimate(self, prefix: Prefix, variants: list[list[int]]) -> float | None:
        """Seconds a sweep of ``variants`` will take, from this model's recent forwards.

        A forward costs a floor (streaming the weights) plus a price per unit of work, so
        both are fitted: scaling the prompt's own short pass by tokens alone overestimated a
        sweep after an edit near the end of an input by 14×. Work is tokens weighted by the
        context each attends to (``_work``), as attention over a long cached prompt costs
        more per token than the short prompt's own pass. None before any forward.
        """
        return self._seconds(self._plan(prefix, variants))

    def _seconds(self, works: list[float]) -> float | None:
        fit = _fit(self._timed)
        if fit is None:
            return None
        floor, per_work = fit
        return sum(floor + per_work * w for w in works)

    def _work(self, n_new: float, context: float) -> float:
        """Token-equivalents of a forward of ``n_new`` tokens each attending to ``context``."""
        return n_new * (1 + context / self._ctx_scale)

    def _plan(self, prefix: Prefix, variants: list[list[int]]) -> list[float]:
        """Work of each forward a sweep of ``variants`` will run."""
        if not self.packable:
            return [self._work(len(v), len(v) / 2) for v in variants]
        items = [self._item(prefix.ids, v) for v in variants]
        return self._chunk_work(items, list(range(len(items))))

    def _chunk_work(self, items: list[_Item], pending: list[int]) -> list[float]:
        """The chunks ``_take_chunk`` will make of ``pending``, in one pass (it runs per chunk)."""
        costs = [self._cost(items[i]) for i in pending]
        suffix = [0] * (len(costs) + 1)
        for k in range(len(costs) - 1, -1, -1):
            suffix[k] = suffix[k + 1] + costs[k]
        works, start = [], 0
        while start < len(costs):
            total = suffix[start]
            share = total / max(1, -(-total // self.max_tokens))
            end, used = start, 0
            while end < len(costs) and not (end > start and used + costs[end] / 2 > share):
                used += costs[end]
                end += 1
            n_cache = max(items[i].f for i in pending[start:end])
            works.append(self._work(used, n_cache + used))
            start = end
        return works

    def _cost(self, item: _Item) -> int:
        return len(item.tail) + sum(len(self.verbs.ids[v]) - 1 for v in self.verbs.multi)

    def _take_chunk(self, items: list[_Item], pending: list[int]) -> list[int]:
        """The next chunk: the pending tails split evenly over as few forwards as the budget allows.

        Every forward streams all the weights once (~0.1 s for a 135M model on a 2-core
        CPU, however few its tokens), so a short trailing chunk costs nearly a full one.
        A chunk ends at the tail nearest its even share, which may pass ``max_tokens``
        by half a tail.
        """
        costs = [self._cost(items[i]) for i in pending]
        total = sum(costs)
        share = total / max(1, -(-total // self.max_tokens))
        chunk, used = [], 0
        for i, cost in zip(pending, costs, strict=True):
            if chunk and used + cost / 2 > share:
                break
            chunk.append(i)
            used += cost
        return chunk

    def _forward(self, items: list[_Item], prefix: Prefix):
        """One packed forward; returns log-probs at kept positions, per-item slots and the cache."""
        from transformers import DynamicCache

        tokens: list[int] = []
        positions: list[int] = []
        segments: list[tuple[int, int, int, tuple[int, int] | None]] = []
        keep: list[int] = []
        slots = []
        for item in items:
            t0 = len(tokens)
            tokens += item.tail
            positions += range(item.f, item.f + len(item.tail))
            segments.append((t0, len(tokens), item.f, None))
            first = None
            if item.tail:
                first = len(keep)
                keep.append(len(tokens) - 1)
            branches = {}
            end = item.f + len(item.tail)
            for vi in self.verbs.multi:
                extra = list(self.verbs.ids[vi][:-1])
                b0 = len(tokens)
                tokens += extra
                positions += range(end, end + len(extra))
                segments.append((b0, len(tokens), item.f, (t0, t0 + len(item.tail))))
                branches[vi] = list(range(len(keep), len(keep) + len(extra)))
                keep += range(b0, len(tokens))
            slots.append((first, branches))
        if not tokens:
            return None, slots, None
        # cache positions no tail in this chunk can see are left out of the attention
        n_cache, n_new = max(s[2] for s in segments), len(tokens)
        mask = packed_mask(segments, n_cache, n_new, self.dtype)
        past = (
            DynamicCache(ddp_cache_data=visible(prefix.kv, n_cache)) if n_cache else DynamicCache()
        )
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = self.model(
                input_ids=torch.tensor([tokens], device=self.device),
                position_ids=torch.tensor([positions], device=self.device),
                attention_mask=mask[None, None].to(self.device),
                use_cache=True,
                **{self._cache_kw: past},
                logits_to_keep=torch.tensor(keep, device=self.device),
            )
            lps = torch.log_softmax(out.logits[0].float(), -1).cpu()
        self._record((self._work(n_new, n_cache + n_new), self._since(t0)))
        return lps, slots, getattr(out, "cache", None) or out.past_key_values

    def _read(self, lps, slot, prefix: Prefix) -> torch.Tensor:
        first_idx, branches = slot
        first = prefix.first_logprobs.cpu() if first_idx is None else lps[first_idx]
        row = torch.empty(len(self.verbs.ids), dtype=torch.float64)
        for vi, vids in enumerate(self.verbs.ids):
            total = first[vids[0]].item()
            for k, pos in enumerate(branches.get(vi, [])):
                total += lps[pos, vids[k + 1]].item()
            row[vi] = total
        return row


def _context_scale(model) -> float:
    """Context length at which a token's attention costs as much as its matrix products.

    Per token, the linear layers cost 2 FLOPs per non-embedding weight and attention
    4 × layers × heads × head_dim per context position (scores and the weighted sum).
    """
    try:
        cfg = model.config.get_text_config()
        heads = cfg.num_attention_heads
        head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // heads
        attention = 4 * cfg.num_hidden_layers * heads * head_dim
        embedding = model.get_input_embeddings().weight.numel()
        weights = sum(p.numel() for p in model.parameters())  # tied lm_head counted once
        output = model.get_output_embeddings()
        if output is not None and output.weight is not model.get_input_embeddings().weight:
            weights -= output.weight.numel()  # projected only where a label is read
        return max(2 * (weights - embedding), 1) / attention
    except (AttributeError, TypeError, ZeroDivisionError):
        return float("inf")


def _fit(timed) -> tuple[float, float] | None:
    """(floor, seconds per unit of work) of ``seconds = floor + per_work * work``, least squares.

    Noise can make the fit absurd: a slope at or below zero (forwards cost the same
    whatever their length, as on a GPU) is a floor alone; a negative floor is a line
    through the origin. One size of forward only is charged to its tokens.
    """
    if not timed:
        return None
    ns = [float(max(n, 1)) for n, _ in timed]
    ts = [t for _, t in timed]
    mean_n, mean_t = sum(ns) / len(ns), sum(ts) / len(ts)
    var = sum((n - mean_n) ** 2 for n in ns)
    if var == 0:
        return 0.0, mean_t / mean_n
    slope = sum((n - mean_n) * (t - mean_t) for n, t in zip(ns, ts, strict=True)) / var
    if slope <= 0:
        return mean_t, 0.0
    floor = mean_t - slope * mean_n
    if floor < 0:
        return 0.0, sum(n * t for n, t in zip(ns, ts, strict=True)) / sum(n * n for n in ns)
    return floor, slope
