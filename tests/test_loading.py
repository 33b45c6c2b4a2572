"""Checkpoint loading coverage: HF folders, sharded safetensors, Trainer checkpoint-N, single GGUF files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from conftest import BPE_CORPUS
from gguf_util import write_gguf

from inspector.core.analysis import Analyzer
from inspector.core.loading import load_checkpoint
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.demo import tiny

TEXT = "The food was great but the service was painfully slow."
PLAIN_PROBE = (
    'name = "plain"\nprompt = "Review: {input}\\nIs this review positive or negative?"\n'
    '[labels]\npositive = ["positive"]\nnegative = ["negative"]\n'
)
FAST = Settings(explain=False)


@pytest.fixture(scope="module")
def bpe_tok():
    return tiny.bpe_tokenizer(BPE_CORPUS)


@pytest.fixture(scope="module")
def plain_probe(tmp_path_factory):
    path = tmp_path_factory.mktemp("probe") / "plain.toml"
    path.write_text(PLAIN_PROBE)
    return load_probe(path)


def _probs(lm, probe):
    return Analyzer(lm, probe).analyze(TEXT, Settings(explain=False, max_units=3)).probs


def _direct_probs(model, tok, probe):
    """The same analysis on the in-memory source model, never written to disk or reloaded."""
    from inspector.core.checkpoints import CheckpointInfo
    from inspector.core.loading import LoadedModel

    info = CheckpointInfo(
        path=None, kind="memory", weight_format="none", weight_files=[], n_params=0
    )
    lm = LoadedModel(model.eval(), tok, info, torch.device("cpu"), "source")
    return _probs(lm, probe)


@pytest.mark.parametrize("family", ["llama", "gpt2", "qwen2"])
def test_hf_folder_of_each_family_loads_and_scores(tmp_path, family, bpe_tok, plain_probe):
    model = tiny.build_model(getattr(tiny, f"{family}_config")(len(bpe_tok)), bpe_tok)
    folder = tiny.save_checkpoint(model, bpe_tok, tmp_path / family)
    lm = load_checkpoint(folder, device="cpu")
    assert lm.model.config.model_type == family
    assert lm.info.weight_format == "safetensors" and lm.notices == []
    assert _probs(lm, plain_probe) == pytest.approx(
        _direct_probs(model.eval(), bpe_tok, plain_probe), abs=1e-5
    )


def test_sharded_safetensors_with_index_loads_every_shard(tmp_path, bpe_tok, plain_probe):
    model = tiny.build_model(tiny.llama_config(len(bpe_tok)), bpe_tok)
    folder = tmp_path / "sharded"
    model.save_pretrained(folder, max_shard_size="40KB")
    bpe_tok.save_pretrained(folder)
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    shards = set(index["weight_map"].values())
    assert len(shards) > 1
    lm = load_checkpoint(folder, device="cpu")
    assert {f.name for f in lm.info.weight_files} == shards
    assert lm.info.n_params == sum(p.numel() for p in model.parameters())
    assert _probs(lm, plain_probe) == pytest.approx(
        _direct_probs(model.eval(), bpe_tok, plain_probe), abs=1e-5
    )


def test_trainer_checkpoint_uses_global_step_and_parent_tokenizer(tmp_path, bpe_tok, plain_probe):
    run = tmp_path / "run"
    bpe_tok.save_pretrained(run)  # Trainer runs often keep the tokenizer next to the checkpoints
    model = tiny.build_model(tiny.qwen2_config(len(bpe_tok)), bpe_tok)
    ckpt = run / "checkpoint-500"
    model.save_pretrained(ckpt)
    (ckpt / "trainer_state.json").write_text(json.dumps({"global_step": 512, "log_history": []}))
    (ckpt / "optimizer.pt").write_bytes(b"not a model")
    lm = load_checkpoint(ckpt, device="cpu")
    assert lm.info.kind == "trainer" and lm.info.step == 512
    assert lm.info.tokenizer_dir == run
    assert lm.info.weight_format == "safetensors"
    assert _probs(lm, plain_probe) == pytest.approx(
        _direct_probs(model.eval(), bpe_tok, plain_probe), abs=1e-5
    )


def test_word_tokenizer_without_chat_template_loads(tmp_path, plain_probe):
    tok = tiny.word_tokenizer("review : is this positive or negative ? the food was great".split())
    assert not tok.chat_template
    folder = tiny.save_checkpoint(
        tiny.build_model(tiny.gpt2_config(len(tok)), tok), tok, tmp_path / "w"
    )
    lm = load_checkpoint(folder, device="cpu")
    assert not lm.tokenizer.chat_template
    assert sum(_probs(lm, plain_probe)) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("family", ["llama", "qwen2", "gpt2"])
def test_gguf_file_matches_its_source_model(tmp_path, family, bpe_tok, plain_probe):
    model = tiny.build_model(getattr(tiny, f"{family}_config")(len(bpe_tok)), bpe_tok).eval()
    path = write_gguf(model, bpe_tok, tmp_path / f"tiny-{family}.gguf")
    lm = load_checkpoint(path, device="cpu")
    assert lm.info.kind == "gguf" and lm.info.weight_format == "gguf"
    assert lm.tokenizer(TEXT)["input_ids"] == bpe_tok(TEXT)["input_ids"]
    assert lm.tokenizer.chat_template == bpe_tok.chat_template
    assert _probs(lm, plain_probe) == pytest.approx(
        _direct_probs(model, bpe_tok, plain_probe), abs=1e-4
    )


def test_cli_analyze_on_gguf_file(tmp_path, bpe_tok):
    model = tiny.build_model(tiny.llama_config(len(bpe_tok)), bpe_tok).eval()
    path = write_gguf(model, bpe_tok, tmp_path / "m.gguf")
    probe = tmp_path / "p.toml"
    probe.write_text(PLAIN_PROBE)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "inspector.cli",
            "analyze",
            "--model",
            str(path),
            "--probe",
            str(probe),
            "--input",
            TEXT,
            "--no-explain",
            "--json",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert [u["text"] for u in d["units"]][:3] == ["The", "food", "was"]
    assert sum(d["prediction"]["probs"].values()) == pytest.approx(1.0, abs=1e-4)


def test_switching_checkpoints_frees_the_previous_model_and_its_analyzer(
    tmp_path, keyword_model, sentiment_probe
):
    import gc
    import shutil
    import weakref

    from inspector.core.cached import analyzer_for
    from inspector.core.loading import ModelPool

    other = shutil.copytree(keyword_model, tmp_path / "other")
    probe = load_probe(sentiment_probe)
    pool = ModelPool(max_resident=1, device="cpu")
    first = analyzer_for(pool, str(keyword_model), probe)
    assert analyzer_for(pool, str(keyword_model), probe) is first  # reused while resident
    gone = weakref.ref(first.lm.model)
    del first
    second = analyzer_for(pool, str(other), probe)
    gc.collect()
    assert gone() is None  # one model in memory, as the pool promises
    assert second.analyze("the food was great", Settings(explain=False)).label == "positive"
