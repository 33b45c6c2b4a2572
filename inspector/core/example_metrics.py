"""The metrics of one analysed input: what docs/METRICS.md defines, computed from its Δs,
citations and a few extra scored ablations (the cited units removed or kept alone, the top-k
removed)."""

from __future__ import annotations

from . import metrics as M
from .redundancy import top_k
from .results import ExampleResult, Settings
from .scoring import label_probs
from .units import ablate, keep_only

EXPLANATION_METRICS = (
    "hit_at_1",
    "rank",
    "cited_mass",
    "comprehensiveness",
    "sufficiency",
    "explanation_words",
)
# beside the raw ones: chance-corrected figures and group ablations (null when undefined)
CHANCE_METRICS = ("hit_at_1_chance", "hit_at_1_lift", "cited_mass_chance", "cited_mass_lift")
GROUP_METRICS = ("group_delta_cited", "group_delta_top_k", "sum_delta_top_k")
# shown beside them in counterfactual mode (cf_precision and cf_recall are in the JSON too)
COUNTERFACTUAL_METRICS = ("cf_f1", "cf_label_match")


def example_metrics(an, text: str, result: ExampleResult, settings: Settings, prefix) -> dict:
    """Hit@1, cited mass, comprehensiveness/sufficiency, group Δs and counterfactual scores of
    one analysed input; ``an`` is its Analyzer (units, ids and the sweeper's scoring)."""
    deltas, cited = result.deltas, result.cited
    tau = settings.tau
    out: dict = {
        "top_delta": max(deltas) if deltas else None,
        "top_unit": M.top_unit(deltas),
        "tau": tau,
        "decided": M.decided(deltas, tau),
    }
    if result.gold is not None:
        out["correct"] = 1.0 if result.label == result.gold else 0.0
    # stable keys (scripts read the JSON): null when there is no explanation
    out.update(dict.fromkeys((*EXPLANATION_METRICS, *CHANCE_METRICS, *GROUP_METRICS)))
    k = result.predicted
    filler = settings.filler_or_none
    # over all units, not just the ablated ones: "cited only" must drop the rest too
    units = an.units(text, settings)
    texts = []
    if result.explanation is not None:
        texts += [
            ablate(text, units, set(cited), filler),
            keep_only(text, units, set(cited), filler),
        ]
    top = top_k(deltas, settings.top_k)
    if top:
        texts.append(ablate(text, units, set(top), filler))
    scored = (
        label_probs(an.sweeper.score(prefix, [an.ids(t) for t in texts]), an.verbs)
        if texts
        else None
    )
    if top:
        out["group_delta_top_k"] = M.tvd(result.probs, scored[-1].tolist())
        out["sum_delta_top_k"] = sum(deltas[i] for i in top)
        out["top_k"] = len(top)
    if result.explanation is not None:
        hit = M.hit_at_1(deltas, cited, tau)
        hit_chance = M.hit_at_1_chance(deltas, len(cited), tau)
        mass = M.cited_mass(deltas, cited)
        mass_chance = M.cited_mass_chance(deltas, len(cited))
        out.update(
            hit_at_1=hit,
            rank=M.best_cited_rank(deltas, cited),
            cited_mass=mass,
            comprehensiveness=result.probs[k] - scored[0, k].item(),
            sufficiency=result.probs[k] - scored[1, k].item(),
            explanation_words=result.explanation.n_words,
            hit_at_1_chance=hit_chance,
            hit_at_1_lift=None if hit is None else hit - hit_chance,
            cited_mass_chance=mass_chance,
            cited_mass_lift=None if mass is None else mass - mass_chance,
            group_delta_cited=M.tvd(result.probs, scored[0].tolist()) if cited else 0.0,
            n_cited=len(cited),
        )
    if result.counterfactual:
        pr = M.prf([c["stated_flip"] for c in result.counterfactual], result.flips)
        out.update(cf_precision=pr["precision"], cf_recall=pr["recall"], cf_f1=pr["f1"])
        out["cf_label_match"] = M.label_match(result.counterfactual)
    return out
