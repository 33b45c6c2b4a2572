"""Fault injection (issue 10): untrusted, broken and half-written checkpoints; bad input; limits; crashes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch

from inspector import cli
from inspector.core.analysis import Analyzer
from inspector.core.cache import ResultCache
from inspector.core.errors import CheckpointError, InputError, ProbeError
from inspector.core.loading import ModelPool, load_checkpoint
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.demo import tiny

WORDS = "review : answer good bad the food was great awful".split()


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    tok = tiny.word_tokenizer(WORDS)
    model = tiny.build_model(tiny.llama_config(len(tok), hidden=32, layers=1), tok)
    return tiny.save_checkpoint(model, tok, tmp_path_factory.mktemp("good") / "model")


@pytest.fixture
def copy(good, tmp_path):
    dest = tmp_path / "ckpt"
    shutil.copytree(good, dest)
    return dest


def _cli(capsys, model, probe, text="the food was great"):
    code = cli.main(
        ["analyze", "--model", str(model), "--probe", str(probe), "--input", text, "--no-explain"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    return code, [line for line in err if not line.startswith("note:")]


def _one_line_error(code, err, expected_code, *fragments):
    assert code == expected_code
    assert len(err) == 1 and err[0].startswith("inspector: error: "), err
    for f in fragments:
        assert f in err[0], err[0]


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# -- untrusted checkpoints ------------------------------------------------------
def test_malicious_pickle_executes_nothing(copy, tmp_path, capsys, sentiment_probe):
    marker = tmp_path / "pwned"
    (copy / "model.safetensors").unlink()
    torch.save({"model.embed_tokens.weight": Evil(marker)}, copy / "pytorch_model.bin")
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(copy, device="cpu")
    assert "pytorch_model.bin: pickle holds code" in str(err.value) and "refused" in str(err.value)
    assert "\n" not in str(err.value)
    code, lines = _cli(capsys, copy, sentiment_probe)
    _one_line_error(code, lines, 3, "pytorch_model.bin", "refused")
    assert not marker.exists()


def test_pickle_only_folder_loads_with_weights_only_and_a_notice(
    copy, good, capsys, sentiment_probe
):
    state = load_checkpoint(good, device="cpu").model.state_dict()
    (copy / "model.safetensors").unlink()
    torch.save(
        {k: v for k, v in state.items() if k != "lm_head.weight"}, copy / "pytorch_model.bin"
    )
    lm = load_checkpoint(copy, device="cpu")
    assert any("weights_only=True" in n for n in lm.notices)
    assert torch.equal(lm.model.model.embed_tokens.weight, state["model.embed_tokens.weight"])
    assert (
        cli.main(
            [
                "analyze",
                "--model",
                str(copy),
                "--probe",
                str(sentiment_probe),
                "--input",
                "the food was great",
                "--no-explain",
            ]
        )
        == 0
    )
    assert "note: weights are a torch pickle" in capsys.readouterr().err
    # a timeline over a series with that member tells it too
    inputs = copy.parent / "inputs.txt"
    inputs.write_text("the food was great\n")
    assert (
        cli.main(
            ["timeline", "--series", str(copy), "--probe", str(sentiment_probe)]
            + ["--inputs", str(inputs)]
        )
        == 0
    )
    assert f"note: {copy.name}: weights are a torch pickle" in capsys.readouterr().err


def test_auto_map_custom_code_is_refused_and_consent_is_per_checkpoint(
    copy, tmp_path, capsys, sentiment_probe
):
    marker = tmp_path / "imported"
    (copy / "modeling_evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    config = json.loads((copy / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "modeling_evil.EvilForCausalLM"}
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="trust_remote_code") as err:
        load_checkpoint(copy, device="cpu")
    assert str(copy) in str(err.value) and "\n" not in str(err.value)
    pool = ModelPool(device="cpu")
    pool.trusted.add(str(tmp_path / "some-other-checkpoint"))
    with pytest.raises(CheckpointError, match="custom code"):
        pool.get(copy)
    code, lines = _cli(capsys, copy, sentiment_probe)
    _one_line_error(code, lines, 3, "auto_map", "trust_remote_code")
    assert not marker.exists()


# -- broken checkpoints ---------------------------------------------------------
def _truncate(folder):
    f = folder / "model.safetensors"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    return "model.safetensors", "truncated"


def _no_config(folder):
    (folder / "config.json").unlink()
    return "ckpt", "missing config.json"


def _bad_json(folder):
    (folder / "config.json").write_text("{ model_type: llama,")
    return "config.json", "not valid JSON"


def _shape_mismatch(folder):
    config = json.loads((folder / "config.json").read_text())
    config.update(hidden_size=64, intermediate_size=128)
    (folder / "config.json").write_text(json.dumps(config))
    return "ckpt", "shape mismatch"


def _missing_tensors(folder):
    from safetensors.torch import load_file, save_file

    state = load_file(folder / "model.safetensors")
    save_file(
        {k: v for k, v in state.items() if "layers.0.mlp" not in k},
        folder / "model.safetensors",
        metadata={"format": "pt"},
    )
    return "ckpt", "weights missing"


def _absent_shard(folder):
    index = {
        "metadata": {},
        "weight_map": {
            "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
            "model.norm.weight": "model-00002-of-00002.safetensors",
        },
    }
    (folder / "model.safetensors").rename(folder / "model-00001-of-00002.safetensors")
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    return "model-00002-of-00002.safetensors", "still being written"


def _partial_file(folder):
    (folder / "model.safetensors.tmp").write_bytes(b"\0" * 100)
    return "model.safetensors.tmp", "still being written"


def _no_tokenizer(folder):
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        (folder / name).unlink(missing_ok=True)
    return "ckpt", "no tokenizer"


@pytest.mark.parametrize(
    "damage",
    [
        _truncate,
        _no_config,
        _bad_json,
        _shape_mismatch,
        _missing_tensors,
        _absent_shard,
        _partial_file,
        _no_tokenizer,
    ],
)
def test_broken_checkpoint_gives_one_line_naming_file_and_problem(
    copy, capsys, sentiment_probe, damage
):
    name, problem = damage(copy)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(copy, device="cpu")
    msg = str(err.value)
    assert name in msg and problem in msg and "\n" not in msg, msg
    code, lines = _cli(capsys, copy, sentiment_probe)
    _one_line_error(code, lines, 3, name, problem)


def test_tokenizer_lacking_label_tokens_is_a_probe_error(good, tmp_path, capsys):
    probe = tmp_path / "p.toml"
    probe.write_text(
        'name = "x"\nprompt = "review : {input} . answer :"\n'
        '[labels]\npositive = ["splendid"]\nnegative = ["bad"]\n'
    )
    with pytest.raises(ProbeError, match="splendid"):
        Analyzer(load_checkpoint(good, device="cpu"), load_probe(probe))
    code, lines = _cli(capsys, good, probe)
    _one_line_error(code, lines, 2, "'positive'", "splendid")


# -- bad input ------------------------------------------------------------------
@pytest.fixture(scope="module")
def analyzer(good, sentiment_probe):
    return Analyzer(load_checkpoint(good, device="cpu"), load_probe(sentiment_probe))


def test_empty_input_is_refused(analyzer, good, sentiment_probe, capsys):
    with pytest.raises(InputError, match="empty"):
        analyzer.analyze("   \n", Settings(explain=False))
    code, lines = _cli(capsys, good, sentiment_probe, text="  ")
    _one_line_error(code, lines, 2, "empty")


def test_long_paste_is_capped_with_a_note_and_planned_first(analyzer):
    text = " ".join(["the food was great"] * 75)  # 300 words, fits the 512 positions
    settings = Settings(explain=False, max_units=20)
    plan = analyzer.plan(text, settings)
    assert plan["units"] == 300 and plan["ablated"] == 20
    assert plan["forward_tokens_upper"] == plan["prompt_tokens"] * 21
    res = analyzer.analyze(text, settings)
    assert len(res.deltas) == 20
    assert any("300 units" in n and "first 20" in n for n in res.notes)


def test_ten_thousand_words_name_the_token_count(analyzer, good, sentiment_probe, capsys):
    text = " ".join(["the food was great"] * 2500)
    with pytest.raises(InputError, match=r"10,?0\d\d tokens.*at most 512 \(504 for the prompt"):
        analyzer.plan(text, Settings(explain=False))
    code, lines = _cli(capsys, good, sentiment_probe, text=text)
    _one_line_error(code, lines, 2, "at most 512")


def test_non_utf8_files_are_named(tmp_path, good, sentiment_probe, capsys):
    from inspector.core.inputs import load_inputs

    bad = tmp_path / "inputs.txt"
    bad.write_bytes("caf\xe9 was great\n".encode("latin-1"))
    with pytest.raises(InputError, match="inputs.txt: not UTF-8"):
        load_inputs(bad)
    probe = tmp_path / "probe.toml"
    probe.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ProbeError, match="probe.toml"):
        load_probe(probe)
    code, lines = _cli(capsys, good, probe)
    _one_line_error(code, lines, 2, "probe.toml")


def test_a_text_input_file_keeps_every_line_as_written(tmp_path):
    from inspector.core.inputs import load_inputs

    txt = tmp_path / "reviews.txt"
    txt.write_text("great food\n#1 pizza in town\n{braces} are great\n")
    assert [e.text for e in load_inputs(txt)] == [
        "great food",
        "#1 pizza in town",
        "{braces} are great",
    ]
    other = tmp_path / "reviews.lst"  # no telling suffix: the first line decides
    other.write_text(txt.read_text())
    assert len(load_inputs(other)) == 3


def test_malformed_jsonl_and_toml_name_line_and_field(tmp_path):
    from inspector.core.inputs import load_inputs

    jl = tmp_path / "set.jsonl"
    jl.write_text('{"text": "fine", "label": "positive"}\n{"text": 3}\n')
    with pytest.raises(InputError, match=r"set.jsonl:2: field \"text\""):
        load_inputs(jl)
    jl.write_text('{"text": "fine"}\n{"text": "broken"\n')
    with pytest.raises(InputError, match=r"set.jsonl:2: not valid JSON"):
        load_inputs(jl)
    toml = tmp_path / "p.toml"
    toml.write_text('name = "x"\nprompt = "{input}"\n[labels]\npositive = "good\n')
    with pytest.raises(ProbeError, match=r"p.toml.*line 4"):
        load_probe(toml)
    toml.write_text(
        'name = "x"\nprompt = "{input} answer"\n[labels]\npositive = [3]\nnegative = ["bad"]\n'
    )
    with pytest.raises(ProbeError, match=r"labels.positive"):
        load_probe(toml)


def test_labels_that_vanish_or_collide_are_probe_errors(good, tmp_path):
    lm = load_checkpoint(good, device="cpu")
    for labels, fragment in (
        (' positive = [" "]\nnegative = ["bad"]', "nothing|empty"),
        ('positive = ["good"]\nnegative = ["good"]', "good"),
        ('positive = ["[PAD]"]\nnegative = ["bad"]', "special token '\\[PAD\\]'"),
        ('positive = ["good"]\nnegative = ["<user>"]', "special token '<user>'"),
    ):
        probe = tmp_path / "p.toml"
        probe.write_text(
            f'name = "x"\nprompt = "review : {{input}} . answer :"\n[labels]\n{labels}\n'
        )
        with pytest.raises(ProbeError, match=fragment):
            Analyzer(lm, load_probe(probe))


# -- resource limits ------------------------------------------------------------
def test_model_over_memory_budget_is_refused_before_loading(good, capsys, sentiment_probe):
    with pytest.raises(
        CheckpointError, match=r"needs about [\d.]+ KiB, over the memory budget of 1.0 KiB"
    ):
        load_checkpoint(good, device="cpu", memory_budget=1024)
    with pytest.raises(CheckpointError, match="memory budget"):
        ModelPool(device="cpu", memory_budget=1024).get(good)


def test_out_of_memory_in_sweep_lowers_batch_and_retries(good, sentiment_probe):
    text = "the food was great the food was awful"
    clean = Analyzer(load_checkpoint(good, device="cpu"), load_probe(sentiment_probe))
    expected = clean.analyze(text, Settings(explain=False)).deltas
    lm = load_checkpoint(good, device="cpu")
    an = Analyzer(lm, load_probe(sentiment_probe))
    real_forward, armed, fired = lm.model.forward, [], []

    def flaky_forward(*args, **kwargs):
        if armed and not fired:  # the first sweep batch after the prediction, once
            fired.append(1)
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_forward(*args, **kwargs)

    def on_event(kind, result):
        if kind == "prediction":
            armed.append(1)

    lm.model.forward = flaky_forward
    before = an.sweeper.max_tokens
    res = an.analyze(text, Settings(explain=False), on_event=on_event)
    assert fired
    assert an.sweeper.max_tokens < before
    assert res.deltas == pytest.approx(expected, abs=1e-5)


# -- crash safety ---------------------------------------------------------------
WRITER = """
import sys
from inspector.core.cache import ResultCache
c = ResultCache(sys.argv[1])
i = 0
while True:
    c.put(f"k{i}", {"i": i, "pad": "x" * 5000})
    i += 1
    if i == 50:
        print("ready", flush=True)
