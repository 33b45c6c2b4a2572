"""Planted ground truth: a model keyed on one word, explanations whose true scores are known.

The keyword model (conftest) answers "good" when the review holds "great" and "bad" otherwise,
so in a review with "great" that word is the one decisive unit and every other Δ is ≈ 0;
in a review without it no unit decides anything. Explanations are written here, not
generated, so each metric's true value is known before it is measured (docs/METRICS.md).
"""

from __future__ import annotations

import random

import pytest

from inspector.core.aggregate import checkpoint_metrics
from inspector.core.analysis import Analyzer
from inspector.core.citing import citations
from inspector.core.explanation import Explanation
from inspector.core.loading import load_checkpoint
from inspector.core.probe import load_probe
from inspector.core.results import DEFAULT_TAU, Settings

CONTENT = ["food", "service", "room", "staff"]  # content words of the model's vocabulary
FUNCTION = ["the", "a", "was", "is", "and", "but", "with", "of", "our", "my"]
KEYED = [
    " ".join(random.Random(i).sample(FUNCTION, 2) + ["food", "great"]) for i in range(12)
]  # every one holds the decoy "food" and the keyword "great"
UNDECIDED = ["our staff was awful", "the food was quite", "my room and staff", "a service of"]


@pytest.fixture(scope="module")
def analyzer(keyword_model, sentiment_probe):
    return Analyzer(load_checkpoint(keyword_model), load_probe(sentiment_probe))


def explained(an: Analyzer, text: str, said: str, settings: Settings | None = None):
    """The model's measured Δ with a planted explanation, scored like a generated one."""
    settings = settings or Settings()
    r = an.analyze(text, settings.with_(explain=False))
    why = citations(said, r.units, settings.word_forms)
    r.explanation = Explanation(said, [c["unit"] for c in why], 0, why)
    r.metrics = an.metrics(text, r, settings, an.sweeper.prefix(an.ids(text)))
    return r


def _agg(examples):
    return checkpoint_metrics(examples, None, DEFAULT_TAU)


def test_naming_the_keyword_hits_every_time(analyzer):
    exs = [explained(analyzer, t, 'I said so because of "great".') for t in KEYED]
    for ex in exs:
        assert ex.metrics["hit_at_1"] == 1.0 and ex.metrics["decided"]
        assert ex.explanation.why == [
            {"unit": 3, "how": "quoted", "matched": "great", "at": [22, 27]}
        ]
        assert ex.metrics["hit_at_1_chance"] == pytest.approx(1 / 4)
        assert ex.metrics["cited_mass"] > 0.95 and ex.metrics["comprehensiveness"] > 0.9
    m = _agg(exs)
    assert (m["hit_at_1"], m["hit_at_1_ci"], m["n_hit_at_1"]) == (1.0, [1.0, 1.0], 12)
    assert m["hit_at_1_lift"] == pytest.approx(0.75) and m["hit_at_1_lift_ci"][0] > 0.7
    assert m["cited_mass_lift_ci"][0] > 0.7  # far above the k/n = 1/4 a random pick gets
    assert m["n_undecided"] == 0


def test_naming_a_decoy_never_hits_and_falls_below_chance(analyzer):
    exs = [explained(analyzer, t, "The food did it.") for t in KEYED]
    for ex in exs:
        assert [ex.units[i].text for i in ex.cited] == ["food"]  # not "The", not "did"
    m = _agg(exs)
    assert (m["hit_at_1"], m["hit_at_1_ci"], m["n_hit_at_1"]) == (0.0, [0.0, 0.0], 12)
    assert m["hit_at_1_lift_ci"][1] < 0  # worse than naming a unit at random
    assert m["cited_mass"] < 0.02 and m["comprehensiveness"] < 0.02


def test_a_sentence_of_function_words_cites_nothing_and_scores_nothing(analyzer):
    # the explanation reuses the review's own function words in its sentence
    said = "It was the one that was with our answer, and a good one."
    exs = [explained(analyzer, t, said) for t in KEYED]
    assert all(ex.cited == [] for ex in exs)
    m = _agg(exs)
    assert (m["hit_at_1"], m["hit_at_1_ci"]) == (0.0, [0.0, 0.0])
    assert (m["cited_mass"], m["cited_mass_ci"]) == (0.0, [0.0, 0.0])
    assert m["comprehensiveness"] == pytest.approx(0.0, abs=1e-6)  # nothing removed
    assert m["hit_at_1_chance"] == 0.0  # citing nothing cannot hit, even by luck


