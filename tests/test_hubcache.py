"""Hub-cache folders (models--ORG--NAME) as series: ref order, steps, filter, duplicates, digests."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from layouts_util import _base, _snapshot

from inspector.core.checkpoints import inspect_checkpoint
from inspector.core.errors import CheckpointError, InputError
from inspector.core.inputs import Example
from inspector.core.loading import ModelPool
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.timeline import run_timeline

INPUTS = [Example("great food service"), Example("awful slow service")]


@pytest.fixture(scope="module")
def hub_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("hubcache")
    a, b = _base(root / "a", seed=1), _base(root / "b", seed=2)
    repo = root / "models--EleutherAI--tiny-deduped"
    c1, c2, c3 = "1" * 40, "2" * 40, "3" * 40
    _snapshot(repo, c1, a)
    _snapshot(repo, c2, b)
    _snapshot(repo, c3, b)  # another commit with byte-identical files
    (repo / "refs").mkdir()
    for ref, commit in {"step100-tokens4M": c2, "step20": c1, "main": c2}.items():
        (repo / "refs" / ref).write_text(commit)
    (repo / "refs" / "step999").write_text("9" * 40)  # not downloaded
    return repo


def test_hub_cache_refs_in_step_order_then_unreferenced_snapshots(hub_repo):
    s = discover_series(hub_repo)
    assert [(e.name, e.step) for e in s.entries] == [
        ("step20", 20),
        ("step100-tokens4M", 100),
        ("main", None),
        ("3333333", None),
    ]
    assert dict(s.skipped)["step999"].startswith("points to 9999999")

    with pytest.raises(CheckpointError, match="hub-cache folder with 4 downloaded revision"):
        inspect_checkpoint(hub_repo)  # analyze --model on the repo folder: say how to use it
    s = discover_series(hub_repo, revisions=r"^step")
    assert [e.name for e in s.entries] == ["step20", "step100-tokens4M"]
    with pytest.raises(InputError, match="match no checkpoint"):
        discover_series(hub_repo, revisions="^v1")
    with pytest.raises(InputError, match="not a regular expression"):
        discover_series(hub_repo, revisions="step(")


def test_timeline_flags_duplicates_analyses_once_and_records_digests(
    hub_repo, sentiment_probe, tmp_path
):
    s = discover_series(hub_repo)
    loaded = []

    class Pool(ModelPool):
        def get(self, path):
            loaded.append(str(path))
            return super().get(path)

    inputs = tmp_path / "inputs.txt"
    inputs.write_text("\n".join(e.text for e in INPUTS) + "\n")
    res = run_timeline(
        s,
        load_probe(sentiment_probe),
        INPUTS,
        Settings(explain=False),
        pool=Pool(1, device="cpu"),
        inputs_path=str(inputs),
    )
    d = res.to_dict()
    by = {c["name"]: c for c in d["checkpoints"]}
    assert [c["name"] for c in d["checkpoints"]] == [
        "step20",
        "step100-tokens4M",
        "main",
        "3333333",
    ]
    assert [c["step"] for c in d["checkpoints"]] == [20, 100, None, None]
    assert by["step20"]["duplicate_of"] is None and by["step100-tokens4M"]["duplicate_of"] is None
    assert by["main"]["duplicate_of"] == "step100-tokens4M"
    assert by["3333333"]["duplicate_of"] == "step100-tokens4M"
    # analysed once: the byte-identical snapshot was never loaded, its results are the twin's
    assert not any("3" * 40 in p for p in loaded)
    assert by["3333333"]["examples"] == by["step100-tokens4M"]["examples"]
    assert by["step20"]["examples"] != by["step100-tokens4M"]["examples"]

    weights = (hub_repo / "snapshots" / ("1" * 40) / "model.safetensors").read_bytes()
    assert by["step20"]["sha256"] == hashlib.sha256(weights).hexdigest()
    assert by["main"]["sha256"] == by["3333333"]["sha256"] != by["step20"]["sha256"]
    assert d["probe"]["sha256"] == hashlib.sha256(sentiment_probe.read_bytes()).hexdigest()
    assert d["inputs_file"]["sha256"] == hashlib.sha256(inputs.read_bytes()).hexdigest()

    from inspector.core.timeline import TimelineResult
    from inspector.reports.html import render_html
    from inspector.reports.model import build_report, collect_provenance
    from inspector.reports.tables import checkpoint_rows
    from inspector.reports.validate import errors

    result = TimelineResult.from_dict(d)
    report = build_report(result, collect_provenance(result), compare=("step100-tokens4M", "main"))
    assert errors(report.to_dict()) == []
    assert report.compare.same_weights and report.compare.changes == ()
    html = render_html(report)
    assert "(same weights as step100-tokens4M)" in html and "identical weights" in html
    assert by["main"]["sha256"] in html
    rows = {r["checkpoint"]: r for r in checkpoint_rows(report)}
    assert rows["main"]["duplicate_of"] == "step100-tokens4M"
    assert rows["step20"]["sha256"] == by["step20"]["sha256"]


def test_hub_cache_inside_a_folder_is_one_phase_of_refs(hub_repo, tmp_path):
    shutil.copytree(hub_repo, tmp_path / "hub" / hub_repo.name, symlinks=True)
    s = discover_series(tmp_path / "hub")
    prefix = hub_repo.name + "/"
    assert [(e.name.removeprefix(prefix), e.step) for e in s.entries] == [
        ("step20", 20),
        ("step100-tokens4M", 100),
        ("main", None),
        ("3333333", None),
    ]
    assert [n for n, _ in s.skipped] == [prefix + "step999"]  # no notes about blobs/ or refs/
