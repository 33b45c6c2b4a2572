"""Timeline metrics against hand-computed values, and full runs on a tiny real series."""

import json
import statistics

import pytest
from conftest import three_checkpoint_series

from inspector.cli import main
from inspector.core.cache import ResultCache
from inspector.core.errors import Cancelled, InputError
from inspector.core.explanation import Explanation
from inspector.core.inputs import Example
from inspector.core.loading import ModelPool
from inspector.core.probe import load_probe
from inspector.core.results import ExampleResult, Settings
from inspector.core.series import discover_series
from inspector.core.tasks import TaskState
from inspector.core.timeline import TimelineResult, checkpoint_metrics, run_timeline
from inspector.core.units import word_units

# -- hand-built examples: labels (pos, neg); with two labels Δ = |p(pos) - q(pos)| ----------


def _ex(text, probs, unit_probs, cited=None, said="", gold=None, comp=None, suff=None):
    expl = Explanation(said, cited, 0) if cited is not None else None
    return ExampleResult(
        text,
        ["pos", "neg"],
        probs,
        word_units(text),
        unit_probs,
        expl,
        metrics={"comprehensiveness": comp, "sufficiency": suff},
        gold=gold,
    )


def _checkpoint_t():
    return [
        # Δ x .4  y .1  z 0 → top x; cites x and y
        _ex(
            "x y z", [0.9, 0.1], [[0.5, 0.5], [0.8, 0.2], [0.9, 0.1]], [0, 1], "x", "pos", 0.3, 0.0
        ),
        # Δ a .1  b .5 → top b; cites b; predicts neg against gold pos
        _ex("a b", [0.2, 0.8], [[0.3, 0.7], [0.7, 0.3]], [1], "because b", "pos", 0.1, 0.2),
        # Δ p 0  q .2 → top q; cites p only; no gold label
        _ex("p q", [0.6, 0.4], [[0.6, 0.4], [0.4, 0.6]], [0], "p and q matter", None, 0.2, 0.1),
    ]


def _reference():
    return [
        _ex("x y z", [0.9, 0.1], [[0.85, 0.15], [0.3, 0.7], [0.9, 0.1]]),  # top y (t: x) → conflict
        _ex("a b", [0.7, 0.3], [[0.2, 0.8], [0.6, 0.4]]),  # top a (t: b) → conflict, label differs
        _ex(
            "p q", [0.3, 0.7], [[0.3, 0.7], [0.8, 0.2]]
        ),  # top q like t: label differs, no conflict
    ]


