"""Stated explanations: what the model says drove its answer, and which units it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import regex
import torch

from .tasks import TaskState, ensure_task
from .units import LETTER, WORD_RE, Unit


@dataclass
class Explanation:
    text: str
    cited: list[int] = field(default_factory=list)
    n_tokens: int = 0
    # per cited unit, why it counts (core.citing.citations): {"unit", "how", "matched", "at"}
    why: list[dict] = field(default_factory=list)

    @property
    def n_words(self) -> int:
        return len(self.text.split())


_POSSESSIVE = re.compile(r"['’]s?$")
_DOUBLED = re.compile(r"([^aeiouylsz])\1$")
# (suffix, what replaces it): the inflections a plain base word may carry
_INFLECTIONS = (
    ("ies", "y"),
    ("ied", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
)


def base_forms(word: str) -> frozenset[str]:
    """The word and the bases it may inflect: refunds, refunded, refunding → refund.

    Two words match when their sets meet. Suffix rules, not a dictionary: what is left
    of a word keeps three letters and a vowel, and the rules still join some unrelated
    words (hat and hated, new and news, even and evening), which is why matching word
    forms is opt-in.
    """
    w = _POSSESSIVE.sub("", word.casefold()) or word.casefold()
    out = {w}
    if w.endswith("ss"):
        return frozenset(out)
    for suffix, repl in _INFLECTIONS:
        stem = w[: len(w) - len(suffix)]
        if not w.endswith(suffix) or not _stem_ok(stem):
            continue
        if repl == "e" and stem[-1] in "aeiouy":
            continue  # seeing, seed are not forms of see+e
        out.add(stem + repl)
        undoubled = _DOUBLED.sub(r"\1", stem)  # stopped, stopping → stop
        if suffix in ("ed", "ing") and not repl and _stem_ok(undoubled):
            out.add(undoubled)
    return frozenset(out)


def _stem_ok(stem: str) -> bool:
    return len(stem) >= 3 and re.search("[aeiouy]", stem) is not None


def _named(text: str, word: str) -> list[tuple[int, int]]:
    """Whole-word, case-insensitive occurrences of ``word`` (a word or a phrase) in ``text``."""
    if not word:
        return []
    pattern = rf"(?<!{LETTER})" + regex.escape(word) + rf"(?!{LETTER})"
    return [m.span() for m in regex.finditer(pattern, text, regex.IGNORECASE)]


def _form_spans(text: str, words: list[str]) -> list[list[tuple[int, int]]]:
    """Per word (or phrase) in ``words``, where ``text`` names one of its word forms."""
    found = list(WORD_RE.finditer(text))
    forms = [base_forms(m.group()) for m in found]
    out = []
    for phrase in words:
        want = [base_forms(w) for w in WORD_RE.findall(phrase)]
        n = len(want)
        out.append(
            [
                (found[i].start(), found[i + n - 1].end())
                for i in range(len(forms) - n + 1)
                if n and all(forms[i + k] & want[k] for k in range(n))
            ]
        )
    return out


def _spans(text: str, words: list[str], word_forms: bool) -> list[list[tuple[int, int]]]:
    """Per word (or phrase) in ``words``, where ``text`` names it, as character spans.

    Word forms add to the plain match, never replace it: a unit without letters ("!")
    or inside a hyphenated word ("known" in "well-known") is still found.
    """
    plain = [_named(text, w.strip()) for w in words]
    if not word_forms:
        return plain
    forms = _form_spans(text, words)
    return [sorted(set(p) | set(f)) for p, f in zip(plain, forms, strict=True)]


def cited_units(explanation: str, units: list[Unit], word_forms: bool = False) -> list[int]:
    """Units the explanation names as a reason (core.citing): quoted, or a content word.

    Case is folded (casefold, so "STRASSE" names "Straße") before matching; function words
    and punctuation the explanation uses in its own sentence are not citations.
    """
    from .citing import citations

    return [c["unit"] for c in citations(explanation, units, word_forms)]


def cited_spans(
    explanation: str, words: list[str], word_forms: bool = False
) -> list[tuple[int, int]]:
    """Where the explanation names any of ``words``; a longer match wins an overlap."""
    found = [span for spans in _spans(explanation, words, word_forms) for span in spans]
    taken: list[tuple[int, int]] = []
    for s, e in sorted(found, key=lambda span: span[0] - span[1]):
        if all(e <= a or s >= b for a, b in taken):
            taken.append((s, e))
    return sorted(taken)


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
