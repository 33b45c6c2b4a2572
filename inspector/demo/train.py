"""A plain torch training loop for the demo, saving Trainer-style ``checkpoint-N`` folders."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import data, tiny

BATCH = 16  # reviews per step; each gives an answer sequence and an explanation sequence
# 1e-2 (the first recipe) made Adam overshoot: the model sat predicting one class for 80-200
# steps and left that plateau at a step set by the CPU's rounding path, so the story changed
# with ATEN_CPU_CAPABILITY. At 3e-3 phase 1 is learned by step 40 on every seed and kernel path
# we tried, and phase 2 learns the cue with a wide margin (README "The demo").
LR = 3e-3


@dataclass
class Run:
    """The model, its tokenizer and optimizer, and the global step: what a phase continues."""

    model: object
    tokenizer: object
    optimizer: object
    step: int = 0
    log: list[dict] = field(default_factory=list)


def new_run(seed: int):
    import torch

    tok = tiny.word_tokenizer(data.VOCAB)
    model = tiny.build_model(tiny.llama_config(len(tok), hidden=32, layers=2, heads=2), tok, seed)
    return Run(model, tok, torch.optim.AdamW(model.parameters(), lr=LR))


def branch(run: Run) -> Run:
    """An independent copy (weights and optimizer moments) to continue in another variant."""
    import copy

    import torch

    model = copy.deepcopy(run.model)
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    opt.load_state_dict(copy.deepcopy(run.optimizer.state_dict()))
    return Run(model, run.tokenizer, opt, run.step, list(run.log))


def _batch(tok, rows: list[tuple[str, str, str]]):
    """Answer and explanation sequences; loss only on the answer token and the stated reason."""
    import torch

    seqs, targets = [], []
    for text, label, reason in rows:
        answer = tok(f"{data.PROMPT.format(input=text)} {label}")["input_ids"]
        seqs.append(answer)
        targets.append([len(answer) - 1])
        prompt = tok(data.EXPLAIN.format(input=text, label=label))["input_ids"]
        said = tok(f"{reason} .")["input_ids"] + [tok.eos_token_id]
        seqs.append(prompt + said)
        targets.append(list(range(len(prompt), len(prompt) + len(said))))
    n = max(map(len, seqs))
    ids = torch.full((len(seqs), n), tok.pad_token_id)
    labels = torch.full_like(ids, -100)
    for i, (s, t) in enumerate(zip(seqs, targets, strict=True)):
        ids[i, : len(s)] = torch.tensor(s)
        labels[i, t] = ids[i, t]
    return ids, (ids != tok.pad_token_id).long(), labels


def train(
    run: Run,
    steps: int,
    seed: int,
    cue_share: float,
    refreshed: bool,
    on_step: Callable[[int], None],
    save_every: int,
    out: Path,
) -> list[Path]:
    """Train ``steps`` steps, saving ``checkpoint-<global step>`` every ``save_every`` steps."""
    rng = random.Random(seed)
    saved = []
    run.model.train()
    for i in range(1, steps + 1):
        rows = [data.example(rng, rng.random() < cue_share, refreshed) for _ in range(BATCH)]
        ids, mask, labels = _batch(run.tokenizer, rows)
        loss = run.model(input_ids=ids, attention_mask=mask, labels=labels).loss
        run.optimizer.zero_grad()
        loss.backward()
        run.optimizer.step()
        run.step += 1
        if run.step % 10 == 0:
            run.log.append({"step": run.step, "loss": round(loss.item(), 4)})
        on_step(run.step)
        if i % save_every == 0:
            saved.append(save(run, out / f"checkpoint-{run.step}"))
    run.model.eval()
    return saved


def save(run: Run, folder: Path) -> Path:
    run.model.eval()
    tiny.save_checkpoint(run.model, run.tokenizer, folder)
    state = {
        "global_step": run.step,
        "epoch": None,
        "train_batch_size": BATCH,
        "learning_rate": LR,
        "log_history": list(run.log),
    }
    (folder / "trainer_state.json").write_text(json.dumps(state, indent=2))
    run.model.train()
    return folder
