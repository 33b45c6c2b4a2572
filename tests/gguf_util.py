"""Write a real .gguf file from a tiny transformers model, the way llama.cpp's converter does.

F32 tensors, a byte-level BPE vocabulary ("gpt2" tokenizer model with tokens, merges and token types),
llama's Q/K row permutation and GPT-2's transposed Conv1D weights, which transformers' GGUF loader
reverses on load.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ARCHS = {"llama": "llama", "qwen2": "qwen2", "gpt2": "gpt2"}
# GPT-2 keeps these as Conv1D [in, out]; llama.cpp stores them [out, in]
_GPT2_CONV1D = ("c_attn.weight", "c_proj.weight", "c_fc.weight")


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    # llama.cpp stores rotary halves interleaved; see convert_hf_to_gguf.py LlamaModel.permute
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def _tokenizer_metadata(writer, tokenizer) -> None:
    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    vocab = spec["model"]["vocab"]
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    special = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
    for content, idx in special.items():
        while len(tokens) <= idx:
            tokens.append(f"[PAD{len(tokens)}]")
        tokens[idx] = content
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if t in special else 1 for t in tokens])  # 3 = CONTROL, 1 = NORMAL
    writer.add_token_merges(merges)
    for setter, tok in (
        (writer.add_bos_token_id, tokenizer.bos_token_id),
        (writer.add_eos_token_id, tokenizer.eos_token_id),
        (writer.add_pad_token_id, tokenizer.pad_token_id),
    ):
        if tok is not None:
            setter(tok)
    if tokenizer.chat_template:
        writer.add_chat_template(tokenizer.chat_template)


def write_gguf(model, tokenizer, path: Path) -> Path:
    """Save ``model`` (Llama, Qwen2 or GPT-2) and its byte-level BPE ``tokenizer`` as one F32 .gguf file."""
    import gguf

    cfg = model.config
    arch = ARCHS[cfg.model_type]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_name(f"tiny-{arch}")
    _model_metadata(writer, cfg, arch)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    _tokenizer_metadata(writer, tokenizer)
    names = gguf.get_tensor_name_map(
        gguf.MODEL_ARCH_NAMES_INV[arch]
        if hasattr(gguf, "MODEL_ARCH_NAMES_INV")
        else _arch_enum(gguf, arch),
        cfg.num_hidden_layers,
    )
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight" and cfg.tie_word_embeddings:
            continue
        data = tensor.detach().float().numpy().copy()
        if arch == "llama" and name.endswith("q_proj.weight"):
            data = _permute(data, cfg.num_attention_heads)
        elif arch == "llama" and name.endswith("k_proj.weight"):
            data = _permute(data, cfg.num_key_value_heads)
        elif arch == "gpt2" and name.endswith(_GPT2_CONV1D):
            data = np.ascontiguousarray(data.T)
        gguf_name = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ValueError(f"no GGUF name for {name}")
        writer.add_tensor(gguf_name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _model_metadata(writer, cfg, arch: str) -> None:
    if arch == "gpt2":
        writer.add_context_length(cfg.n_positions)
        writer.add_embedding_length(cfg.n_embd)
        writer.add_block_count(cfg.n_layer)
        writer.add_feed_forward_length(cfg.n_inner or 4 * cfg.n_embd)
        writer.add_head_count(cfg.n_head)
        writer.add_layer_norm_eps(cfg.layer_norm_epsilon)
        writer.add_vocab_size(cfg.vocab_size)
        return
    writer.add_context_length(cfg.max_position_embeddings)
    writer.add_embedding_length(cfg.hidden_size)
    writer.add_block_count(cfg.num_hidden_layers)
    writer.add_feed_forward_length(cfg.intermediate_size)
    writer.add_head_count(cfg.num_attention_heads)
    writer.add_head_count_kv(cfg.num_key_value_heads)
    writer.add_rope_dimension_count(cfg.hidden_size // cfg.num_attention_heads)
    writer.add_rope_freq_base(
        float(getattr(cfg, "rope_theta", None) or cfg.rope_parameters["rope_theta"])
    )
    writer.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    writer.add_vocab_size(cfg.vocab_size)


def _arch_enum(gguf, arch: str):
    return next(k for k, v in gguf.MODEL_ARCH_NAMES.items() if v == arch)