"""


def test_result_cache_survives_kill_9_mid_write(tmp_path):
    db = tmp_path / "results.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    cache = ResultCache(db)
    assert not cache.rebuilt
    n = len(cache)
    assert n >= 50
    assert all(cache.get(f"k{i}") == {"i": i, "pad": "x" * 5000} for i in range(n))
    cache.put("after", {"ok": True})
    assert cache.get("after") == {"ok": True}
    cache.close()


def test_corrupt_cache_is_moved_aside_and_rebuilt(tmp_path):
    db = tmp_path / "results.sqlite"
    db.write_bytes(b"SQLite format 3\0" + os.urandom(4096))
    cache = ResultCache(db)
    assert cache.rebuilt
    assert list(tmp_path.glob("results.sqlite.corrupt-*"))
    cache.put("k", {"v": 1})
    assert cache.get("k") == {"v": 1}
    cache.close()


def test_preferences_write_atomically(tmp_path, monkeypatch):
    from inspector.core import prefs

    p = prefs.Preferences.load()
    p.save()
    good_text = prefs.Preferences.path().read_text()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    p.add_recent(str(tmp_path / "somewhere"))
    with pytest.raises(OSError):
        p.save()
    assert prefs.Preferences.path().read_text() == good_text
    assert not [
        f
        for f in prefs.Preferences.path().parent.iterdir()
        if f.name != prefs.Preferences.path().name
    ]
