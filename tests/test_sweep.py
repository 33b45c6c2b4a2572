"""The packed shared-prefix sweep gives the naive loop's numbers, streams, cancels and backs off."""

import pytest
import torch
from conftest import BPE_CORPUS

from inspector.core.analysis import Analyzer
from inspector.core.errors import Cancelled
from inspector.core.loading import load_checkpoint
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.scoring import label_probs, naive_scores, tokenize_verbalizers
from inspector.core.sweep import Sweeper
from inspector.core.tasks import TaskState
from inspector.demo import tiny

TEXT = "Our zebra spice is the best, but the food was painfully slow."
WORD_TEXT = "the staff was very great and our room"


@pytest.fixture(scope="module")
def gpt2_chat_model(tmp_path_factory):
    tok = tiny.bpe_tokenizer(BPE_CORPUS)
    model = tiny.build_model(tiny.gpt2_config(len(tok)), tok, seed=1)
    return tiny.save_checkpoint(model, tok, tmp_path_factory.mktemp("gpt2") / "gpt2")


@pytest.fixture(scope="module")
def qwen2_an(bpe_chat_model, chat_probe):
    return Analyzer(load_checkpoint(bpe_chat_model, device="cpu"), load_probe(chat_probe))


@pytest.fixture(scope="module")
def gpt2_an(gpt2_chat_model, chat_probe):
    return Analyzer(load_checkpoint(gpt2_chat_model, device="cpu"), load_probe(chat_probe))


@pytest.fixture(scope="module")
def llama_an(keyword_model, sentiment_probe):
    return Analyzer(load_checkpoint(keyword_model, device="cpu"), load_probe(sentiment_probe))


def _assert_matches_naive(sweeper: Sweeper, base: list[int], variants: list[list[int]]):
    prefix = sweeper.prefix(base)
    assert sweeper.packable, "the packed path was not used"
    got = sweeper.score(prefix, variants)
    ref = naive_scores(sweeper.model, variants, sweeper.verbs)
    # every verbalizer's probability, and the label distribution a user reads
    assert torch.allclose(got.exp(), ref.exp(), atol=1e-4)
    verbs = sweeper.verbs
    assert torch.allclose(label_probs(got, verbs), label_probs(ref, verbs), atol=1e-4)
    base_ref = naive_scores(sweeper.model, [base], verbs)
    assert torch.allclose(sweeper.baseline(prefix).exp(), base_ref[0].exp(), atol=1e-4)
    return got


@pytest.mark.parametrize("family", ["qwen2", "gpt2"])
@pytest.mark.parametrize("unit", ["word", "token"])
@pytest.mark.parametrize("ablation", ["delete", "replace"])
def test_bpe_chat_sweep_matches_naive(family, unit, ablation, request):
    an = request.getfixturevalue(f"{family}_an")
    assert an.verbs.multi and len(an.verbs.multi) < len(an.verbs.ids), (
        "need single- and multi-token verbalizers"
    )
    assert len(an.verbs.ids) > an.verbs.n_labels, "need several verbalizers per label"
    settings = Settings(unit=unit, ablation=ablation, filler="Which")
    units = an.units(TEXT, settings)
    variants = an.variant_ids(TEXT, units, settings)
    assert len({tuple(v) for v in variants}) == len(variants)
    sweeper = Sweeper(an.lm.model, an.verbs, max_tokens=96)
    _assert_matches_naive(sweeper, an.ids(TEXT), variants)


def test_word_level_llama_with_multi_token_verbalizers(llama_an):
    verbs = tokenize_verbalizers(
        llama_an.lm.tokenizer,
        {"positive": ("good", "good because"), "negative": ("bad", "bad . you said")},
    )
    assert sorted(len(v) for v in verbs.ids) == [1, 1, 2, 4]
    settings = Settings()
    units = llama_an.units(WORD_TEXT, settings)
    variants = llama_an.variant_ids(WORD_TEXT, units, settings)
    got = _assert_matches_naive(
        Sweeper(llama_an.lm.model, verbs, 64), llama_an.ids(WORD_TEXT), variants
    )
    # the trained cue really moves the answer, so the comparison is not between flat outputs
    p_pos = label_probs(got, verbs)[:, 0]
    great = [u.text for u in units].index("great")
    assert p_pos[great] < p_pos.max() - 0.3


