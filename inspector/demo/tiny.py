"""Small tokenizers and model configs built locally: no hub, no downloads.

Used by the demo generator and by the tests, so both exercise the real loading path.
"""

from __future__ import annotations

from pathlib import Path

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WORD_CHAT = (
    "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)
WORD_SPECIALS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]", "<user>", "<assistant>"]
# The probe the tests and the packaging smoke test pair with word-level tiny models.
SENTIMENT_PROBE = """
name = "tiny sentiment"
prompt = "review : {input} . answer :"
[labels]
positive = ["good"]
negative = ["bad"]
[explanation]
prompt = "review : {input} . you said {label} . because :"
max_new_tokens = 4
"""


def word_tokenizer(words, chat: bool = False):
    """A word-level fast tokenizer: one token per word or punctuation mark."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {}
    for w in [*WORD_SPECIALS, *words]:
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="[PAD]",
        unk_token="[UNK]",
        bos_token="[BOS]",
        eos_token="[EOS]",
    )
    fast.add_special_tokens({"additional_special_tokens": ["<user>", "<assistant>"]})
    if chat:
        fast.chat_template = WORD_CHAT
    return fast


def bpe_tokenizer(corpus: list[str], vocab_size: int = 400, chat: bool = True):
    """A byte-level BPE tokenizer trained on ``corpus`` (GPT-2/Qwen style), with a ChatML template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token="<|endoftext|>",
    )
    fast.add_special_tokens({"additional_special_tokens": ["<|im_start|>"]})
    if chat:
        fast.chat_template = CHATML
    return fast


def _llama_like(config_cls, vocab_size: int, hidden: int, layers: int, heads: int, **kw):
    return config_cls(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=max(1, heads // 2),
        max_position_embeddings=512,
        tie_word_embeddings=True,
        **kw,
    )


def llama_config(vocab_size: int, hidden: int = 64, layers: int = 2, heads: int = 4, **kw):
    from transformers import LlamaConfig

    return _llama_like(LlamaConfig, vocab_size, hidden, layers, heads, **kw)


def gpt2_config(vocab_size: int, hidden: int = 64, layers: int = 2, heads: int = 4, **kw):
    from transformers import GPT2Config

    kw.setdefault("bos_token_id", 0)
    kw.setdefault("eos_token_id", 0)
    return GPT2Config(
        vocab_size=vocab_size, n_embd=hidden, n_layer=layers, n_head=heads, n_positions=512, **kw
    )


def qwen2_config(vocab_size: int, hidden: int = 64, layers: int = 2, heads: int = 4, **kw):
    from transformers import Qwen2Config

    return _llama_like(Qwen2Config, vocab_size, hidden, layers, heads, **kw)


def build_model(config, tokenizer, seed: int = 0):
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    config.pad_token_id = tokenizer.pad_token_id
    config.bos_token_id = tokenizer.bos_token_id
    config.eos_token_id = tokenizer.eos_token_id
    if config.vocab_size < len(tokenizer):
        config.vocab_size = len(tokenizer)
    return AutoModelForCausalLM.from_config(config)


def save_checkpoint(model, tokenizer, folder: Path) -> Path:
    from transformers.utils import logging as hf_logging

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # a "Writing model shards" bar per tiny checkpoint drowns the demo's own progress
    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model.save_pretrained(folder, safe_serialization=True)
    finally:
        if was_on:
            hf_logging.enable_progress_bar()
    tokenizer.save_pretrained(folder)
    return folder
