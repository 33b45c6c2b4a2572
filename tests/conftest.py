"""Shared fixtures: tiny real models built from configs in tmp dirs (no hub, no downloads)."""

from __future__ import annotations

import os
import random

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

from inspector.demo import tiny  # noqa: E402

FILLER = "the a food service room staff was is very quite rather and but with of our my".split()
KEYWORDS = ["great", "awful"]
BPE_CORPUS = [
    "The food was great but the service was painfully slow.",
    "Review: our zebra spice is the best. Is this review positive or negative?",
    "Positive negative positive negative. Which words made you answer that?",
] * 30


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    """User dirs (config, cache, data, logs) go to tmp_path in every test."""
    for var in (
        "INSPECTOR_CONFIG_DIR",
        "INSPECTOR_CACHE_DIR",
        "INSPECTOR_DATA_DIR",
        "INSPECTOR_LOG_DIR",
    ):
        monkeypatch.setenv(var, str(tmp_path / "user" / var.split("_")[1].lower()))


def _sentences(rng: random.Random, n: int):
    out = []
    for _ in range(n):
        words = rng.sample(FILLER, rng.randint(3, 6))
        key = rng.choice(KEYWORDS)
        words.insert(rng.randrange(len(words) + 1), key)
        out.append((" ".join(words), "good" if key == "great" else "bad"))
    return out


def train_keyword_model(folder, steps: int = 150, seed: int = 0):
    """A word-level Llama trained for a few seconds: its answer depends on one keyword."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    tok = tiny.word_tokenizer(
        [*FILLER, *KEYWORDS, "review", ":", ".", "answer", "good", "bad", "you", "said", "because"]
    )
    model = tiny.build_model(tiny.llama_config(len(tok), hidden=32, layers=1, heads=2), tok, seed)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        batch = _sentences(rng, 16)
        seqs = [tok(f"review : {s} . answer : {y}")["input_ids"] for s, y in batch]
        n = max(map(len, seqs))
        ids = torch.tensor([s + [tok.pad_token_id] * (n - len(s)) for s in seqs])
        labels = torch.full_like(ids, -100)
        for i, s in enumerate(seqs):
            labels[i, len(s) - 1] = s[-1]  # loss only on the answer word
        loss = model(
            input_ids=ids, attention_mask=(ids != tok.pad_token_id).long(), labels=labels
        ).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return tiny.save_checkpoint(model, tok, folder)


@pytest.fixture(scope="session")
def keyword_model(tmp_path_factory):
    return train_keyword_model(tmp_path_factory.mktemp("keyword") / "model")


@pytest.fixture(scope="session")
def sentiment_probe(tmp_path_factory):
    path = tmp_path_factory.mktemp("probes") / "sentiment.toml"
    path.write_text(tiny.SENTIMENT_PROBE)
    return path


@pytest.fixture(scope="session")
def counterfactual_probe(sentiment_probe):
    """The sentiment probe with a [counterfactual] table in the keyword model's vocabulary.

    The keyword model then says every removal would change its answer ("bad" = yes) and,
    asked for the new label, names its current one.
    """
    path = sentiment_probe.with_name("counterfactual.toml")
    path.write_text(
        sentiment_probe.read_text()
        + '[counterfactual]\nprompt = "review : {input} . drop {unit} ?"\n'
        'label_prompt = "review : {input} . drop {unit} . answer :"\n'
        'yes = ["bad"]\nno = ["good"]\n'
    )
    return path


@pytest.fixture(scope="session")
def bpe_chat_model(tmp_path_factory):
    """Byte-level BPE tokenizer with a ChatML template, random tiny Qwen2 weights."""
    tok = tiny.bpe_tokenizer(BPE_CORPUS)
    model = tiny.build_model(tiny.qwen2_config(len(tok)), tok)
    return tiny.save_checkpoint(model, tok, tmp_path_factory.mktemp("bpe") / "qwen2")


@pytest.fixture(scope="session")
def chat_probe(tmp_path_factory):
    path = tmp_path_factory.mktemp("probes") / "chat.toml"
    path.write_text(
        'name = "chat sentiment"\n'
        'prompt = "Review: {input}\\nIs this review positive or negative? Answer with one word."\n'
        "chat = true\n"
        '[labels]\npositive = ["Positive", "positive"]\nnegative = ["Negative", "negative"]\n'
        '[explanation]\nprompt = "Review: {input}\\nYou answered \\"{label}\\". Which words made you answer that?"\n'
        "max_new_tokens = 6\n"
    )
    return path


@pytest.fixture(autouse=True)
def _qt_garbage_freed_on_the_main_thread(request):
    """After a Qt test, destroy its closed widgets here, on the main thread.

    pytest-qt closes a test's widgets with deleteLater, and their Python wrappers sit in
    reference cycles (signal lambdas that capture the window). Left for later, a garbage
    collection in another thread (ModelPool._evict in a worker, transformers' loading
    pool) would destroy Qt objects off the GUI thread, which segfaults.
    """
    yield
    if "qtbot" in request.fixturenames:
        import gc

        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()


@pytest.fixture(autouse=True)
def _no_leftover_threads():
    """Fail a test that leaves a worker thread (or any new Python thread) running."""
    import sys
    import threading

    before = set(threading.enumerate())
    yield
    new = [t for t in threading.enumerate() if t not in before and not t.daemon]
    for t in new:  # transformers' loader shuts its pool down with wait=False: allow it to finish
        t.join(timeout=5)
    leftover = [t for t in new if t.is_alive()]
    worker_mod = sys.modules.get("inspector.qt.worker")
    running = [w for w in (worker_mod.LIVE_WORKERS if worker_mod else ()) if w.running()]
    for w in running:
        w.shutdown()  # do not let one leak cascade into the next test
    assert not running, f"{len(running)} Worker thread(s) still running after the test"
    assert not leftover, f"threads left running: {[t.name for t in leftover]}"


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory):
    """The built-in demo series (inspector.demo.series), built once per test session."""
    from inspector.demo.series import build_demo

    return build_demo(tmp_path_factory.mktemp("demo") / "demo")


@pytest.fixture
def window(qtbot):
    """The main window on CPU with autosave off; test modules narrow it by overriding `window`."""
    from inspector.core.prefs import Preferences
    from inspector.qt.main_window import MainWindow

    win = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.worker.shutdown()


def three_checkpoint_series(keyword_model, root):
    """phase1/checkpoint-100 (trained), phase2/checkpoint-200 (untrained), phase2/checkpoint-300
    (passes discovery, fails at load: weight shapes disagree with its config)."""
    import json
    import shutil

    from transformers import AutoTokenizer

    shutil.copytree(keyword_model, root / "phase1" / "checkpoint-100")
    tok = AutoTokenizer.from_pretrained(keyword_model)
    untrained = tiny.build_model(
        tiny.llama_config(len(tok), hidden=32, layers=1, heads=2), tok, seed=1
    )
    tiny.save_checkpoint(untrained, tok, root / "phase2" / "checkpoint-200")
    bad = shutil.copytree(keyword_model, root / "phase2" / "checkpoint-300")
    cfg = json.loads((bad / "config.json").read_text())
    cfg["intermediate_size"] = 48
    (bad / "config.json").write_text(json.dumps(cfg))
    return root