def test_variants_of_other_lengths_and_the_baseline_itself(qwen2_an):
    base = qwen2_an.ids(TEXT)
    variants = [
        base,
        base[:-3] + base[-2:],
        base[:5] + base[7:],
        base[:10] + [base[3]] * 4 + base[10:],
    ]
    _assert_matches_naive(Sweeper(qwen2_an.lm.model, qwen2_an.verbs, 384), base, variants)
    # a change at the very first token leaves no shared prefix at all
    _assert_matches_naive(
        Sweeper(qwen2_an.lm.model, qwen2_an.verbs, 384), base, [[base[2]] + base[1:]]
    )


def test_streams_every_variant_once_in_several_chunks(qwen2_an):
    settings = Settings()
    units = qwen2_an.units(TEXT, settings)
    variants = qwen2_an.variant_ids(TEXT, units, settings)
    sweeper = Sweeper(qwen2_an.lm.model, qwen2_an.verbs, max_tokens=40)
    prefix = sweeper.prefix(qwen2_an.ids(TEXT))
    chunks = []
    out = sweeper.score(
        prefix, variants, on_chunk=lambda idx, rows: chunks.append((list(idx), rows.clone()))
    )
    assert len(chunks) >= 3
    seen = sorted(i for idx, _ in chunks for i in idx)
    assert seen == list(range(len(variants)))
    for idx, rows in chunks:
        assert torch.equal(rows, out[idx])


