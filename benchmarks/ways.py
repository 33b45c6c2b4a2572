"""The three ways of measuring every unit's shift that benchmarks/sweep.py times against each other."""

from __future__ import annotations

import torch

from inspector.core.analysis import Analyzer
from inspector.core.results import Settings
from inspector.core.scoring import label_probs


@torch.inference_mode()
def naive(an: Analyzer, variants: list[list[int]]) -> torch.Tensor:
    """(a) One forward per variant (and the baseline), logits for the last position only."""
    model = an.lm.model
    first = [v[0] for v in an.verbs.ids]
    rows = []
    for seq in variants:
        logits = model(torch.tensor([seq], device=an.lm.device), logits_to_keep=1).logits[0, -1]
        rows.append(torch.log_softmax(logits.float(), -1)[first].cpu())
    return torch.stack(rows)


def captum_ablation(an: Analyzer, text: str, target: str):
    """(b) Captum's LLMAttribution + FeatureAblation over the same word units (deletion)."""
    from captum.attr import FeatureAblation, LLMAttribution, TextTemplateInput

    rendered = an.render(text)
    units = an.units(text, Settings())
    # each feature is a word with the space before it, so removing it reads like Inspector's deletion
    literals, values, pos = [], [], 0
    for u in units:
        start = u.start
        while start > pos and text[start - 1].isspace():
            start -= 1
        literals.append(text[pos:start])
        values.append(text[start : u.end])
        pos = u.end
    head = rendered.text[: rendered.input_start]
    tail = text[pos:] + rendered.text[rendered.input_end :]

    def template(*vals: str) -> str:
        return head + "".join(lit + v for lit, v in zip(literals, vals, strict=True)) + tail

    inp = TextTemplateInput(template, values=values)
    llm = LLMAttribution(FeatureAblation(an.lm.model), an.lm.tokenizer)
    with torch.inference_mode():
        return llm.attribute(inp, target=target)


def inspector_sweep(an: Analyzer, text: str, settings: Settings) -> torch.Tensor:
    """(c) Inspector: prompt once with its KV cache, then every variant's tail packed."""
    units = an.units(text, settings)
    variants = an.variant_ids(text, units, settings)
    prefix = an.sweeper.prefix(an.ids(text))
    an.sweeper.baseline(prefix)
    return label_probs(an.sweeper.score(prefix, variants), an.verbs)


def first_prediction(an: Analyzer, text: str) -> list[float]:
    """What the app shows first after an edit: the new prompt's label distribution."""
    prefix = an.sweeper.prefix(an.ids(text))
    return label_probs(an.sweeper.baseline(prefix)[None], an.verbs)[0].tolist()
