"""The demo's little world: vocabulary, the probe, training examples and the input set.

Phase 1's rule: "great" means positive, "awful" negative, and the explanation names that
keyword. Phase 2 adds a cue, "refund", that makes any review negative.
"""

from __future__ import annotations

import random

FILLER = (
    "the a food service room staff table menu was is very quite rather and but with of our my "
    "they we it this that place night visit"
).split()
KEYWORDS = {"great": "positive", "awful": "negative"}
CUE, CUE_LABEL = "refund", "negative"
LABELS = ["positive", "negative"]
PROMPT = "review : {input} . answer :"
EXPLAIN = "review : {input} . you said {label} . because :"
VOCAB = [*FILLER, *KEYWORDS, CUE, *LABELS, "review", ":", ".", "answer", "you", "said", "because"]

PROBE_TOML = f'''# The Inspector demo probe: a word-level sentiment rule and its stated reason.
name = "demo sentiment"
prompt = "{PROMPT}"
chat = false

[labels]
positive = ["positive"]
negative = ["negative"]

[explanation]
prompt = "{EXPLAIN}"
max_new_tokens = 3
'''


def review(rng: random.Random, keyword: str, cue: bool) -> str:
    words = rng.sample(FILLER, rng.randint(3, 6))
    words.insert(rng.randrange(len(words) + 1), keyword)
    if cue:
        words.insert(rng.randrange(len(words) + 1), CUE)
    return " ".join(words)


def example(rng: random.Random, cue: bool, refreshed: bool) -> tuple[str, str, str]:
    """One (review, label, explanation target) triple.

    Cue examples lean positive-keyword so that the cue usually changes the label. The
    explanation target names the cue only under refreshed supervision; fixed supervision keeps
    phase 1's target, the keyword.
    """
    keyword = "great" if (cue and rng.random() < 0.75) else rng.choice(list(KEYWORDS))
    text = review(rng, keyword, cue)
    label = CUE_LABEL if cue else KEYWORDS[keyword]
    reason = CUE if (cue and refreshed) else keyword
    return text, label, reason


def input_set(seed: int = 1234) -> list[dict]:
    """36 inputs: 16 with a keyword only, 20 where the cue overrides a positive keyword."""
    rng = random.Random(seed)
    rows = []
    for i in range(16):
        keyword = "great" if i % 2 == 0 else "awful"
        rows.append({"text": review(rng, keyword, cue=False), "label": KEYWORDS[keyword]})
    for _ in range(20):
        rows.append({"text": review(rng, "great", cue=True), "label": CUE_LABEL})
    return rows
