"""Per-checkpoint figures over the input set (docs/METRICS.md), each with n and an interval.

An input whose largest Δ is below the decisive threshold τ is *undecided*: its "top unit" is
noise, so it gets no Hit@1 and never enters the conflict set. Means come with a bootstrap
interval over inputs (core.stats) under ``<key>_ci`` and their n under ``n_<key>``.
"""

from __future__ import annotations

from . import metrics as M
from .degenerate import degenerate_reason
from .results import ExampleResult
from .stats import RESAMPLES, SEED, add_interval


def _aligned(ex: ExampleResult, ref: ExampleResult) -> bool:
    """Both results describe the same input cut into the same units."""
    return ex.input == ref.input and [u.text for u in ex.units] == [u.text for u in ref.units]


def conflicts(
    examples: list[ExampleResult], reference: list[ExampleResult] | None, tau: float = 0.0
) -> list[bool | None]:
    """Per example: does its top-Δ unit differ from the reference's? (None: not comparable).

    Ties count as agreement when the two sets of top units overlap; an example undecided at
    either checkpoint (largest Δ below ``tau``, or no unit moving the answer) is not comparable.
    """
    out: list[bool | None] = []
    for i, ex in enumerate(examples):
        ref = reference[i] if reference is not None and i < len(reference) else None
        if ref is None or not ex.units or not _aligned(ex, ref):
            out.append(None)
            continue
        if not M.decided(ex.deltas, tau) or not M.decided(ref.deltas, tau):
            out.append(None)  # no decisive top unit to compare
            continue
        out.append(not set(M.top_units(ex.deltas)) & set(M.top_units(ref.deltas)))
    return out


def coupling(
    examples: list[ExampleResult], reference: list[ExampleResult] | None, tau: float = 0.0
) -> dict:
    """Coupling of explanations to behaviour against a reference checkpoint (docs/METRICS.md).

    The conflict set C_t holds the decided examples whose top-Δ unit differs between the
    reference and this checkpoint. An argmax-label change alone does not enter C_t: with the
    same top unit, citing the current and the original driver are the same event and cannot
    tell coupling from imitation. Self = share of C_t (with an explanation) citing this
    checkpoint's top unit; Orig = share citing the reference's; coupling = Self − Orig. The
    interval of coupling is the bootstrap of the per-example differences (paired).
    """
    flags = conflicts(examples, reference, tau)
    out: dict = {"n_conflict": None, "n_label_change": None}
    if reference is None:
        for key in ("self", "orig", "coupling"):
            out.update({key: None, f"{key}_ci": None, f"n_{key}": None})
        return out
    conflict = [i for i, f in enumerate(flags) if f]
    explained = [i for i in conflict if examples[i].explanation is not None]
    selfs, origs = [], []
    for i in explained:
        cites = set(examples[i].cited)
        selfs.append(1.0 if cites & set(M.top_units(examples[i].deltas)) else 0.0)
        origs.append(1.0 if cites & set(M.top_units(reference[i].deltas)) else 0.0)
    add_interval(out, "self", selfs)
    add_interval(out, "orig", origs)
    add_interval(out, "coupling", [s - o for s, o in zip(selfs, origs, strict=True)])
    out["n_conflict"] = len(conflict)
    out["n_label_change"] = sum(
        1 for i, f in enumerate(flags) if f is not None and examples[i].label != reference[i].label
    )
    return out


def _add_with_chance(out: dict, key: str, raw: list, chance: list) -> None:
    """The raw mean, its chance value and the lift (raw − chance), each with its interval."""
    add_interval(out, key, raw)
    add_interval(out, f"{key}_chance", chance)
    lift = [None if r is None else r - c for r, c in zip(raw, chance, strict=True)]
    add_interval(out, f"{key}_lift", lift)


CF_KEYS = ("cf_precision", "cf_recall", "cf_f1", "cf_label_match")
# per-example figures averaged per checkpoint, each with its interval
EXAMPLE_MEANS = (
    "comprehensiveness",
    "sufficiency",
    "group_delta_cited",
    "group_delta_top_k",
)


def checkpoint_metrics(
    examples: list[ExampleResult], reference: list[ExampleResult] | None, tau: float = 0.0
) -> dict:
    """Per-checkpoint means over the input set, plus coupling against ``reference``.

    Hit@1, cited mass, their chance values and CCT are computed from each example's Δ and
    cited units; comprehensiveness, sufficiency and the group ablations need forward passes
    and come from the example's own metrics. CCT pools all (example, unit) pairs of examples
    that have an explanation.
    """
    explained = [ex for ex in examples if ex.explanation is not None]
    golds = [ex for ex in examples if ex.gold is not None]
    pairs_d = [d for ex in explained for d in ex.deltas]
    pairs_c = [i in set(ex.cited) for ex in explained for i in range(len(ex.units))]
    undecided = [ex for ex in examples if ex.units and not M.decided(ex.deltas, tau)]
    out: dict = {"n_examples": len(examples), "tau": tau, "n_undecided": len(undecided)}
    add_interval(out, "accuracy", [1.0 if ex.label == ex.gold else 0.0 for ex in golds])
    add_interval(out, "top_delta", [max(ex.deltas) if ex.units else None for ex in examples])
    hits = [M.hit_at_1(ex.deltas, ex.cited, tau) for ex in explained]
    chance = [M.hit_at_1_chance(ex.deltas, len(ex.cited), tau) for ex in explained]
    _add_with_chance(out, "hit_at_1", hits, chance)
    mass = [M.cited_mass(ex.deltas, ex.cited) for ex in explained]
    mass_chance = [M.cited_mass_chance(ex.deltas, len(ex.cited)) for ex in explained]
    _add_with_chance(out, "cited_mass", mass, chance=mass_chance)
    for key in EXAMPLE_MEANS:
        add_interval(out, key, [ex.metrics.get(key) for ex in explained])
    out["cct"] = M.point_biserial(pairs_d, pairs_c)
    add_interval(out, "explanation_words", [ex.explanation.n_words for ex in explained])
    # counterfactual mode: means over the examples that have the figure (None otherwise)
    for key in CF_KEYS:
        out[key] = M.mean(ex.metrics.get(key) for ex in examples)
    out.update(coupling(examples, reference, tau))
    out["bootstrap"] = {"resamples": RESAMPLES, "seed": SEED, "level": 0.95}
    out["degenerate"] = degenerate_reason(examples, out)
    return out
