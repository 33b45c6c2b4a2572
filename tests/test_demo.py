"""The demo series tells its story in numbers, and is built once and reused."""

from __future__ import annotations

import json

import pytest

from inspector.core.analysis import Analyzer
from inspector.core.loading import load_checkpoint
from inspector.core.probe import load_probe
from inspector.demo.data import CUE
from inspector.demo.series import MARKER, build_demo, demo_root


def _last(folder):
    return max(folder.iterdir(), key=lambda p: int(p.name.split("-")[1]))


def _story(root, checkpoint):
    """Mean Hit@1 on keyword-only and on cue inputs, and the cue's mean Δ."""
    an = Analyzer(load_checkpoint(checkpoint, device="cpu"), load_probe(root / "probe.toml"))
    hit_kw, hit_cue, delta_cue = [], [], []
    for line in (root / "inputs.jsonl").read_text().splitlines():
        text = json.loads(line)["text"]
        res = an.analyze(text)
        words = text.split()
        if CUE in words:
            hit_cue.append(res.metrics["hit_at_1"])
            delta_cue.append(res.deltas[words.index(CUE)])
        else:
            hit_kw.append(res.metrics["hit_at_1"])
    # an undecided input (largest Δ below τ, #17) has no Hit@1: it is left out, not a miss
    mean = lambda xs: sum(x for x in xs if x is not None) / len([x for x in xs if x is not None])  # noqa: E731
    return {"hit_kw": mean(hit_kw), "hit_cue": mean(hit_cue), "delta_cue": mean(delta_cue)}


def test_layout(demo_root):
    assert (demo_root / MARKER).exists()
    rows = [json.loads(x) for x in (demo_root / "inputs.jsonl").read_text().splitlines()]
    assert 24 <= len(rows) <= 40 and sum(CUE in r["text"].split() for r in rows) >= 10
    steps = {}
    for variant in ("fixed", "refreshed"):
        for phase in ("phase1", "phase2"):
            ckpts = sorted((demo_root / variant / phase).glob("checkpoint-*"))
            assert 2 <= len(ckpts) <= 5
            for c in ckpts:
                assert {"config.json", "model.safetensors", "trainer_state.json"} <= {
                    p.name for p in c.iterdir()
                }
                state = json.loads((c / "trainer_state.json").read_text())
                assert c.name == f"checkpoint-{state['global_step']}"
            steps[variant, phase] = sorted(int(c.name.split("-")[1]) for c in ckpts)
    assert steps["fixed", "phase1"] == steps["refreshed", "phase1"]
    assert min(steps["fixed", "phase2"]) > max(steps["fixed", "phase1"])
    first = f"checkpoint-{steps['fixed', 'phase1'][0]}"
    a, b = (demo_root / v / "phase1" / first / "model.safetensors" for v in ("fixed", "refreshed"))
    assert a.read_bytes() == b.read_bytes()


def test_phase1_names_its_keyword(demo_root):
    assert _story(demo_root, _last(demo_root / "fixed" / "phase1"))["hit_kw"] > 0.7


def test_fixed_supervision_decouples(demo_root):
    story = _story(demo_root, _last(demo_root / "fixed" / "phase2"))
    assert story["delta_cue"] > 0.3
    assert story["hit_cue"] < 0.2


def test_refreshed_supervision_stays_coupled(demo_root):
    story = _story(demo_root, _last(demo_root / "refreshed" / "phase2"))
    assert story["delta_cue"] > 0.3
    assert story["hit_cue"] > 0.7


def test_second_build_reuses(demo_root):
    weights = _last(demo_root / "fixed" / "phase2") / "model.safetensors"
    before = weights.stat().st_mtime_ns
    calls = []
    assert build_demo(demo_root, progress=lambda *a: calls.append(a)) == demo_root
    assert weights.stat().st_mtime_ns == before and not calls


def test_default_root_is_in_the_user_data_dir(tmp_path):
    assert demo_root() == tmp_path / "user" / "data" / "demo"


def test_refuses_to_overwrite_a_foreign_folder(tmp_path):
    from inspector.core.errors import InspectorError

    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(InspectorError, match="not a demo folder"):
        build_demo(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_rebuild_trains_again_deterministically(demo_root):
    """Runs last in this module: it rebuilds the shared demo in place."""
    weights = _last(demo_root / "refreshed" / "phase2") / "model.safetensors"
    before_bytes, before_mtime = weights.read_bytes(), weights.stat().st_mtime_ns
    calls = []
    build_demo(demo_root, rebuild=True, progress=lambda *a: calls.append(a))
    assert calls and calls[-1][0] == calls[-1][1]
    assert weights.stat().st_mtime_ns != before_mtime
    assert weights.read_bytes() == before_bytes  # fixed seeds: the same series again
