"""The demo's story, read through the timeline: fixed supervision decouples, refreshed does not."""

import pytest

from inspector.core.inputs import load_inputs
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.timeline import run_timeline

REFERENCE = "phase1/checkpoint-160"
END = "phase2/checkpoint-460"


def _coupling_at_end(demo_root, variant):
    series = discover_series(demo_root / variant)
    for entry in series.entries:
        series.exclude(entry.name, entry.name not in (REFERENCE, END))
    probe = load_probe(demo_root / "probe.toml")
    examples = load_inputs(demo_root / "inputs.jsonl", probe.label_names)
    result = run_timeline(series, probe, examples, Settings(), reference=REFERENCE)
    return {c.name: c.metrics for c in result.checkpoints}


@pytest.mark.parametrize("variant, sign", [("fixed", -1), ("refreshed", +1)])
def test_coupling_index_follows_supervision(demo_root, variant, sign):
    m = _coupling_at_end(demo_root, variant)[END]
    assert m["n_conflict"] >= 10  # a real conflict set, not three examples
    assert sign * m["coupling"] > 0.3
    assert m["accuracy"] > 0.9  # both variants learned the new behaviour