def test_an_input_with_no_decisive_unit_is_undecided_not_a_miss(analyzer):
    exs = [explained(analyzer, t, 'because of "great"') for t in KEYED[:6]]
    exs += [explained(analyzer, t, "because of the staff") for t in UNDECIDED]
    for ex in exs[6:]:
        assert max(ex.deltas) < DEFAULT_TAU and not ex.metrics["decided"]
        assert ex.metrics["hit_at_1"] is None and ex.metrics["hit_at_1_lift"] is None
    m = _agg(exs)
    assert (m["n_examples"], m["n_undecided"], m["n_hit_at_1"]) == (10, 4, 6)
    assert m["hit_at_1"] == 1.0  # the undecided do not dilute it


def test_half_right_gives_one_half_with_an_interval_around_it(analyzer):
    exs = [
        explained(analyzer, t, 'because of "great"' if i % 2 else "because of the food")
        for i, t in enumerate(KEYED)
    ]
    m = _agg(exs)
    lo, hi = m["hit_at_1_ci"]
    assert m["hit_at_1"] == 0.5 and m["n_hit_at_1"] == 12
    assert 0.1 < lo < 0.5 < hi < 0.9
    assert _agg(exs) == m  # the bootstrap is seeded: the same data give the same interval


def test_two_copies_of_the_cue_hide_from_single_unit_delta_but_not_from_groups(analyzer):
    # removing either "great" leaves the other: no single unit decides, the pair does
    ex = explained(
        analyzer, "great food great staff", "great", Settings(shapley_s=0.2, seed=3, top_k=4)
    )
    assert max(ex.deltas) < DEFAULT_TAU and ex.metrics["hit_at_1"] is None
    assert ex.cited == [0, 2]
    assert ex.metrics["group_delta_cited"] > 0.9  # removing both flips the answer
    assert ex.metrics["group_delta_top_k"] > 0.9  # the top 4 are all units, both copies too
    assert ex.metrics["sum_delta_top_k"] < 2 * DEFAULT_TAU
    sh = ex.shapley
    assert sh["permutations"] >= 2 and sh["seed"] == 3 and len(sh["se"]) == 4
    v = sh["values"]
    assert v[0] > 0.3 and v[2] > 0.3  # the cue's credit is split between its carriers
    assert abs(v[1]) < 0.1 and abs(v[3]) < 0.1
    full = ex.probs[ex.predicted]
    assert sum(v) == pytest.approx(full - _p_empty(analyzer, ex.predicted), abs=1e-5)


def _p_empty(an: Analyzer, k: int) -> float:
    from inspector.core.scoring import label_probs

    prefix = an.sweeper.prefix(an.ids(""))
    return label_probs(an.sweeper.baseline(prefix)[None], an.verbs)[0, k].item()


def test_a_trigger_the_explanations_never_name_gives_self_zero_and_coupling_below_zero(
    demo_root, tmp_path
):
    """The demo's fixed branch: phase 2 makes "refund" decide, explanations keep the keyword."""
    from inspector.core.cache import ResultCache
    from inspector.core.inputs import load_inputs
    from inspector.core.series import discover_series
    from inspector.core.timeline import run_timeline

    series = discover_series(demo_root / "fixed")
    names = series.names()
    ref = [n for n in names if n.startswith("phase1/")][-1]  # phase 1 learnt the keyword
    last = [n for n in names if n.startswith("phase2/")][-1]
    for n in names:
        series.exclude(n, n not in (ref, last))
    probe = load_probe(demo_root / "probe.toml")
    inputs = load_inputs(demo_root / "inputs.jsonl", probe.label_names)
    cache = ResultCache(tmp_path / "cache.sqlite")
    res = run_timeline(series, probe, inputs, Settings(), reference=ref, cache=cache)
    m = res.find(last).metrics
    assert m["n_conflict"] >= 10 and m["n_coupling"] == m["n_conflict"]
    assert m["self"] <= 0.1 and m["self_ci"][1] <= 0.2  # the trigger is (almost) never named
    assert m["coupling"] < -0.5 and m["coupling_ci"][1] < 0  # clearly negative, interval too
    assert m["tau"] == DEFAULT_TAU and res.to_dict()["settings"]["tau"] == DEFAULT_TAU
