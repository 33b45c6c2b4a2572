"""A SmolLM2-135M-class checkpoint built locally: the config by hand, random weights, own tokenizer.

Random weights cost the same per forward as trained ones (the same shapes, the same matmuls);
the tokenizer is a byte-level BPE trained on a generated corpus with a ChatML template, so the
prompt has the shape and length of a real chat prompt. Nothing is downloaded.
"""

from __future__ import annotations

import random
from pathlib import Path

from inspector.demo import tiny

# SmolLM2-135M's config.json, written out.
SMOLLM2_135M = dict(
    vocab_size=49152,
    hidden_size=576,
    intermediate_size=1536,
    num_hidden_layers=30,
    num_attention_heads=9,
    num_key_value_heads=3,
    rope_theta=100000.0,
    tie_word_embeddings=True,
    max_position_embeddings=8192,
    rms_norm_eps=1e-5,
    hidden_act="silu",
)

# ~20 words, as in the target.
INPUT = (
    "The pasta arrived cold and rather bland, although our young waiter was friendly and the dessert "
    "tasted absolutely wonderful tonight."
)

PROBE = """
name = "bench sentiment"
chat = true
prompt = "Review: {input}\\nIs this review positive or negative? Answer with one word."
[labels]
positive = ["Positive", "positive"]
negative = ["Negative", "negative"]
[explanation]
prompt = "Review: {input}\\nYou answered \\"{label}\\". Which words made you answer that?"
max_new_tokens = 12
"""

_WORDS = (
    "the a food service pasta pizza waiter staff dessert room was were is and but although our "
    "my their cold warm bland tasty friendly rude slow quick absolutely really quite tonight "
    "yesterday arrived tasted looked wonderful awful great terrible review positive negative "
    "answer with one word which words made you answered that this is or"
).split()


def corpus(n: int = 4000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    lines = [
        INPUT,
        "Is this review positive or negative? Answer with one word.",
        "Positive",
        "Negative",
    ]
    for _ in range(n):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 20))]
        words[0] = words[0].capitalize()
        lines.append(" ".join(words) + rng.choice([".", "!", "?", ","]))
    return lines


def build_checkpoint(folder: Path, seed: int = 0) -> Path:
    """Write the checkpoint (safetensors + tokenizer) so it loads through the app's own path."""
    from transformers import LlamaConfig

    tok = tiny.bpe_tokenizer(corpus(seed=seed), vocab_size=2000)
    model = tiny.build_model(LlamaConfig(**SMOLLM2_135M), tok, seed=seed)
    return tiny.save_checkpoint(model.eval(), tok, folder)


QUESTION = "Is this review positive or negative? Answer with one word."


def write_probe(folder: Path, question_first: bool = False) -> Path:
    """The benchmark probe; ``question_first`` puts the question before the review."""
    path = Path(folder) / "bench.toml"
    text = PROBE
    if question_first:
        text = text.replace(f"Review: {{input}}\\n{QUESTION}", f"{QUESTION}\\nReview: {{input}}", 1)
        assert text != PROBE
    path.write_text(text)
    return path
