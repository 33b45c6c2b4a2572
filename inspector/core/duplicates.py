"""Checkpoints with identical weights and config: analysed once, the others reuse the results.

Pythia-style hub repos publish ``main`` and their last ``stepN`` as the same commit, and
branches often point at byte-identical snapshots; running the model again on them would only
repeat the same numbers. Identity is ``digests.checkpoint_key`` (weights + config + base).
"""

from __future__ import annotations

import dataclasses


def analysed_twin(digest: dict, digests: dict, done: dict):
    """An analysed ``CheckpointResult`` in ``done`` with the same key as ``digest``, if any."""
    key = digest.get("key")
    for name, res in done.items():
        if key and digests.get(name, {}).get("key") == key and not res.error:
            return res
    return None


def as_duplicate(twin, entry):
    """``twin``'s results under ``entry``'s name, path and step (metrics are recomputed)."""
    return dataclasses.replace(
        twin,
        name=entry.name,
        path=str(entry.path),
        step=entry.step,
        metrics={},
        examples=list(twin.examples),
        cached=0,
        seconds=0.0,
        notes=list(twin.notes),
    )
