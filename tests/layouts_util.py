"""Builders of real training-run layouts in a folder: a tiny base, peft adapters, hub snapshots."""

from __future__ import annotations

import hashlib
import json
import os

import torch

from inspector.demo import tiny

WORDS = "review : . answer good bad you said because great awful food service slow".split()


def _base(folder, seed=0):
    tok = tiny.word_tokenizer(WORDS)
    model = tiny.build_model(tiny.llama_config(len(tok), hidden=32, layers=2, heads=2), tok, seed)
    return tiny.save_checkpoint(model, tok, folder)


def _adapter(base_dir, folder, seed, base_name=None, r=4):
    """A LoRA adapter as a PEFT Trainer saves it (random, non-zero A and B matrices)."""
    import peft
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(base_dir)
    cfg = peft.LoraConfig(
        r=r, lora_alpha=16, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    model = peft.get_peft_model(base, cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)  # large enough to move the tiny model's answer
    model.save_pretrained(folder)
    if base_name is not None:
        cfg_path = folder / "adapter_config.json"
        cfg_json = json.loads(cfg_path.read_text())
        cfg_json["base_model_name_or_path"] = base_name
        cfg_path.write_text(json.dumps(cfg_json))
    return folder


def _snapshot(repo, commit, model_dir):
    """A snapshot as huggingface_hub writes it: symlinks into content-addressed blobs/."""
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    (repo / "blobs").mkdir(exist_ok=True)
    for f in model_dir.iterdir():
        data = f.read_bytes()
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        os.symlink(os.path.relpath(blob, snap), snap / f.name)
    return snap
