"""Refreshed supervision: explanation targets taken from what the model's behaviour now
depends on, measured, instead of labels written once before training changed it."""

from __future__ import annotations

from ..core import metrics as M
from ..core.results import Settings
from .measure import as_examples, as_probe, measure_model


def refresh_targets(
    model, tokenizer, inputs, probe, k: int = 1, settings: Settings | None = None
) -> list[list[str]]:
    """Per input, the ``k`` units whose removal shifts the answer most, largest Δ first.

    The measurement is the core sweep on the model in memory (eval mode, no grad; the
    training mode is restored). An undecided input (largest Δ below ``settings.tau``, the
    same decisive threshold the metrics use) gets []: its top unit is noise, and training an
    explanation to name noise is what this is meant to prevent. Join the units (e.g.
    ``" ".join(units)``) to make the explanation target of the next training round.
    """
    probe = as_probe(probe)
    examples = as_examples(inputs, probe.label_names)
    settings = (settings or Settings()).with_(explain=False, counterfactual=False)
    out = []
    for res in measure_model(model, tokenizer, probe, examples, settings):
        deltas = res.deltas
        if not deltas or not M.decided(deltas, settings.tau):
            out.append([])
            continue
        order = sorted(range(len(deltas)), key=lambda i: (-deltas[i], i))
        out.append([res.units[i].text for i in order[:k]])
    return out
