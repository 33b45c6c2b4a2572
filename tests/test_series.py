"""Series discovery on folder trees laid out like real training runs."""

import json
import shutil

import pytest

from inspector.core.errors import CheckpointError, InputError
from inspector.core.series import discover_series
from inspector.demo import tiny


@pytest.fixture(scope="module")
def tiny_ckpt(tmp_path_factory):
    """One real tiny checkpoint, copied into each tree (copying is cheaper than building)."""
    tok = tiny.word_tokenizer(["a", "b", "c"])
    model = tiny.build_model(tiny.llama_config(len(tok), hidden=16, layers=1, heads=2), tok)
    return tiny.save_checkpoint(model, tok, tmp_path_factory.mktemp("tiny") / "model")


def _ckpt(src, dest, global_step=None):
    shutil.copytree(src, dest)
    if global_step is not None:
        (dest / "trainer_state.json").write_text(json.dumps({"global_step": global_step}))
    return dest


def test_trainer_folder_orders_by_global_step_and_skips_junk(tiny_ckpt, tmp_path):
    run = tmp_path / "run"
    # names disagree with the true steps: trainer_state.json must win
    _ckpt(tiny_ckpt, run / "checkpoint-9", global_step=900)
    _ckpt(tiny_ckpt, run / "checkpoint-10", global_step=100)
    _ckpt(tiny_ckpt, run / "checkpoint-2", global_step=500)
    (run / "checkpoint-2" / "optimizer.pt").write_bytes(
        b"\x80junk"
    )  # part of a checkpoint: not reported
    (run / "optimizer.pt").write_bytes(b"\x80junk")
    (run / "train.log").write_text("loss 1.0\n")
    (run / "probe.toml").write_text("")  # companions of a run: expected, not reported
    (run / "all_results.json").write_text("{}")
    (run / "runs" / "Nov25_host").mkdir(parents=True)
    (run / "runs" / "Nov25_host" / "events.out.tfevents.1").write_bytes(b"x")
    (run / "notes").mkdir()
    broken = run / "checkpoint-1000"  # still being written: no config.json yet
    broken.mkdir()
    (broken / "model.safetensors").write_bytes(b"\x00" * 4)

    s = discover_series(run)
    assert [e.name for e in s.entries] == ["checkpoint-10", "checkpoint-2", "checkpoint-9"]
    assert [e.step for e in s.entries] == [100, 500, 900]
    assert all(e.kind == "trainer" for e in s.entries)
    reasons = dict(s.skipped)
    assert set(reasons) == {"optimizer.pt", "train.log", "runs", "notes", "checkpoint-1000"}
    assert "optimizer" in reasons["optimizer.pt"]
    assert "missing config.json" in reasons["checkpoint-1000"]
    assert "no checkpoint inside" in reasons["runs"]


def test_name_numbers_order_numerically_without_trainer_state(tiny_ckpt, tmp_path):
    run = tmp_path / "run"
    for name in ("step_20", "step_3", "epoch_100"):
        _ckpt(tiny_ckpt, run / name)
    s = discover_series(run)
    assert [(e.name, e.step) for e in s.entries] == [
        ("step_3", 3),
        ("step_20", 20),
        ("epoch_100", 100),
    ]
    assert all(e.kind == "folder" for e in s.entries)


def test_nested_phases_follow_each_other_even_when_steps_restart(tiny_ckpt, tmp_path):
    run = tmp_path / "run"
    # phase2's Trainer restarted its count: interleaving by raw step would mix the phases
    for phase, steps in (("phase2", (50, 100)), ("phase1", (50, 100, 150))):
        for st in steps:
            _ckpt(tiny_ckpt, run / phase / f"checkpoint-{st}", global_step=st)
    (run / "phase1" / "trainer.log").write_text("x")
    s = discover_series(run)
    assert s.names() == [
        "phase1/checkpoint-50",
        "phase1/checkpoint-100",
        "phase1/checkpoint-150",
        "phase2/checkpoint-50",
        "phase2/checkpoint-100",
    ]
    assert s.entries[0].path == run / "phase1" / "checkpoint-50"
    assert dict(s.skipped) == {"phase1/trainer.log": "log or text file, not a model"}


def test_nested_phases_with_continuing_steps(tiny_ckpt, tmp_path):
    run = tmp_path / "run"
    _ckpt(tiny_ckpt, run / "b_finetune" / "checkpoint-300", global_step=300)
    _ckpt(tiny_ckpt, run / "a_pretrain" / "checkpoint-200", global_step=200)
    _ckpt(tiny_ckpt, run / "b_finetune" / "checkpoint-250", global_step=250)
    assert discover_series(run).names() == [
        "a_pretrain/checkpoint-200",
        "b_finetune/checkpoint-250",
        "b_finetune/checkpoint-300",
    ]


def test_single_model_folder_is_a_series_of_one(tiny_ckpt, tmp_path):
    model = _ckpt(tiny_ckpt, tmp_path / "my-model")
    s = discover_series(model)
    assert s.names() == ["my-model"] and s.entries[0].path == model and s.skipped == []


def test_trainer_output_folder_with_final_model_and_checkpoints(tiny_ckpt, tmp_path):
    out = _ckpt(tiny_ckpt, tmp_path / "out")  # the final save_model() lands in the output folder
    _ckpt(tiny_ckpt, out / "checkpoint-200", global_step=200)
    _ckpt(tiny_ckpt, out / "checkpoint-100", global_step=100)
    s = discover_series(out)
    # the final model has no step of its own: it goes last
    assert s.names() == ["checkpoint-100", "checkpoint-200", "out"]


def test_reorder_exclude_find(tiny_ckpt, tmp_path):
    run = tmp_path / "run"
    for st in (1, 2, 3):
        _ckpt(tiny_ckpt, run / f"checkpoint-{st}")
    s = discover_series(run)
    s.reorder(["checkpoint-3"])
    assert s.names() == ["checkpoint-3", "checkpoint-1", "checkpoint-2"]
    s.exclude("checkpoint-1")
    assert [e.name for e in s.active()] == ["checkpoint-3", "checkpoint-2"]
    s.exclude("checkpoint-1", False)
    assert len(s.active()) == 3
    assert s.find("checkpoint-2").step == 2
    with pytest.raises(InputError, match="no checkpoint named 'checkpoint-9'"):
        s.find("checkpoint-9")


def test_empty_folder_is_an_input_error_naming_it(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.log").write_text("x")
    with pytest.raises(InputError, match="no checkpoint found") as err:
        discover_series(tmp_path)
    assert str(tmp_path) in str(err.value)
    with pytest.raises(InputError, match="no such file"):
        discover_series(tmp_path / "nope")


def test_only_broken_checkpoints_is_a_checkpoint_error(tmp_path):
    bad = tmp_path / "checkpoint-5"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        discover_series(tmp_path)


def test_gguf_files_are_checkpoints_and_bad_ones_are_skipped(tiny_ckpt, tmp_path):
    run = tmp_path / "ggufs"
    run.mkdir()
    (run / "step_7.gguf").write_bytes(b"NOTG" + b"\x00" * 16)
    _ckpt(tiny_ckpt, run / "step_3")
    s = discover_series(run)
    assert s.names() == ["step_3"]
    assert "not a GGUF file" in dict(s.skipped)["step_7.gguf"]