def test_checkpoint_metrics_match_hand_computed_values():
    m = checkpoint_metrics(_checkpoint_t(), _reference())
    assert m["n_examples"] == 3
    assert m["accuracy"] == pytest.approx(0.5)  # x y z right, a b wrong, p q has no gold
    assert m["top_delta"] == pytest.approx((0.4 + 0.5 + 0.2) / 3)
    assert m["hit_at_1"] == pytest.approx(2 / 3)  # x cited, b cited, q not
    assert m["cited_mass"] == pytest.approx((0.5 / 0.5 + 0.5 / 0.6 + 0 / 0.2) / 3)
    assert m["comprehensiveness"] == pytest.approx(0.2)
    assert m["sufficiency"] == pytest.approx(0.1)
    assert m["explanation_words"] == pytest.approx((1 + 2 + 4) / 3)
    # CCT over the 7 (example, unit) pairs: Δ = .4 .1 0 | .1 .5 | 0 .2, cited = 1 1 0 | 0 1 | 1 0.
    # mean(cited Δ) = .25, mean(uncited Δ) = .1, population sd of Δ = 0.180702, p = 4/7:
    # r = (.25 - .1) / 0.180702 * sqrt(4/7 * 3/7) = 0.410792
    assert m["cct"] == pytest.approx(0.410792, abs=1e-6)
    assert m["cct"] == pytest.approx(
        statistics.correlation([0.4, 0.1, 0, 0.1, 0.5, 0, 0.2], [1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    )
    # conflict set: x y z and a b. Both cite their current top unit (x, b) → Self 1;
    # only x y z also cites the reference's (y) → Orig 1/2; p q changed label only: not in C.
    assert m["n_conflict"] == 2
    assert m["self"] == pytest.approx(1.0)
    assert m["orig"] == pytest.approx(0.5)
    assert m["coupling"] == pytest.approx(0.5)
    assert m["n_label_change"] == 2


def test_reference_against_itself_and_without_reference():
    t = _checkpoint_t()
    own = checkpoint_metrics(t, t)
    assert own["n_conflict"] == 0 and own["coupling"] is None and own["self"] is None
    none = checkpoint_metrics(t, None)
    assert none["n_conflict"] is None and none["coupling"] is None
    assert none["hit_at_1"] == pytest.approx(2 / 3)


def test_tied_top_units_overlapping_the_reference_are_not_a_conflict():
    t = [_ex("u v", [0.9, 0.1], [[0.6, 0.4], [0.6, 0.4]], [0])]  # u and v tie at Δ .3
    ref = [_ex("u v", [0.9, 0.1], [[0.9, 0.1], [0.5, 0.5]])]  # top v
    assert checkpoint_metrics(t, ref)["n_conflict"] == 0


def test_imitation_gives_negative_coupling():
    """Behaviour moved to b, the explanation still names a: the fixed-supervision failure."""
    ref = [_ex("a b c", [0.9, 0.1], [[0.2, 0.8], [0.9, 0.1], [0.9, 0.1]], [0], "a")]
    t = [_ex("a b c", [0.1, 0.9], [[0.1, 0.9], [0.8, 0.2], [0.1, 0.9]], [0], "a")]
    m = checkpoint_metrics(t, ref)
    assert (m["n_conflict"], m["self"], m["orig"], m["coupling"]) == (1, 0.0, 1.0, -1.0)
    assert m["hit_at_1"] == 0.0


def test_without_explanations_only_behaviour_metrics_exist():
    t = [_ex("x y z", [0.9, 0.1], [[0.5, 0.5], [0.8, 0.2], [0.9, 0.1]], gold="neg")]
    m = checkpoint_metrics(t, _reference()[:1])
    assert m["accuracy"] == 0.0 and m["top_delta"] == pytest.approx(0.4)
    assert m["hit_at_1"] is None and m["cct"] is None and m["explanation_words"] is None
    assert m["n_conflict"] == 1 and m["coupling"] is None


# -- a real tiny series: trained keyword model, an untrained one, a broken one ------------

INPUTS = [
    Example("the food was great", "positive"),
    Example("our staff was awful", "negative"),
    Example("the room was very great", "positive"),
]


@pytest.fixture(scope="module")
def series_dir(keyword_model, tmp_path_factory):
    root = three_checkpoint_series(keyword_model, tmp_path_factory.mktemp("series") / "run")
    (root / "phase1" / "checkpoint-100" / "trainer_state.json").write_text('{"global_step": 100}')
    (root / "phase2" / "optimizer.pt").write_bytes(b"junk")
    return root


def _run(series, probe, cache, **kw):
    return run_timeline(series, probe, INPUTS, Settings(), cache=cache, **kw)


def test_run_timeline_caches_skips_bad_checkpoint_and_bounds_memory(
    series_dir, sentiment_probe, tmp_path
):
    series = discover_series(series_dir)
    probe = load_probe(sentiment_probe)
    cache = ResultCache(tmp_path / "cache.sqlite")
    pool = ModelPool(max_resident=1)
    seen, resident = [], []

    def on_checkpoint(c):
        seen.append(c.name)
        resident.append(len(pool.resident()))

    progress = []
    first = _run(
        series,
        probe,
        cache,
        pool=pool,
        on_checkpoint=on_checkpoint,
        task=TaskState(lambda d, t, m: progress.append((d, t, m))),
    )
    assert [c.name for c in first.checkpoints] == [
        "phase1/checkpoint-100",
        "phase2/checkpoint-200",
        "phase2/checkpoint-300",
    ]
    assert seen == [c.name for c in first.checkpoints] and max(resident) == 1
    assert progress[-1][:2] == (9, 9) and progress[1][2] == "phase1/checkpoint-100: example 1/3"
    good, untrained, bad = first.checkpoints
    assert "shape mismatch" in bad.error or "cannot load model" in bad.error
    assert bad.examples == [] and set(bad.metrics.values()) == {None}
    # the trained model answers by its keyword: right every time, and the keyword moves it most
    assert good.metrics["accuracy"] == 1.0 and good.metrics["n_conflict"] == 0
    for ex in good.examples:
        assert ex.units[max(range(len(ex.units)), key=lambda i: ex.deltas[i])].text in {
            "great",
            "awful",
        }
    assert good.metrics["top_delta"] > untrained.metrics["top_delta"]
    assert untrained.metrics == checkpoint_metrics(
        untrained.examples, good.examples, Settings().tau
    )
    assert (good.cached, untrained.cached) == (0, 0)

    pool.clear()
    again = _run(series, probe, cache, pool=pool)
    assert [c.cached for c in again.checkpoints] == [3, 3, 0]
    assert pool.resident() == []  # everything came from the cache: no model was loaded
    assert again.checkpoints[1].metrics == untrained.metrics


def test_adding_a_checkpoint_computes_only_that_one(series_dir, sentiment_probe, tmp_path):
    series = discover_series(series_dir)
    probe = load_probe(sentiment_probe)
    cache = ResultCache(tmp_path / "cache.sqlite")
    series.exclude("phase2/checkpoint-200")
    series.exclude("phase2/checkpoint-300")
    assert [c.name for c in _run(series, probe, cache).checkpoints] == ["phase1/checkpoint-100"]
    series.exclude("phase2/checkpoint-200", False)
    res = _run(series, probe, cache)
    assert [(c.name, c.cached) for c in res.checkpoints] == [
        ("phase1/checkpoint-100", 3),
        ("phase2/checkpoint-200", 0),
    ]


def test_cancel_then_resume_from_the_cache(series_dir, sentiment_probe, tmp_path):
    series = discover_series(series_dir)
    series.exclude("phase2/checkpoint-300")
    probe = load_probe(sentiment_probe)
    cache = ResultCache(tmp_path / "cache.sqlite")
    task = TaskState(lambda done, total, msg: task.cancel() if done == 4 else None)
    with pytest.raises(Cancelled):
        _run(series, probe, cache, task=task)
    assert len(cache) == 4
    res = _run(series, probe, cache)
    assert [c.cached for c in res.checkpoints] == [3, 1]


def test_reference_can_be_any_checkpoint(series_dir, sentiment_probe, tmp_path):
    series = discover_series(series_dir)
    series.exclude("phase2/checkpoint-300")
    probe = load_probe(sentiment_probe)
    cache = ResultCache(tmp_path / "cache.sqlite")
    order = []
    res = _run(
        series,
        probe,
        cache,
        reference="phase2/checkpoint-200",
        on_checkpoint=lambda c: order.append(c.name),
    )
    assert order == ["phase2/checkpoint-200", "phase1/checkpoint-100"]  # the reference runs first
    assert [c.name for c in res.checkpoints] == ["phase1/checkpoint-100", "phase2/checkpoint-200"]
    assert res.reference == "phase2/checkpoint-200"
    assert res.checkpoints[1].metrics["n_conflict"] == 0
    with pytest.raises(InputError, match="no checkpoint named 'nope'"):
        _run(series, probe, cache, reference="nope")


# -- the command line ------------------------------------------------------------------


@pytest.fixture
def inputs_file(tmp_path):
    path = tmp_path / "inputs.jsonl"
    path.write_text(
        "\n".join(json.dumps({"text": e.text, "label": e.label}) for e in INPUTS) + "\n"
    )
    return path


def test_cli_timeline_json_and_table(series_dir, sentiment_probe, inputs_file, tmp_path, capsys):
    out = tmp_path / "timeline.json"
    code = main(
        [
            "timeline",
            "--series",
            str(series_dir),
            "--probe",
            str(sentiment_probe),
            "--inputs",
            str(inputs_file),
            "--json",
            str(out),
        ]
    )
    assert code == 0  # one bad checkpoint is skipped, not fatal
    d = json.loads(out.read_text())
    assert d["series"] == str(series_dir) and d["reference"] == "phase1/checkpoint-100"
    names = [c["name"] for c in d["checkpoints"]]
    assert names == ["phase1/checkpoint-100", "phase2/checkpoint-200", "phase2/checkpoint-300"]
    first = d["checkpoints"][0]
    assert first["step"] == 100
    for key in (
        "accuracy",
        "hit_at_1",
        "cited_mass",
        "cct",
        "n_conflict",
        "self",
        "orig",
        "coupling",
    ):
        assert key in first["metrics"]
    assert first["metrics"]["accuracy"] == 1.0
    ex = first["examples"][0]
    assert "model" not in ex and ex["input"] == "the food was great"
    assert ex["probe"] == "tiny sentiment"  # an analyze object without "model"
    assert {"prediction", "units", "explanation", "metrics"} <= set(ex)
    broken = d["checkpoints"][2]
    assert "error" in broken and broken["examples"] == []
    # the same metric keys as any checkpoint, all null
    assert set(broken["metrics"]) == set(first["metrics"])
    assert set(broken["metrics"].values()) == {None}
    assert {
        "name": "phase2/optimizer.pt",
        "reason": "training state (optimizer/scheduler/RNG), not a model",
    } in d["skipped"]
    captured = capsys.readouterr()
    table = captured.out
    assert "phase2/checkpoint-200" in table and "skipped:" in table and "(reference)" in table
    head = table.splitlines()[0].split()
    assert head[head.index("cct") + 1] == "words"  # explanation length beside the cited metrics
    n = d["checkpoints"][1]["metrics"]["n_conflict"]
    assert f"(n={n})" in table
    assert "note: skipped phase2/optimizer.pt" in captured.err
    assert "note: skipped phase2/checkpoint-300: " in captured.err
    assert "WARNING" not in captured.err


def test_cli_reference_that_fails_or_was_skipped_is_an_error(
    series_dir, sentiment_probe, inputs_file, capsys
):
    base = ["timeline", "--series", str(series_dir), "--probe", str(sentiment_probe)]
    base += ["--inputs", str(inputs_file)]
    assert main([*base, "--reference", "phase2/checkpoint-300"]) == 3
    err = capsys.readouterr().err
    assert "error: the reference phase2/checkpoint-300 could not be analysed" in err
    assert main([*base, "--reference", "phase2/optimizer.pt"]) == 2
    assert "the reference phase2/optimizer.pt was skipped" in capsys.readouterr().err
    assert main([*base, "--reference", "phase2/checkpoint-200/"]) == 0  # as tab completion types it
    assert (
        "(reference)" in capsys.readouterr().out.split("phase2/checkpoint-200")[1].splitlines()[0]
    )


def test_cli_timeline_json_to_stdout_then_from_cache(
    series_dir, sentiment_probe, inputs_file, capsys
):
    args = [
        "timeline",
        "--series",
        str(series_dir),
        "--probe",
        str(sentiment_probe),
        "--inputs",
        str(inputs_file),
        "--json",
        "-",
    ]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert [c["cached"] for c in second["checkpoints"]] == [3, 3, 0]
    assert [c["metrics"] for c in second["checkpoints"]] == [
        c["metrics"] for c in first["checkpoints"]
    ]
    # reports re-create a timeline from its JSON: the round trip must lose nothing
    assert json.loads(json.dumps(TimelineResult.from_dict(second).to_dict())) == second


def test_cli_malformed_inputs_exit_2(series_dir, sentiment_probe, tmp_path, capsys):
    bad = tmp_path / "inputs.jsonl"
    bad.write_text('{"text": "the food was great"}\n{"text": \n')
    assert (
        main(
            [
                "timeline",
                "--series",
                str(series_dir),
                "--probe",
                str(sentiment_probe),
                "--inputs",
                str(bad),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{bad}:2" in err[0]


def test_cli_series_of_only_broken_checkpoints_exits_3(
    series_dir, sentiment_probe, inputs_file, capsys
):
    code = main(
        [
            "timeline",
            "--series",
            str(series_dir / "phase2" / "checkpoint-300"),
            "--probe",
            str(sentiment_probe),
            "--inputs",
            str(inputs_file),
        ]
    )
    assert code == 3
    assert "no checkpoint could be analysed" in capsys.readouterr().err


def test_cli_probe_unusable_by_every_checkpoint_exits_2(series_dir, inputs_file, tmp_path, capsys):
    probe = tmp_path / "p.toml"
    probe.write_text(
        'prompt = "review : {input} . answer :"\n[labels]\npositive = ["zzqq"]\nnegative = ["bad"]\n'
    )
    args = [
        "timeline",
        "--series",
        str(series_dir),
        "--probe",
        str(probe),
        "--inputs",
        str(inputs_file),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "zzqq" in err and str(probe) in err


def test_counterfactual_figures_are_averaged_per_checkpoint(
    series_dir, counterfactual_probe, tmp_path
):
    cache = ResultCache(tmp_path / "cf.sqlite")
    try:
        result = run_timeline(
            discover_series(series_dir),
            load_probe(counterfactual_probe),
            INPUTS,
            Settings(counterfactual=True),
            cache=cache,
        )
    finally:
        cache.close()
    ok = result.checkpoints[0]
    per_example = [ex.metrics["cf_f1"] for ex in ok.examples if ex.metrics.get("cf_f1") is not None]
    assert per_example and ok.metrics["cf_f1"] == pytest.approx(sum(per_example) / len(per_example))
    assert {"cf_precision", "cf_recall", "cf_label_match"} <= set(ok.metrics)
