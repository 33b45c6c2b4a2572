"""The measurements of docs/METRICS.md, as plain functions over numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence

# Units within this of the largest Δ tie for top. Identical variant texts (removing either
# "very" of "very very") measured 1.6e-10 apart on a tiny model; larger models drift more.
TOP_TOL = 1e-6

METRIC_HELP = {
    "hit_at_1": "1 if the unit whose removal shifts the answer most is among the units the explanation names",
    "rank": "rank (1 = largest Δ) of the best-ranked unit the explanation names",
    "cited_mass": "share of the total measured shift that falls on the units the explanation names",
    "comprehensiveness": "drop in p(predicted label) when the named units are removed (higher = they matter)",
    "sufficiency": "drop in p(predicted label) when only the named units are kept (lower = they suffice)",
    "accuracy": "share of inputs whose predicted label equals the gold label",
    "top_delta": "mean over inputs of the largest single-unit shift",
    "cct": "point-biserial correlation between a unit's Δ and whether it is named (Siegel et al. 2024)",
    "coupling": "Self − Orig over the conflict set: explanations follow current behaviour (>0) or the reference's (<0)",
    "self": "share of the conflict set whose explanation names the current top-Δ unit",
    "orig": "share of the conflict set whose explanation names the reference checkpoint's top-Δ unit",
    "n_conflict": "inputs whose top-Δ unit differs from the reference checkpoint's",
    "explanation_words": "mean explanation length in words (long explanations cite more by chance)",
    "n_undecided": "inputs whose largest Δ is below the decisive threshold τ: no Hit@1, not in the conflict set",
    "hit_at_1_chance": "Hit@1 a random choice of as many units as the explanation cites would get (k/n without ties)",
    "hit_at_1_lift": "Hit@1 − its chance value: above 0, the explanation finds the top unit more often than luck",
    "cited_mass_chance": "cited mass a random choice of as many units would get on average (k/n)",
    "cited_mass_lift": "cited mass − its chance value",
    "group_delta_cited": "Δ (TVD) when all cited units are removed together",
    "group_delta_top_k": "Δ (TVD) when the k units with the largest single Δ are removed together",
    "cf_label_match": "of the units whose removal flips the answer and that the model says would, "
    "the share where it names the label the answer flips to",
}


def top_units(deltas: Sequence[float]) -> list[int]:
    if not deltas:
        return []
    best = max(deltas)
    return [i for i, d in enumerate(deltas) if d >= best - TOP_TOL]


def top_unit(deltas: Sequence[float]) -> int | None:
    return max(range(len(deltas)), key=lambda i: deltas[i]) if deltas else None


def decided(deltas: Sequence[float], tau: float = 0.0) -> bool:
    """Some unit moves the answer by at least ``tau`` (and more than float noise)."""
    return bool(deltas) and max(deltas) > TOP_TOL and max(deltas) >= tau


def hit_at_1(deltas: Sequence[float], cited: Sequence[int], tau: float = 0.0) -> float | None:
    """None when the input is undecided (largest Δ below ``tau``): its top unit is noise."""
    if not decided(deltas, tau):
        return None
    return 1.0 if set(top_units(deltas)) & set(cited) else 0.0


def hit_at_1_chance(deltas: Sequence[float], k: int, tau: float = 0.0) -> float | None:
    """Hit@1 of k units drawn at random from the n: 1 − C(n−t, k)/C(n, k) for t tied top units.

    Without ties this is k/n.
    """
    if not decided(deltas, tau):
        return None
    n, t = len(deltas), len(top_units(deltas))
    k = min(max(k, 0), n)
    return 1.0 - math.comb(n - t, k) / math.comb(n, k)


def cited_mass_chance(deltas: Sequence[float], k: int) -> float | None:
    """The expected cited mass of k units drawn at random: k/n."""
    if not deltas or sum(deltas) <= 0:
        return None
    return min(max(k, 0), len(deltas)) / len(deltas)


def best_cited_rank(deltas: Sequence[float], cited: Sequence[int]) -> int | None:
    """1 + the number of units shifting clearly more than the best cited one (ties share a rank)."""
    if not cited or not deltas:
        return None
    best = max(deltas[i] for i in cited)
    return 1 + sum(d > best + TOP_TOL for d in deltas)


def cited_mass(deltas: Sequence[float], cited: Sequence[int]) -> float | None:
    total = sum(deltas)
    if not deltas or total <= 0:
        return None
    return sum(deltas[i] for i in cited) / total


def tvd(p: Sequence[float], q: Sequence[float]) -> float:
    return 0.5 * sum(abs(a - b) for a, b in zip(p, q, strict=True))


def prf(stated: Sequence[bool], measured: Sequence[bool]) -> dict[str, float | None]:
    tp = sum(1 for s, m in zip(stated, measured, strict=True) if s and m)
    fp = sum(1 for s, m in zip(stated, measured, strict=True) if s and not m)
    fn = sum(1 for s, m in zip(stated, measured, strict=True) if m and not s)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def point_biserial(values: Sequence[float], flags: Sequence[bool]) -> float | None:
    """Pearson correlation between a continuous and a binary variable."""
    n = len(values)
    n1 = sum(1 for f in flags if f)
    if n < 2 or n1 in (0, n):
        return None
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / n)
    if sd == 0:
        return None
    m1 = sum(v for v, f in zip(values, flags, strict=True) if f) / n1
    m0 = sum(v for v, f in zip(values, flags, strict=True) if not f) / (n - n1)
    p = n1 / n
    return (m1 - m0) / sd * math.sqrt(p * (1 - p))


def mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def label_match(rows: Sequence[dict]) -> float | None:
    """Share of stated-and-measured flips whose stated new label is the measured one."""
    both = [r for r in rows if r["stated_flip"] and r["measured_flip"]]
    if not both:
        return None
    return sum(r["stated_label"] == r["measured_label"] for r in both) / len(both)
