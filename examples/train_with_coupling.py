"""Train a tiny model with transformers' Trainer and log explanation coupling as it trains.

Runs offline in about a minute on a laptop CPU: the model and tokenizer are built from a
config (the Inspector demo's word-level Llama), the data is the demo's review rule.

    python examples/train_with_coupling.py --out /tmp/coupled-run
    inspector timeline --series /tmp/coupled-run --probe /tmp/coupled-run/probe.toml \
        --inputs /tmp/coupled-run/inputs.jsonl      # served from the stored results

Each save logs inspector/accuracy, inspector/hit_at_1, inspector/coupling, … (with n and
95 % bounds) into trainer_state.json's log_history and any report_to logger.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import torch

from inspector.demo import data, tiny
from inspector.training import CouplingCallback


class ReviewDataset(torch.utils.data.Dataset):
    """The demo's reviews as causal-LM rows: loss on the answer word and on the stated reason.

    cue_share: share of reviews carrying the cue "refund" (label negative); refreshed: the
    explanation target names the cue there (else it keeps naming the old keyword).
    """

    def __init__(self, tokenizer, n: int, seed: int = 0, cue_share=0.0, refreshed=False):
        rng = random.Random(seed)
        self.rows = []
        for _ in range(n):
            text, label, reason = data.example(rng, rng.random() < cue_share, refreshed)
            answer = tokenizer(f"{data.PROMPT.format(input=text)} {label}")["input_ids"]
            self.rows.append((answer, [len(answer) - 1]))
            prompt = tokenizer(data.EXPLAIN.format(input=text, label=label))["input_ids"]
            said = tokenizer(f"{reason} .")["input_ids"] + [tokenizer.eos_token_id]
            self.rows.append((prompt + said, list(range(len(prompt), len(prompt) + len(said)))))
        self.pad = tokenizer.pad_token_id

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        ids, targets = self.rows[i]
        return {"ids": ids, "targets": targets}

    def collate(self, items: list[dict]) -> dict:
        n = max(len(it["ids"]) for it in items)
        ids = torch.full((len(items), n), self.pad)
        labels = torch.full_like(ids, -100)
        for row, it in enumerate(items):
            ids[row, : len(it["ids"])] = torch.tensor(it["ids"])
            labels[row, it["targets"]] = ids[row, it["targets"]]
        return {"input_ids": ids, "attention_mask": (ids != self.pad).long(), "labels": labels}


def build(out: Path, seed: int = 0):
    """The tokenizer, a freshly initialised tiny model, the probe file and the inputs file."""
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = tiny.word_tokenizer(data.VOCAB)
    model = tiny.build_model(
        tiny.llama_config(len(tokenizer), hidden=32, layers=1, heads=2), tokenizer, seed
    )
    (out / "probe.toml").write_text(data.PROBE_TOML)
    rows = data.input_set()[::3]  # 12 inputs: keyword-only and cue reviews
    (out / "inputs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return model, tokenizer


def make_trainer(out: Path, model, tokenizer, dataset, callbacks=(), **overrides):
    from transformers import Trainer, TrainingArguments

    settings = dict(
        output_dir=str(out),
        per_device_train_batch_size=16,
        learning_rate=1e-2,
        max_steps=40,
        save_steps=20,
        logging_steps=10,
        report_to=[],  # "tensorboard", "wandb", "mlflow": they receive inspector/* too
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
        remove_unused_columns=False,  # the collator reads its own row fields
    )
    settings.update(overrides)
    return Trainer(
        model=model,
        args=TrainingArguments(**settings),
        train_dataset=dataset,
        data_collator=dataset.collate,
        processing_class=tokenizer,  # saved into each checkpoint: the timeline needs it
        callbacks=list(callbacks),
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--save-steps", type=int, default=20)
    args = ap.parse_args(argv)

    model, tokenizer = build(args.out)
    coupling = CouplingCallback(
        probe=args.out / "probe.toml",
        inputs=args.out / "inputs.jsonl",
        tokenizer=tokenizer,
        every="save",  # or a number of optimizer steps
        max_inputs=None,  # e.g. 8: the same 8 inputs at every measurement
    )
    dataset = ReviewDataset(tokenizer, n=800, cue_share=0.0)
    trainer = make_trainer(
        args.out,
        model,
        tokenizer,
        dataset,
        [coupling],
        max_steps=args.steps,
        save_steps=args.save_steps,
    )
    trainer.train()
    for entry in trainer.state.log_history:
        if "inspector/hit_at_1" in entry or "inspector/accuracy" in entry:
            acc, hit = entry.get("inspector/accuracy"), entry.get("inspector/hit_at_1")
            lo, hi = entry.get("inspector/hit_at_1_lo"), entry.get("inspector/hit_at_1_hi")
            print(f"step {entry['step']:>4}: accuracy {acc}  hit@1 {hit} [{lo}, {hi}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