def test_chunks_are_as_few_as_the_budget_allows_and_even(qwen2_an):
    # every forward streams all the weights, so a short trailing chunk costs nearly a full one
    settings = Settings()
    variants = qwen2_an.variant_ids(TEXT, qwen2_an.units(TEXT, settings), settings)
    sweeper = Sweeper(qwen2_an.lm.model, qwen2_an.verbs, max_tokens=250)
    prefix = sweeper.prefix(qwen2_an.ids(TEXT))
    chunks = []
    sweeper.score(prefix, variants, on_chunk=lambda idx, rows: chunks.append(list(idx)))
    sizes = [sweeper.cost(prefix, [variants[i] for i in idx]) for idx in chunks]
    largest_tail = max(sweeper.cost(prefix, [v]) for v in variants)
    assert len(chunks) == -(-sum(sizes) // 250) > 1
    assert max(sizes) - min(sizes) <= largest_tail
    assert max(sizes) <= 250 + largest_tail / 2


def test_sweep_time_is_estimated_from_the_forwards_it_will_run(qwen2_an):
    settings = Settings()
    variants = qwen2_an.variant_ids(TEXT, qwen2_an.units(TEXT, settings), settings)
    sweeper = Sweeper(qwen2_an.lm.model, qwen2_an.verbs, max_tokens=250)
    prefix = sweeper.prefix(qwen2_an.ids(TEXT))
    assert sweeper.estimate(prefix, variants) > 0  # timed from the prompt's own pass
    chunks = []
    sweeper.score(prefix, variants, on_chunk=lambda idx, rows: chunks.append(list(idx)))
    sizes = [sweeper.cost(prefix, [variants[i] for i in idx]) for idx in chunks]
    # forwards that cost 0.1 s plus 2 ms a token: an edit's 3-token pass (0.106 s) must not
    # make the sweep look like 0.106 / 3 s per token, 25 s for 700 tokens
    # the plan is the chunks the sweep ran, each weighted by the context its tokens attend to
    works = sweeper._plan(prefix, variants)
    caches = [max(sweeper._item(prefix.ids, variants[i]).f for i in idx) for idx in chunks]
    assert works == [sweeper._work(n, f + n) for n, f in zip(sizes, caches, strict=True)]
    assert all(w > n for w, n in zip(works, sizes, strict=True))
    sweeper._timed.clear()
    sweeper._timed.extend([(1, 0.102), (3, 0.106), (54, 0.208)])
    expected = sum(0.1 + 0.002 * w for w in works)
    assert sweeper.estimate(prefix, variants) == pytest.approx(expected, rel=1e-3)
    # a GPU: every forward costs the same, and noise tilts the slope below zero
    sweeper._timed.clear()
    sweeper._timed.extend([(1, 0.0150), (3, 0.0148), (250, 0.0149), (300, 0.0147)])
    assert sweeper.estimate(prefix, variants) == pytest.approx(len(sizes) * 0.01485, rel=1e-3)


def test_cancel_mid_sweep_raises(qwen2_an):
    settings = Settings()
    variants = qwen2_an.variant_ids(TEXT, qwen2_an.units(TEXT, settings), settings)
    sweeper = Sweeper(qwen2_an.lm.model, qwen2_an.verbs, max_tokens=40)
    prefix = sweeper.prefix(qwen2_an.ids(TEXT))
    task = TaskState()
    chunks = []

    def on_chunk(idx, rows):
        chunks.append(idx)
        task.cancel()

    with pytest.raises(Cancelled):
        sweeper.score(prefix, variants, task, on_chunk)
    assert len(chunks) == 1


class _OomOnce:
    """Wraps the real forward: the first packed call fails like a CUDA allocator would."""

    def __init__(self, model):
        self.model, self.inner, self.fired = model, model.forward, False

    def __call__(self, *args, **kwargs):
        if not self.fired and kwargs.get("position_ids") is not None:
            self.fired = True
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.inner(*args, **kwargs)


def test_out_of_memory_halves_the_batch_and_results_still_match(qwen2_an):
    settings = Settings()
    variants = qwen2_an.variant_ids(TEXT, qwen2_an.units(TEXT, settings), settings)
    model = qwen2_an.lm.model
    sweeper = Sweeper(model, qwen2_an.verbs, max_tokens=256)
    prefix = sweeper.prefix(qwen2_an.ids(TEXT))
    hook = _OomOnce(model)
    model.forward = hook
    try:
        got = sweeper.score(prefix, variants)
    finally:
        del model.forward
    assert hook.fired
    assert sweeper.max_tokens == 128
    ref = naive_scores(model, variants, qwen2_an.verbs)
    assert torch.allclose(got.exp(), ref.exp(), atol=1e-4)


def test_other_errors_are_not_swallowed(qwen2_an):
    sweeper = Sweeper(qwen2_an.lm.model, qwen2_an.verbs, max_tokens=256)
    prefix = sweeper.prefix(qwen2_an.ids(TEXT))
    with pytest.raises(IndexError):
        sweeper.score(prefix, [[10**7]])
    assert sweeper.max_tokens == 256


class _CountCalls:
    """Wraps a real bound method and records what it was called with."""

    def __init__(self, inner):
        self.inner, self.lengths = inner, []

    def __call__(self, *args, **kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        self.lengths.append(ids.shape[-1])
        return self.inner(*args, **kwargs)


def test_explanation_decodes_with_the_kv_cache(llama_an):
    model = llama_an.lm.model
    spy = _CountCalls(model.forward)
    model.forward = spy
    try:
        llama_an.explain("our room was awful", "negative", [], Settings(max_new_tokens=4))
    finally:
        del model.forward
    prompt = len(
        llama_an.ids("our room was awful", llama_an.probe.explanation_prompt, label="negative")
    )
    assert spy.lengths[0] == prompt
    assert len(spy.lengths) >= 2 and set(spy.lengths[1:]) == {1}  # one new token per step


def test_explanation_is_not_regenerated_when_only_sweep_settings_change(llama_an):
    model = llama_an.lm.model
    spy = _CountCalls(model.generate)
    model.generate = spy
    text = "the food was great but our staff"
    try:
        first = llama_an.analyze(text)
        for settings in (
            Settings(ablation="replace", filler="the"),
            Settings(unit="token"),
            Settings(max_units=3),
        ):
            again = llama_an.analyze(text, settings)
            assert again.explanation.text == first.explanation.text
        assert len(spy.lengths) == 1
        llama_an.analyze(text, Settings(max_new_tokens=2))  # a generation setting does regenerate
        assert len(spy.lengths) == 2
    finally:
        del model.generate


@pytest.mark.parametrize("family", ["qwen2", "gpt2", "llama"])
def test_an_edit_reuses_the_unchanged_head_and_gives_the_fresh_numbers(family, request):
    an = request.getfixturevalue(f"{family}_an")
    text = WORD_TEXT if family == "llama" else TEXT
    edited = text.replace("the", "our", 1) if family == "llama" else text.replace("food", "staff")
    assert edited != text
    warm = Sweeper(an.lm.model, an.verbs)
    warm.prefix(an.ids(text))
    reused, c = warm._reusable(an.ids(edited))
    assert reused is not None and 0 < c < len(an.ids(edited)) - 1, "the edit must reuse a head"
    got = warm.prefix(an.ids(edited))
    fresh = Sweeper(an.lm.model, an.verbs).prefix(an.ids(edited))
    assert [k.shape for k, _ in got.kv] == [k.shape for k, _ in fresh.kv]
    assert torch.allclose(got.first_logprobs.exp(), fresh.first_logprobs.exp(), atol=1e-5)
    settings = Settings()
    variants = an.variant_ids(edited, an.units(edited, settings), settings)
    ref = naive_scores(an.lm.model, variants, an.verbs)
    assert torch.allclose(warm.score(got, variants).exp(), ref.exp(), atol=1e-4)


def test_work_weighs_tokens_by_attention_flops_against_matrix_flops(qwen2_an):
    model = qwen2_an.lm.model
    cfg = model.config
    sweeper = Sweeper(model, qwen2_an.verbs)
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    attention = 4 * cfg.num_hidden_layers * cfg.num_attention_heads * head_dim
    unique = {id(p): p.numel() for p in model.parameters()}
    matrices = sum(unique.values()) - model.get_input_embeddings().weight.numel()
    if model.get_output_embeddings().weight is not model.get_input_embeddings().weight:
        matrices -= model.get_output_embeddings().weight.numel()
    scale = 2 * matrices / attention
    assert sweeper._work(10, 0) == 10
    assert sweeper._work(10, scale) == pytest.approx(20)


def test_time_left_is_re_estimated_after_every_chunk(qwen2_an):
    settings = Settings()
    variants = qwen2_an.variant_ids(TEXT, qwen2_an.units(TEXT, settings), settings)
    sweeper = Sweeper(qwen2_an.lm.model, qwen2_an.verbs, max_tokens=120)
    prefix = sweeper.prefix(qwen2_an.ids(TEXT))
    left = []
    sweeper.score(prefix, variants, on_chunk=lambda idx, rows: left.append(sweeper.remaining))
    assert len(left) > 2
    assert left[-1] == 0.0
    assert all(a > 0 for a in left[:-1])


def test_first_forward_leaves_the_fit_once_a_comparable_one_is_timed(qwen2_an):
    sweeper = Sweeper(qwen2_an.lm.model, qwen2_an.verbs)
    sweeper._record((100.0, 5.0))  # cold: one-off costs
    sweeper._record((1.0, 0.01))  # a short pass: the cold one is still all there is to go by
    assert list(sweeper._timed) == [(100.0, 5.0), (1.0, 0.01)]
    sweeper._record((60.0, 0.3))
    assert list(sweeper._timed) == [(1.0, 0.01), (60.0, 0.3)]
    sweeper._record((200.0, 1.0))
    assert len(sweeper._timed) == 3
