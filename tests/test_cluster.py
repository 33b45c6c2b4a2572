"""Timelines beyond one process: Ray workers (a local 2-CPU cluster), shards and merge.

Every distributed result is compared with the single-process run of the same series: the
metrics to 1e-6 and each input's measured shifts, with a checkpoint that fails to load kept
as skipped in both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import sqlite3
import sys

import pytest
from conftest import three_checkpoint_series

from inspector.cli import main
from inspector.core.cache import ResultCache
from inspector.core.inputs import Example
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.tasks import TaskState
from inspector.core.timeline import run_timeline

INPUTS = [
    ("the food was great", "positive"),
    ("awful service and the room", "negative"),
    ("our staff is very great", "positive"),
    ("my room was quite awful", "negative"),
]


@pytest.fixture(scope="module")
def series(keyword_model, tmp_path_factory):
    """Trained, untrained, and one that fails to load: the skip path goes through the cluster."""
    return three_checkpoint_series(keyword_model, tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def inputs_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("inputs") / "inputs.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in INPUTS))
    return path


@pytest.fixture(scope="module")
def single(series, sentiment_probe):
    """The single-process timeline (no cache) every other way of running must reproduce."""
    result = run_timeline(
        discover_series(series),
        load_probe(sentiment_probe),
        [Example(t, y) for t, y in INPUTS],
        Settings(),
    )
    return json.loads(json.dumps(result.to_dict()))  # as the CLI writes it


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """One local Ray cluster of 2 CPUs for the module; its workers see their own user dirs,
    so a worker that opened the result cache would leave a file there."""
    ray = pytest.importorskip("ray")
    worker_dirs = tmp_path_factory.mktemp("worker-user")
    saved = os.environ.get("INSPECTOR_CACHE_DIR")
    os.environ["INSPECTOR_CACHE_DIR"] = str(worker_dirs / "cache")
    try:
        ray.init(
            address="local",
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    finally:
        if saved is None:
            os.environ.pop("INSPECTOR_CACHE_DIR")
        else:
            os.environ["INSPECTOR_CACHE_DIR"] = saved
    yield worker_dirs / "cache"
    ray.shutdown()


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    """Two workers shared by the tests that drive RayCluster directly (each start imports torch)."""
    from inspector.core.cluster import RayCluster

    with RayCluster(workers=2) as c:
        yield c


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):  # an interval [lo, hi]
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, abs_tol=1e-6)
    return a == b


def assert_same_timeline(got: dict, want: dict) -> None:
    assert got["reference"] == want["reference"]
    assert [c["name"] for c in got["checkpoints"]] == [c["name"] for c in want["checkpoints"]]
    for g, w in zip(got["checkpoints"], want["checkpoints"], strict=True):
        assert g.get("error") == w.get("error"), g["name"]
        assert g["metrics"].keys() == w["metrics"].keys()
        for k in w["metrics"]:
            assert _close(g["metrics"][k], w["metrics"][k]), (g["name"], k)
        assert len(g["examples"]) == len(w["examples"])  # nothing lost, nothing twice
        for ge, we in zip(g["examples"], w["examples"], strict=True):
            assert ge["input"] == we["input"]
            assert ge["prediction"]["label"] == we["prediction"]["label"]
            assert [u["text"] for u in ge["units"]] == [u["text"] for u in we["units"]]
            for gu, wu in zip(ge["units"], we["units"], strict=True):
                assert gu["delta"] == pytest.approx(wu["delta"], abs=1e-6)
            assert ge["explanation"] == we["explanation"]
    assert any(c.get("error") for c in want["checkpoints"])  # the skip path was exercised
    assert any(c["metrics"]["n_conflict"] is not None for c in want["checkpoints"])


def _timeline_args(series, probe, inputs):
    return ["timeline", "--series", str(series), "--probe", str(probe), "--inputs", str(inputs)]


def _rows(tmp_path) -> int:
    db = tmp_path / "user" / "cache" / "results.sqlite"
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]


# -- Ray ---------------------------------------------------------------------------------


def test_two_workers_equal_one_process_and_only_the_driver_writes_the_cache(
    ray_cluster, series, sentiment_probe, inputs_file, single, tmp_path, capsys
):
    args = _timeline_args(series, sentiment_probe, inputs_file)
    out = tmp_path / "workers.json"
    assert main([*args, "--workers", "2", "--json", str(out)]) == 0
    assert_same_timeline(json.loads(out.read_text()), single)
    # the inputs file is recorded by its digest, as a local run records it
    sha = hashlib.sha256(inputs_file.read_bytes()).hexdigest()
    assert json.loads(out.read_text())["inputs_file"]["sha256"] == sha
    # two loadable checkpoints × 4 inputs, written by this process; no worker opened a cache
    assert _rows(tmp_path) == 8
    assert not (ray_cluster / "results.sqlite").exists()
    capsys.readouterr()
    # the rerun is served from the cache without starting any work
    again = tmp_path / "again.json"
    assert main([*args, "--workers", "2", "--json", str(again)]) == 0
    assert "from cache: 8/8" in capsys.readouterr().out
    assert_same_timeline(json.loads(again.read_text()), single)


def test_a_worker_that_dies_mid_task_is_replaced_and_nothing_is_lost_or_counted_twice(
    cluster, series, sentiment_probe, single, tmp_path
):
    import ray

    from inspector.core.cluster import ModelWorker, run_cluster_timeline

    marker = tmp_path / "died"

    class DiesOnItsFirstChunk(ModelWorker):  # defined here: Ray ships it to the worker by value
        def run(self, *args):
            if not marker.exists():
                marker.touch()
                os._exit(1)  # the process dies in the middle of its task, as an OOM kill would
            return super().run(*args)

    ray.kill(cluster.actors[0])
    cluster.worker_class = DiesOnItsFirstChunk
    cluster.actors[0] = doomed = cluster._spawn()
    try:
        cache = ResultCache(tmp_path / "cache.sqlite")
        result = run_cluster_timeline(
            discover_series(series),
            load_probe(sentiment_probe),
            [Example(t, y) for t, y in INPUTS],
            Settings(),
            cache=cache,
            cluster=cluster,
        )
    finally:
        cluster.worker_class = ModelWorker
    assert marker.exists() and cluster.resubmitted >= 1
    assert cluster.actors[0] is not doomed  # replaced by a fresh worker
    assert_same_timeline(result.to_dict(), single)
    assert len(cache) == 8
    cache.close()


def test_cancel_stops_the_cluster_work(cluster, series, sentiment_probe, tmp_path):
    """Last of the shared-cluster tests: a cancel kills its workers."""
    from inspector.core.cluster import run_cluster_timeline
    from inspector.core.errors import Cancelled

    task = TaskState(lambda done, total, msg: task.cancel() if done else None)
    cache = ResultCache(tmp_path / "cache.sqlite")
    with pytest.raises(Cancelled):
        run_cluster_timeline(
            discover_series(series),
            load_probe(sentiment_probe),
            [Example(t, y) for t, y in INPUTS],
            Settings(),
            cache=cache,
            task=task,
            cluster=cluster,
        )
    assert cluster.actors == []  # killed: nothing keeps computing
    assert 0 < len(cache) < 8  # what finished before the cancel stays cached
    cache.close()


# -- shards and merge (no Ray needed) ----------------------------------------------------


def test_two_shards_merged_equal_one_run(series, sentiment_probe, inputs_file, single, tmp_path):
    args = _timeline_args(series, sentiment_probe, inputs_file)
    parts = [tmp_path / "p0.json", tmp_path / "p1.json"]
    for i, part in enumerate(parts):
        assert main([*args, "--shard", f"{i}/2", "--json", str(part)]) == 0
    p0 = json.loads(parts[0].read_text())
    assert p0["shard"] == {"index": 0, "count": 2, "units": [0, 6]}
    assert set(p0["hashes"]) == {"probe", "inputs", "settings", "series"}
    out = tmp_path / "merged.json"
    assert main(["merge", *map(str, reversed(parts)), "--json", str(out)]) == 0
    merged = json.loads(out.read_text())
    assert_same_timeline(merged, single)
    assert merged["inputs_hash"] == single["inputs_hash"]
    assert merged["settings"] == single["settings"]


def test_merge_refuses_parts_that_do_not_belong_together(
    series, sentiment_probe, inputs_file, tmp_path, capsys
):
    args = _timeline_args(series, sentiment_probe, inputs_file)
    p0, p1, other = tmp_path / "p0.json", tmp_path / "p1.json", tmp_path / "other.json"
    assert main([*args, "--shard", "0/2", "--json", str(p0)]) == 0
    assert main([*args, "--shard", "1/2", "--json", str(p1)]) == 0
    assert main([*args, "--shard", "1/2", "--no-explain", "--json", str(other)]) == 0
    few = tmp_path / "few.jsonl"
    few.write_text(inputs_file.read_text().splitlines()[0] + "\n")
    fewer = tmp_path / "fewer.json"
    assert main(["timeline", "--series", str(series), "--probe", str(sentiment_probe),
                 "--inputs", str(few), "--shard", "1/2", "--json", str(fewer)]) == 0  # fmt: skip
    cut = tmp_path / "cut.json"
    cut.write_text(
        json.dumps({k: v for k, v in json.loads(p1.read_text()).items() if k != "results"})
    )
    capsys.readouterr()
    cases = [
        ([p0, cut], "an incomplete part (no results)"),
        ([p0, other], "settings hash"),
        ([p0, fewer], "inputs hash"),
        ([p0], "shard 1/2 missing"),
        ([p0, p0, p1], "shard 0/2 overlaps"),
    ]
    for parts, says in cases:
        assert main(["merge", *map(str, parts), "--json", str(tmp_path / "m.json")]) == 2
        err = capsys.readouterr().err.strip()
        assert says in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "m.json").exists()


def test_shard_needs_a_part_file_and_a_valid_spec(series, sentiment_probe, inputs_file, capsys):
    args = _timeline_args(series, sentiment_probe, inputs_file)
    assert main([*args, "--shard", "2/2", "--json", "x.json"]) == 2
    assert "0 <= i < N" in capsys.readouterr().err
    assert main([*args, "--shard", "0/2"]) == 2
    assert "--json" in capsys.readouterr().err


def test_workers_without_ray_say_how_to_install_it(
    series, sentiment_probe, inputs_file, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails as if not installed
    args = _timeline_args(series, sentiment_probe, inputs_file)
    assert main([*args, "--workers", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "pip install 'inspector-faithfulness[cluster]'" in err and len(err.splitlines()) == 1


def test_an_address_where_no_cluster_answers_is_one_line(
    series, sentiment_probe, inputs_file, capsys
):
    pytest.importorskip("ray")
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = _timeline_args(series, sentiment_probe, inputs_file)
    assert main([*args, "--ray-address", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no Ray cluster answers there" in err and len(err.splitlines()) == 1
