"""One row per input of the set at one checkpoint: what the examples list shows and sorts by.

The rows come from a timeline run, so the list can be sorted to find the inputs where the
explanation misses the unit that drives the answer (Hit@1 = 0 with a large top Δ).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import metrics as M
from .inputs import Example
from .results import ExampleResult


@dataclass(frozen=True)
class ExampleRow:
    predicted: str
    correct: bool | None  # None without a gold label
    top_unit: str | None  # the top-Δ unit's text ("a / b" when tied); None when nothing moves
    top_delta: float | None
    hit: float | None  # Hit@1; None without an explanation or when nothing moves the answer


def example_row(ex: ExampleResult) -> ExampleRow:
    deltas = ex.deltas
    moved = bool(deltas) and max(deltas) > M.TOP_TOL
    top = " / ".join(ex.units[i].text for i in M.top_units(deltas)) if moved else None
    tau = ex.metrics.get("tau", 0.0)  # an undecided input has no Hit@1
    hit = M.hit_at_1(deltas, ex.cited, tau) if ex.explanation is not None else None
    return ExampleRow(
        predicted=ex.label,
        correct=None if ex.gold is None else ex.label == ex.gold,
        top_unit=top,
        top_delta=max(deltas) if deltas else None,
        hit=hit,
    )


def rows_at(
    timeline, checkpoint: str | None, inputs: list[Example], probe, settings
) -> tuple[str, list[ExampleRow]] | None:
    """(checkpoint name, rows) from ``timeline`` for ``checkpoint``, if they still apply.

    None when the timeline has no successful result for that checkpoint, or was run on
    another input set, probe or settings than the app now uses (its rows would describe
    something the user no longer sees).
    """
    if timeline is None or checkpoint is None or probe is None:
        return None
    if [e.text for e in timeline.inputs] != [e.text for e in inputs]:
        return None
    if timeline.probe.source != probe.source or timeline.settings.key() != settings.key():
        return None
    want = _resolved(checkpoint)
    for cp in timeline.checkpoints:
        if _resolved(cp.path) == want and cp.error is None and len(cp.examples) == len(inputs):
            return cp.name, [example_row(ex) for ex in cp.examples]
    return None


def _resolved(path: str) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path)
