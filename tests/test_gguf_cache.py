"""A GGUF file is dequantised once: later opens read the cached safetensors (issue 24)."""

from __future__ import annotations

import pytest
from conftest import BPE_CORPUS
from gguf_util import write_gguf

from inspector.core import gguf_cache
from inspector.core.errors import Cancelled
from inspector.core.loading import load_checkpoint
from inspector.core.tasks import TaskState
from inspector.demo import tiny

TEXT = "The food was great but the service was painfully slow."


@pytest.fixture(scope="module")
def bpe_tok():
    return tiny.bpe_tokenizer(BPE_CORPUS)


def _gguf(tmp_path, tok):
    model = tiny.build_model(tiny.llama_config(len(tok)), tok).eval()
    return write_gguf(model, tok, tmp_path / "m.gguf")


def test_second_open_reads_the_cache_and_gives_the_same_weights(tmp_path, bpe_tok, monkeypatch):
    path = _gguf(tmp_path, bpe_tok)
    seen = []
    first = load_checkpoint(path, device="cpu", task=TaskState(lambda d, t, m: seen.append(m)))
    assert any("dequantising" in m for m in seen)  # the first open reports its progress
    sha = gguf_cache.digest(path)
    assert gguf_cache.cached_path(sha).exists()

    from transformers import modeling_gguf_pytorch_utils as gguf_utils

    def no_dequantising(*a, **kw):  # nor its header: config and tokenizer come from the cache
        raise AssertionError("the second open read the GGUF file again")

    monkeypatch.setattr(gguf_utils, "load_gguf_checkpoint", no_dequantising)
    second = load_checkpoint(path, device="cpu")
    assert second.tokenizer(TEXT)["input_ids"] == first.tokenizer(TEXT)["input_ids"]
    assert second.tokenizer.chat_template == first.tokenizer.chat_template
    assert second.info.path == path  # still named as the GGUF file
    a, b = first.model.state_dict(), second.model.state_dict()
    assert a.keys() == b.keys()
    assert all((a[k] == b[k]).all() for k in a)


def test_digest_is_the_file_sha256_and_follows_changes(tmp_path, bpe_tok):
    import hashlib

    path = _gguf(tmp_path, bpe_tok)
    assert gguf_cache.digest(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(path.read_bytes() + b"\0")  # a new file under the same name
    assert gguf_cache.digest(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_cancel_on_first_open_leaves_no_cache_file(tmp_path, bpe_tok):
    path = _gguf(tmp_path, bpe_tok)
    task = TaskState(lambda d, t, m: task.cancel() if "dequantising" in m else None)
    with pytest.raises(Cancelled):
        load_checkpoint(path, device="cpu", task=task)
    assert not list(gguf_cache.folder().rglob("*.safetensors*"))
    load_checkpoint(path, device="cpu")  # and a later open still works
    assert len(list(gguf_cache.folder().rglob("*.safetensors"))) == 1


def test_damaged_cache_file_is_rebuilt(tmp_path, bpe_tok):
    path = _gguf(tmp_path, bpe_tok)
    load_checkpoint(path, device="cpu")
    cached = gguf_cache.cached_path(gguf_cache.digest(path))
    cached.write_bytes(b"not safetensors")
    lm = load_checkpoint(path, device="cpu")
    assert lm.n_params > 0 and cached.stat().st_size > 100
