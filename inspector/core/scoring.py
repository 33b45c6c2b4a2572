"""Label scoring by next-token log-probabilities.

p(label | x) = softmax over labels of logsumexp over the label's verbalizers of
sum of the verbalizer's token log-probs. Never free generation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .errors import CheckpointError, ProbeError


@dataclass(frozen=True)
class Verbalizers:
    ids: tuple[tuple[int, ...], ...]  # token ids of each verbalizer
    label_of: tuple[int, ...]  # label index of each verbalizer
    n_labels: int

    @property
    def multi(self) -> list[int]:
        """Verbalizers that need more than the next-token distribution."""
        return [i for i, ids in enumerate(self.ids) if len(ids) > 1]


def tokenize_verbalizers(tokenizer, labels: dict[str, tuple[str, ...]]) -> Verbalizers:
    ids, label_of = [], []
    owner: dict[tuple[int, ...], str] = {}
    for li, (label, verbs) in enumerate(labels.items()):
        for v in verbs:
            toks = tuple(tokenizer(v, add_special_tokens=False)["input_ids"])
            if not toks:
                raise ProbeError(
                    f"label {label!r}: verbalizer {v!r} tokenizes to nothing with this tokenizer"
                )
            unk = getattr(tokenizer, "unk_token_id", None)
            if unk is not None and unk in toks:
                raise ProbeError(f"label {label!r}: verbalizer {v!r} is unknown to this tokenizer")
            special = set(getattr(tokenizer, "all_special_ids", None) or ()) & set(toks)
            if special:
                name = tokenizer.convert_ids_to_tokens(min(special))
                raise ProbeError(
                    f"label {label!r}: verbalizer {v!r} holds the special token {name!r} of this"
                    " tokenizer (padding, turn or end markers are not answers)"
                )
            if toks in owner and owner[toks] != label:
                raise ProbeError(
                    f"labels {owner[toks]!r} and {label!r} tokenize identically ({v!r}); they cannot be told apart"
                )
            owner[toks] = label
            ids.append(toks)
            label_of.append(li)
    return Verbalizers(tuple(ids), tuple(label_of), len(labels))


def label_probs(verb_logprobs: torch.Tensor, verbs: Verbalizers) -> torch.Tensor:
    """[n, n_verbalizers] log-probs -> [n, n_labels] label distribution."""
    n = verb_logprobs.shape[0]
    per_label = torch.full((n, verbs.n_labels), float("-inf"), dtype=torch.float64)
    lp = verb_logprobs.double()
    for li in range(verbs.n_labels):
        cols = [i for i, owner in enumerate(verbs.label_of) if owner == li]
        per_label[:, li] = torch.logsumexp(lp[:, cols], dim=1)
    probs = torch.softmax(per_label, dim=1)
    if not bool(torch.isfinite(probs).all()):
        # NaN/Inf logits (overflow, damaged weights): a label read from them would be noise
        raise CheckpointError(
            "the model's logits are not finite (NaN/Inf); the checkpoint is marked non-finite"
            " and not analysed"
        )
    return probs


@torch.inference_mode()
def naive_scores(model, sequences: list[list[int]], verbs: Verbalizers) -> torch.Tensor:
    """Reference scorer: one full forward per sequence and per multi-token branch.

    Slow and obviously correct; the fast sweep is tested against it.
    """
    device = next(model.parameters()).device
    out = torch.empty(len(sequences), len(verbs.ids), dtype=torch.float64)
    for si, seq in enumerate(sequences):
        ids = torch.tensor([seq], device=device)
        first = torch.log_softmax(model(ids, logits_to_keep=1).logits[0, -1].float(), -1)
        for vi, vids in enumerate(verbs.ids):
            total = first[vids[0]].item()
            if len(vids) > 1:
                ext = torch.tensor([seq + list(vids[:-1])], device=device)
                logits = model(ext, logits_to_keep=len(vids) - 1).logits[0].float()
                lps = torch.log_softmax(logits, -1)
                total += sum(lps[k, vids[k + 1]].item() for k in range(len(vids) - 1))
            out[si, vi] = total
    return out
