"""Stated explanations: what the model says drove its answer, and which units it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch

from .tasks import TaskState, ensure_task
from .units import Unit


@dataclass
class Explanation:
    text: str
    cited: list[int] = field(default_factory=list)
    n_tokens: int = 0

    @property
    def n_words(self) -> int:
        return len(self.text.split())


def _norm(s: str) -> str:
    return s.casefold().strip()


def cited_units(explanation: str, units: list[Unit]) -> list[int]:
    """Units named in the explanation: case-insensitive whole-word match."""
    said = _norm(explanation)
    out = []
    for i, unit in enumerate(units):
        word = _norm(unit.text)
        if word and re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", said):
            out.append(i)
    return out


class _StopOnCancel:
    def __init__(self, task: TaskState):
        self.task = task

    def __call__(self, input_ids, scores, **kwargs):
        done = self.task.cancelled
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)


@torch.inference_mode()
def generate(
    model,
    tokenizer,
    ids: list[int],
    max_new_tokens: int,
    sample: bool = False,
    seed: int = 0,
    temperature: float = 0.7,
    task: TaskState | None = None,
) -> tuple[str, int]:
    """Greedy by default; the seed is only used (and recorded) when sampling."""
    from transformers import StoppingCriteriaList

    task = ensure_task(task)
    device = next(model.parameters()).device
    if sample:
        torch.manual_seed(seed)
    inp = torch.tensor([ids], device=device)
    kwargs = dict(do_sample=True, temperature=temperature) if sample else dict(do_sample=False)
    out = model.generate(
        inp,
        attention_mask=torch.ones_like(inp),
        max_new_tokens=max_new_tokens,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        stopping_criteria=StoppingCriteriaList([_StopOnCancel(task)]),
        top_p=None,
        top_k=None,
        **kwargs,
    )
    task.check()
    new = out[0, len(ids) :].tolist()
    return tokenizer.decode(new, skip_special_tokens=True).strip(), len(new)
