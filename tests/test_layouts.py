"""LoRA adapter runs built in tmp_path, full SHA-256 digests, and folders of no known layout.

The base is a random-weight tiny Llama saved with transformers; the adapters are made with peft
(non-zero LoRA matrices) and saved as a PEFT Trainer saves them. Hub-cache folders: test_hubcache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest
import torch
from layouts_util import WORDS, _adapter, _base

from inspector.core import adapters
from inspector.core.analysis import Analyzer
from inspector.core.checkpoints import inspect_checkpoint
from inspector.core.digests import files_sha256
from inspector.core.errors import CheckpointError, InputError
from inspector.core.inputs import Example
from inspector.core.loading import ModelPool, load_checkpoint
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.timeline import run_timeline
from inspector.demo import tiny

peft = pytest.importorskip("peft")
INPUTS = [Example("great food service"), Example("awful slow service")]


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("lora")
    base = _base(root / "base")
    run = root / "run"
    for i, step in enumerate((30, 10, 20)):  # written out of order: the step orders them
        ck = _adapter(base, run / f"checkpoint-{step}", seed=step + i)
        (ck / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return base, run


def _probs(lm, probe, text="great food service"):
    res = Analyzer(lm, probe).analyze(text, Settings(explain=False))
    return res.probs, res.deltas


def test_lora_run_opens_as_ordered_series_over_its_base(lora_run):
    base, run = lora_run
    s = discover_series(run)
    assert [e.name for e in s.entries] == ["checkpoint-10", "checkpoint-20", "checkpoint-30"]
    assert [e.step for e in s.entries] == [10, 20, 30]
    assert {e.kind for e in s.entries} == {"lora"}
    info = inspect_checkpoint(run / "checkpoint-10")
    assert info.base.path == base
    assert [f.name for f in info.weight_files] == ["adapter_model.safetensors"]


def test_adapters_swap_on_one_base_and_equal_the_merged_model(lora_run, sentiment_probe, tmp_path):
    from transformers import AutoModelForCausalLM

    base, run = lora_run
    probe = load_probe(sentiment_probe)
    pool = ModelPool(1, device="cpu")
    seen = []
    for name in ("checkpoint-10", "checkpoint-20", "checkpoint-30"):
        lm = pool.get(run / name)
        assert pool.resident() == [str(run / name)]  # the previous adapter is gone
        seen.append((lm, _probs(lm, probe)))
    # one base model object, loaded once, served every adapter
    assert len({id(lm.model) for lm, _ in seen}) == 1
    assert len(seen[0][0].adapter.peft_model.peft_config) == 1
    probs = [p for _, (p, _) in seen]
    for a in range(3):
        for b in range(a + 1, 3):
            assert max(abs(x - y) for x, y in zip(probs[a], probs[b], strict=True)) > 1e-3

    # the same numbers as the adapter merged into a fresh base, saved as a full checkpoint
    merged = peft.PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(base), run / "checkpoint-20"
    ).merge_and_unload()
    merged_dir = tiny.save_checkpoint(
        merged, load_checkpoint(base, "cpu").tokenizer, tmp_path / "m"
    )
    mp, md = _probs(load_checkpoint(merged_dir, "cpu"), probe)
    lm20 = pool.get(run / "checkpoint-20")  # swapped back in after checkpoint-30
    p20, d20 = _probs(lm20, probe)
    assert max(abs(x - y) for x, y in zip(p20, mp, strict=True)) < 1e-5
    assert max(abs(x - y) for x, y in zip(d20, md, strict=True)) < 1e-5
    assert max(abs(x - y) for x, y in zip(p20, probs[1], strict=True)) < 1e-5
    # an adapter of another rank cannot take the resident one's tensors: loaded beside, old deleted
    wide = _adapter(base, tmp_path / "run" / "checkpoint-40", seed=40, r=8)
    merged8 = peft.PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(base), wide
    ).merge_and_unload()
    p8, _ = _probs(
        load_checkpoint(tiny.save_checkpoint(merged8, lm20.tokenizer, tmp_path / "m8"), "cpu"),
        probe,
    )
    lm8 = pool.get(wide)
    assert lm8.model is lm20.model and list(lm8.adapter.peft_model.peft_config) == [
        lm8.adapter.active
    ]
    assert max(abs(x - y) for x, y in zip(_probs(lm8, probe)[0], p8, strict=True)) < 1e-5
    lm20 = pool.get(run / "checkpoint-20")
    assert max(abs(x - y) for x, y in zip(_probs(lm20, probe)[0], mp, strict=True)) < 1e-5
    # the base itself was never changed: no adapter merged into it
    plain = load_checkpoint(base, "cpu")
    ids = torch.tensor([[1, 6, 7, 8]])
    with torch.no_grad(), lm20.adapter.peft_model.disable_adapter():
        assert torch.allclose(lm20.model(ids).logits, plain.model(ids).logits, atol=1e-6)


def test_base_from_hub_cache_or_override_and_clear_errors(lora_run, tmp_path, monkeypatch):
    base, run = lora_run
    ck = tmp_path / "run" / "checkpoint-5"
    shutil.copytree(run / "checkpoint-10", ck)
    cfg = json.loads((ck / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = "tiny-org/tiny-base"
    (ck / "adapter_config.json").write_text(json.dumps(cfg))
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    with pytest.raises(CheckpointError, match=r"'tiny-org/tiny-base'.*local hub cache.*--base"):
        inspect_checkpoint(ck)
    repo = hub / "models--tiny-org--tiny-base"
    shutil.copytree(base, repo / "snapshots" / ("a" * 40))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("a" * 40)
    assert inspect_checkpoint(ck).base.path == repo / "snapshots" / ("a" * 40)

    other = _base(tmp_path / "other", seed=3)
    wide = tmp_path / "wide"
    tok = tiny.word_tokenizer(WORDS)
    tiny.save_checkpoint(
        tiny.build_model(tiny.llama_config(len(tok), hidden=48, layers=2, heads=2), tok), tok, wide
    )
    with pytest.raises(CheckpointError, match="does not fit the base .*expected the base"):
        inspect_checkpoint(ck, base=wide)
    adapters.use_base(tmp_path / "run", other)
    try:
        assert inspect_checkpoint(ck).base.path == other
    finally:
        adapters.use_base(tmp_path / "run", None)


def test_lora_folder_without_peft_says_how_to_install(lora_run, monkeypatch):
    import sys

    _, run = lora_run
    monkeypatch.setitem(sys.modules, "peft", None)  # import peft → ImportError
    with pytest.raises(CheckpointError, match=r"need peft: pip install"):
        load_checkpoint(run / "checkpoint-10", "cpu")


def test_lora_timeline_records_adapter_and_base_digests(lora_run, sentiment_probe):
    base, run = lora_run
    res = run_timeline(
        discover_series(run),
        load_probe(sentiment_probe),
        INPUTS[:1],
        Settings(explain=False),
        pool=ModelPool(1, device="cpu"),
    )
    c = res.to_dict()["checkpoints"][0]
    assert c["name"] == "checkpoint-10" and c["step"] == 10 and c["duplicate_of"] is None
    adapter = (run / "checkpoint-10" / "adapter_model.safetensors").read_bytes()
    assert c["sha256"] == hashlib.sha256(adapter).hexdigest()
    assert (
        c["base"]["sha256"] == hashlib.sha256((base / "model.safetensors").read_bytes()).hexdigest()
    )
    preds = [ck.examples[0].probs for ck in res.checkpoints]
    assert preds[0] != preds[1] != preds[2]


def test_digest_of_shards_is_sha256sum_of_sha256sum_and_memoised(tmp_path):
    a, b = (
        tmp_path / "model-00002-of-00002.safetensors",
        tmp_path / "model-00001-of-00002.safetensors",
    )
    a.write_bytes(os.urandom(65 << 20))  # progress is reported from 64 MiB on
    b.write_bytes(b"shard one")
    listing = "".join(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n" for f in (b, a))
    seen = []
    digest = files_sha256([a, b], lambda done, total, msg: seen.append((done, total)))
    assert digest == hashlib.sha256(listing.encode()).hexdigest()
    total = (65 << 20) + len(b"shard one")
    assert (9 + (64 << 20), total) in seen and seen[-1] == (total, total)
    memo = json.loads(next((tmp_path / "user" / "cache").glob("digests.json")).read_text())
    assert str(a.resolve()) in memo
    seen.clear()
    assert files_sha256([a, b], lambda *x: seen.append(x)) == digest and not seen  # memoised
    a.write_bytes(b"changed")  # new size and mtime: hashed again
    assert files_sha256([a]) == hashlib.sha256(b"changed").hexdigest()


def test_unrecognised_folder_lists_what_it_found_and_what_opens(tmp_path):
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "weights.npz").write_bytes(b"x")
    (odd / "notes.md").write_text("hi")
    with pytest.raises(InputError) as err:
        discover_series(odd)
    msg = str(err.value)
    assert "\n" not in msg
    for part in (".npz", "LoRA", "hub cache", "GGUF", "convert"):
        assert part in msg


def test_cli_lora_run_with_base_and_report_digests(lora_run, sentiment_probe, tmp_path, capsys):
    from inspector.cli import main
    from inspector.reports.validate import errors

    base, run = lora_run
    moved = tmp_path / "run"
    shutil.copytree(run, moved)
    for ck in moved.iterdir():  # the base moved away: the adapters' configs name a lost path
        cfg = json.loads((ck / "adapter_config.json").read_text())
        cfg["base_model_name_or_path"] = str(tmp_path / "gone")
        (ck / "adapter_config.json").write_text(json.dumps(cfg))
    inputs = tmp_path / "inputs.txt"
    inputs.write_text("great food service\n")
    common = ["--probe", str(sentiment_probe), "--inputs", str(inputs), "--no-explain"]
    assert main(["timeline", "--series", str(moved), *common]) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not found" in err and "--base" in err

    out = tmp_path / "r.json"
    args = ["report", "--series", str(moved), "--base", str(base), "--out", str(out), *common]
    assert main([*args, "--revisions", "checkpoint-(10|30)$"]) == 0
    d = json.loads(out.read_text())
    assert errors(d) == []
    tl, prov = d["timeline"], d["provenance"]
    assert [(c["name"], c["step"]) for c in tl["checkpoints"]] == [
        ("checkpoint-10", 10),
        ("checkpoint-30", 30),
    ]
    adapter = (moved / "checkpoint-30" / "adapter_model.safetensors").read_bytes()
    assert prov["checkpoints"][1]["sha256"] == hashlib.sha256(adapter).hexdigest()
    assert prov["checkpoints"][1]["base"]["path"] == str(base)
    assert (
        prov["files"]["probe"]["sha256"] == hashlib.sha256(sentiment_probe.read_bytes()).hexdigest()
    )
    assert prov["files"]["inputs"]["sha256"] == hashlib.sha256(inputs.read_bytes()).hexdigest()

    html = tmp_path / "r.html"
    assert main(["report", "--from", str(out), "--out", str(html)]) == 0
    assert prov["checkpoints"][1]["sha256"] in html.read_text()
    capsys.readouterr()

    assert (
        main(
            [
                "analyze",
                "--model",
                str(moved / "checkpoint-10"),
                "--base",
                str(base),
                "--probe",
                str(sentiment_probe),
                "--input",
                "great food",
                "--no-explain",
                "--json",
                "-",
            ]
        )
        == 0
    )
    a = json.loads(capsys.readouterr().out)
    assert a["digests"]["model"]["base"]["sha256"] == prov["checkpoints"][0]["base"]["sha256"]


def test_pickled_adapter_loads_tensors_only(lora_run, tmp_path):
    from safetensors.torch import load_file

    _, run = lora_run
    ck = tmp_path / "run" / "checkpoint-10"
    shutil.copytree(run / "checkpoint-10", ck)
    tensors = load_file(ck / "adapter_model.safetensors")
    (ck / "adapter_model.safetensors").unlink()
    torch.save(tensors, ck / "adapter_model.bin")
    info = inspect_checkpoint(ck)
    assert info.weight_format == "pickle" and "weights_only=True" in info.notices[0]
    pool = ModelPool(1, device="cpu")
    ids = torch.tensor([[1, 6, 7, 8]])
    with torch.no_grad():
        from_bin = pool.get(ck).model(ids).logits
        from_safe = pool.get(run / "checkpoint-10").model(ids).logits
    assert torch.allclose(from_bin, from_safe, atol=1e-6)

    class Payload:  # unpickling this would run code: weights_only refuses it
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"x": Payload()}, ck / "adapter_model.bin")
    with pytest.raises(CheckpointError, match="pickle holds code"):
        pool.get(ck)
