"""Checkpoints whose answers do not depend on the input: marked wherever a checkpoint is shown.

A training run can collapse to one class (the first demo recipe did on some CPUs) or answer no
better than a coin: its Hit@1, coupling and Δ then describe noise, and a reader must see that
before reading them. Two tests, both from figures already computed per checkpoint:

- one label: every input gets the same predicted label (at least MIN_INPUTS inputs);
- at chance: with gold labels on at least MIN_GOLD inputs, the 95 % interval of accuracy
  contains the accuracy of guessing uniformly among the probe's labels (1/k).

The second is a statement about this input set, not about the model in general: a model that
follows an old rule on inputs labelled by a new one is "at chance" here, and is marked so.
"""

from __future__ import annotations

from .results import ExampleResult

MIN_INPUTS = 3
MIN_GOLD = 10


def degenerate_reason(examples: list[ExampleResult], metrics: dict) -> str | None:
    """One line saying why this checkpoint's figures describe no input-dependent behaviour."""
    labels = [ex.label for ex in examples if ex.label is not None]
    if len(labels) >= MIN_INPUTS and len(set(labels)) == 1:
        return f"one label ({labels[0]}) for all {len(labels)} inputs"
    k = max((len(ex.probs) for ex in examples if ex.probs), default=0)
    ci = metrics.get("accuracy_ci")
    n_gold = metrics.get("n_accuracy") or 0
    if k >= 2 and ci and n_gold >= MIN_GOLD and ci[0] <= 1 / k <= ci[1]:
        acc = metrics["accuracy"]
        return (
            f"accuracy at chance ({acc:.2f} [{ci[0]:.2f}, {ci[1]:.2f}] n={n_gold}, "
            f"chance {1 / k:.2f})"
        )
    return None
