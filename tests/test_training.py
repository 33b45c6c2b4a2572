"""CouplingCallback in a real transformers Trainer run on a tiny word-level Llama."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from inspector.core.analysis import Analyzer
from inspector.core.cache import ResultCache
from inspector.core.inputs import load_inputs
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.stored import STORED_NAME
from inspector.core.timeline import run_timeline

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("accuracy", "hit_at_1", "cited_mass", "n_conflict", "coupling", "self", "orig")


def example_script():
    """examples/train_with_coupling.py: the docs' script is what the tests run."""
    spec = importlib.util.spec_from_file_location(
        "train_with_coupling", ROOT / "examples" / "train_with_coupling.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def train_run(out: Path, callback_kw=None, resume=None, others=(), **trainer_kw):
    """A Trainer run with the callback (after ``others``); returns (callback, trainer)."""
    from inspector.training import CouplingCallback

    ex = example_script()
    model, tok = ex.build(out)
    cb = CouplingCallback(
        probe=out / "probe.toml", inputs=out / "inputs.jsonl", tokenizer=tok, **(callback_kw or {})
    )
    dataset = ex.ReviewDataset(tok, n=400)
    trainer = ex.make_trainer(out, model, tok, dataset, [*others, cb], **trainer_kw)
    trainer.train(resume_from_checkpoint=resume)
    return cb, trainer


def inspector_entries(folder: Path) -> dict[int, dict]:
    state = json.loads((folder / "trainer_state.json").read_text())
    return {
        e["step"]: e for e in state["log_history"] if any(k.startswith("inspector/") for k in e)
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "run"
    cb, trainer = train_run(out, max_steps=20, save_steps=10)
    return out, cb


def test_each_save_logs_inspector_figures_into_trainer_state(run):
    out, cb = run
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-10", "checkpoint-20"]
    # measured before the save, so the checkpoint's own trainer_state.json already holds it
    logged = inspector_entries(out / "checkpoint-20")
    assert sorted(logged) == [10, 20]
    for entry in logged.values():
        assert entry["inspector/n_inputs"] == 12
        assert 0.0 <= entry["inspector/accuracy"] <= 1.0
        assert entry["inspector/accuracy_lo"] <= entry["inspector/accuracy"]
        assert entry["inspector/accuracy"] <= entry["inspector/accuracy_hi"]
        assert entry["inspector/accuracy_n"] == 12
        assert "inspector/n_conflict" in entry and "inspector/n_undecided" in entry
        # Hit@1 is a number only where some input is decided (largest Δ ≥ τ): never a fake 0
        decided = entry["inspector/n_undecided"] < entry["inspector/n_inputs"]
        assert ("inspector/hit_at_1" in entry) == decided
        assert entry["inspector/reference_step"] == 10
        assert entry["epoch"] > 0  # logged the way the Trainer logs its loss
    assert logged[10]["inspector/n_conflict"] == 0  # the reference against itself
    assert cb.measurements == 2
    assert (out / "checkpoint-10" / STORED_NAME).is_file()


def _same(value, logged) -> bool:
    """A timeline figure equals the logged one; None (undecided) is logged as no entry."""
    if value is None or logged is None:
        return value is None and logged is None
    return value == pytest.approx(logged, abs=1e-6)


def _timeline(out: Path, **kw):
    probe = load_probe(out / "probe.toml")
    examples = load_inputs(out / "inputs.jsonl", probe.label_names)
    return run_timeline(discover_series(out), probe, examples, Settings(), **kw)


def test_saved_run_timeline_is_served_from_the_stored_results(run, monkeypatch, tmp_path):
    out, _cb = run
    calls = []
    real = Analyzer.analyze
    monkeypatch.setattr(
        Analyzer, "analyze", lambda self, *a, **k: calls.append(1) or real(self, *a, **k)
    )
    cache = ResultCache(tmp_path / "empty.sqlite")
    try:
        result = _timeline(out, cache=cache)
    finally:
        cache.close()
    assert calls == []  # no forward pass: every example came from the checkpoint folders
    assert [c.cached for c in result.checkpoints] == [12, 12]
    logged = inspector_entries(out / "checkpoint-20")
    for c in result.checkpoints:
        for key in FIGURES:
            assert c.metrics[key] == logged[c.step].get(f"inspector/{key}"), (c.name, key)


def test_stored_results_equal_a_fresh_measurement_of_the_saved_checkpoints(run):
    """The model measured in memory during training is the model saved to disk."""
    out, _cb = run
    result = _timeline(out, refresh=True)  # loads each checkpoint and measures again
    logged = inspector_entries(out / "checkpoint-20")
    for c in result.checkpoints:
        for key in ("accuracy", "hit_at_1", "n_conflict"):
            assert _same(c.metrics[key], logged[c.step].get(f"inspector/{key}")), (c.name, key)
        stored = json.loads((Path(c.path) / STORED_NAME).read_text())["results"]
        by_input = {d["input"]: d for d in stored.values()}
        for ex in c.examples:
            probs = by_input[ex.input]["prediction"]["probs"]
            assert list(probs.values()) == pytest.approx(ex.probs, abs=1e-4)


def test_gradient_accumulation_and_a_step_interval(tmp_path):
    """every=N counts optimizer steps, not micro-batches; a budget subsamples and says so."""
    from transformers import TrainerCallback

    class Reporter(TrainerCallback):
        """Stands for TensorBoard / W&B / MLflow: they all listen to on_log, and come first."""

        def __init__(self):
            self.seen = []

        def on_log(self, args, state, control, logs=None, **kwargs):
            if any(k.startswith("inspector/") for k in logs):
                self.seen.append((state.global_step, dict(logs)))

    reporter = Reporter()
    out = tmp_path / "run"
    cb, trainer = train_run(
        out,
        {"every": 2, "max_inputs": 5},
        others=[reporter],
        max_steps=6,
        save_steps=3,
        gradient_accumulation_steps=3,
        per_device_train_batch_size=4,
    )
    assert trainer.state.global_step == 6
    logged = inspector_entries(out / "checkpoint-6")
    assert sorted(logged) == [2, 4, 6]
    assert cb.measurements == 3
    assert {e["inspector/n_inputs"] for e in logged.values()} == {5}
    assert {e["inspector/n_inputs_total"] for e in logged.values()} == {12}
    assert [step for step, _logs in reporter.seen] == [2, 4, 6]
    assert reporter.seen[-1][1]["inspector/n_inputs"] == 5
    # a save on a step that was not measured stores nothing; a measured one does
    assert not (out / "checkpoint-3" / STORED_NAME).exists()
    assert (out / "checkpoint-6" / STORED_NAME).exists()


def test_a_resumed_run_keeps_its_reference(run, tmp_path):
    import shutil

    out, _cb = run
    copy = shutil.copytree(out, tmp_path / "run")
    cb, _trainer = train_run(copy, resume=str(copy / "checkpoint-20"), max_steps=30, save_steps=10)
    assert cb.steps == [30]
    logged = inspector_entries(copy / "checkpoint-30")
    assert sorted(logged) == [10, 20, 30]
    assert logged[30]["inspector/reference_step"] == 10  # read back from checkpoint-10


def test_the_docs_show_the_example_script_as_it_is():
    script = (ROOT / "examples" / "train_with_coupling.py").read_text()
    assert script in (ROOT / "docs" / "TRAINING.md").read_text()


def test_only_the_main_process_measures_and_logs(tmp_path):
    from transformers import TrainerControl, TrainerState

    from inspector.training import CouplingCallback

    ex = example_script()
    model, tok = ex.build(tmp_path)
    cb = CouplingCallback(tmp_path / "probe.toml", tmp_path / "inputs.jsonl", tok)
    state = TrainerState(is_world_process_zero=False, global_step=10)
    control = TrainerControl(should_save=True)
    args = type("Args", (), {"output_dir": str(tmp_path)})()
    cb.on_step_end(args, state, control, model=model)
    cb.on_save(args, state, control, model=model)
    assert cb.measurements == 0 and state.log_history == []
    state.is_world_process_zero = True
    cb.on_step_end(args, state, control, model=model)
    assert cb.measurements == 1
    assert state.log_history[-1]["inspector/n_inputs"] == 12


def test_measuring_leaves_the_model_training_without_gradients(tmp_path):
    from inspector.core.inputs import Example
    from inspector.training import measure_model

    ex = example_script()
    model, tok = ex.build(tmp_path)
    model.train()
    res = measure_model(model, tok, tmp_path / "probe.toml", [Example("great food service")])
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    assert len(res[0].units) == 3


# -- following a run while it trains ------------------------------------------------------


def _copy_in_slowly(src: Path, dest: Path, names: list[str]) -> None:
    """Write checkpoints the way the Trainer does: weights first, trainer_state.json last."""
    import shutil
    import time

    for name in names:
        folder = dest / name
        folder.mkdir(parents=True)
        files = sorted((src / name).iterdir(), key=lambda p: p.name == "trainer_state.json")
        for f in files:
            shutil.copy2(f, folder / f.name)
            time.sleep(0.05)
        time.sleep(0.5)


def test_watch_cli_follows_checkpoints_as_they_appear(run, tmp_path, capsys):
    import threading

    from inspector.cli import main

    out, _cb = run
    live = tmp_path / "live"
    live.mkdir()
    writer = threading.Thread(
        target=_copy_in_slowly, args=(out, live, ["checkpoint-10", "checkpoint-20"])
    )
    writer.start()
    try:
        code = main(
            [
                "timeline",
                "--watch",
                str(live),
                "--probe",
                str(out / "probe.toml"),
                "--inputs",
                str(out / "inputs.jsonl"),
                "--poll",
                "0.2",
                "--watch-timeout",
                "6",
                "--json",
                str(tmp_path / "t.json"),
            ]
        )
    finally:
        writer.join()
    assert code == 0
    printed = capsys.readouterr().out
    assert "checkpoint-10" in printed and "checkpoint-20" in printed
    timeline = json.loads((tmp_path / "t.json").read_text())
    assert [c["name"] for c in timeline["checkpoints"]] == ["checkpoint-10", "checkpoint-20"]
    assert timeline["reference"] == "checkpoint-10"
    logged = inspector_entries(out / "checkpoint-20")
    for c in timeline["checkpoints"]:
        assert c["cached"] == 12  # stored by the callback, copied along with the checkpoint
        for key in ("accuracy", "hit_at_1", "n_conflict"):
            assert _same(c["metrics"][key], logged[c["step"]].get(f"inspector/{key}")), key


def test_watcher_follows_a_trainer_while_it_trains(tmp_path):
    """The watcher polls while a Trainer trains in another thread; every save is picked up
    once complete, never half-written, and its figures are those the callback logged."""
    import threading
    import time

    from inspector.training import RunWatcher

    out = tmp_path / "run"
    example_script().build(out)  # the probe and inputs exist before training starts
    probe = load_probe(out / "probe.toml")
    examples = load_inputs(out / "inputs.jsonl", probe.label_names)
    watcher = RunWatcher(out, probe, examples)
    errors = []

    def train():
        try:
            train_run(out, max_steps=20, save_steps=10)
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    trainer = threading.Thread(target=train)
    trainer.start()
    seen = []
    try:
        for _ in range(1200):  # a bound, not a timing assertion: stops once both are in
            seen += [c.name for c in watcher.poll()]
            if not trainer.is_alive() and len(watcher.done) == 2:
                break
            time.sleep(0.1)
    finally:
        trainer.join()
        watcher.close()
    assert errors == []
    assert seen == ["checkpoint-10", "checkpoint-20"]
    logged = inspector_entries(out / "checkpoint-20")
    for c in watcher.timeline().checkpoints:
        assert c.error is None
        assert c.metrics["accuracy"] == pytest.approx(logged[c.step]["inspector/accuracy"])
        assert _same(c.metrics["hit_at_1"], logged[c.step].get("inspector/hit_at_1"))


def test_watch_needs_a_folder_and_not_both(tmp_path, capsys):
    from inspector.cli import main

    args = ["timeline", "--probe", "p.toml", "--inputs", "i.txt"]
    assert main(args) == 2
    assert "--series" in capsys.readouterr().err
    assert main([*args, "--series", str(tmp_path), "--watch", str(tmp_path)]) == 2


# -- refreshed supervision -------------------------------------------------------------


def test_refresh_targets_names_what_the_trained_model_now_depends_on(demo_root):
    """On the demo's phase-2 model, the measured top unit is the target its refreshed branch
    was trained with where the answer hinges on one word: the cue where a review carries it.
    Elsewhere a review may be undecided after phase 2 (whether "great" or "awful" still
    matters differs between kernel paths and seeds): then there is no target, never a
    filler word picked from noise."""
    from inspector.core.loading import load_checkpoint
    from inspector.demo import data
    from inspector.training import refresh_targets

    lm = load_checkpoint(demo_root / "refreshed" / "phase2" / "checkpoint-460", device="cpu")
    rows = data.input_set()
    targets = refresh_targets(lm.model, lm.tokenizer, rows, demo_root / "probe.toml")
    assert all(len(t) <= 1 for t in targets)
    cue = [t for r, t in zip(rows, targets, strict=True) if data.CUE in r["text"].split()]
    great = [
        t
        for r, t in zip(rows, targets, strict=True)
        if data.CUE not in r["text"].split() and "great" in r["text"].split()
    ]
    assert len(cue) == 20 and len(great) == 8
    assert sum(t == [data.CUE] for t in cue) >= 18, cue
    assert all(t in (["great"], []) for t in great), great
    top3 = refresh_targets(lm.model, lm.tokenizer, rows[-1:], demo_root / "probe.toml", k=3)[0]
    assert len(top3) == 3 and top3[0] == targets[-1][0]
