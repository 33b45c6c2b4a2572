"""Results stored inside a checkpoint folder by whoever measured it while it was written.

The training callback (``inspector.training.CouplingCallback``) measures the model in memory
at each save and leaves ``inspector_results.json`` in the checkpoint folder it just saved.
Entries are keyed exactly like the result cache (:func:`cache.result_key`: the checkpoint's
content hash, the probe's source, the input, the settings, the gold label), so a later
timeline serves them instead of loading the model, and only for the same checkpoint bytes,
probe, inputs and settings; anything else is measured as usual.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
STORED_NAME = "inspector_results.json"
STORED_VERSION = 1


def read_stored(folder: str | Path) -> dict[str, dict]:
    """``result_key -> example dict`` stored in ``folder`` ({} when none or unreadable)."""
    path = Path(folder) / STORED_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable (%s); the checkpoint is measured instead", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("version") != STORED_VERSION:
        return {}
    results = data.get("results")
    return results if isinstance(results, dict) else {}


def write_stored(folder: str | Path, results: dict[str, dict], about: dict) -> Path:
    """Write ``results`` (key -> example dict) and ``about`` (step, metrics, …) atomically.

    Written to a temp name first, then renamed, so a reader never sees half a file.
    """
    path = Path(folder) / STORED_NAME
    tmp = path.with_name(path.name + ".tmp")
    payload = {"version": STORED_VERSION, **about, "results": results}
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, path)
    return path
