"""Coarse-to-fine word sweeps of long inputs: a complete estimated view first, exact at the end."""

import copy

import pytest

from inspector.core import coarse
from inspector.core.analysis import Analyzer
from inspector.core.loading import load_checkpoint
from inspector.core.metrics import tvd
from inspector.core.probe import load_probe
from inspector.core.results import ExampleResult, Settings

SENTENCES = [
    "my staff was great with our room and food",
    "the staff was very quite rather and our room",
    "our food was the service with my staff",
    "the room is rather quite and the food",
    "the service of our room was very quite",
    "a food with the staff and my room is",
    "the room was quite and our service rather",
    "our staff is the food with a service",
]
LONG = ". ".join(SENTENCES) + "."


@pytest.fixture(scope="module")
def analyzer(keyword_model, sentiment_probe):
    return Analyzer(load_checkpoint(keyword_model), load_probe(sentiment_probe))


def _watch(analyzer, settings, preview=True):
    views = []

    def on_event(kind, r):
        if kind == "units":
            views.append((copy.deepcopy(r.unit_probs), list(r.exact) if r.exact else None))

    result = analyzer.analyze(LONG, settings, on_event=on_event, preview=preview)
    return result, views


def test_long_input_shows_a_complete_estimated_view_then_the_exact_sweep(analyzer):
    settings = Settings(explain=False)
    n = len(analyzer.units(LONG, settings))
    assert n >= coarse.COARSE_MIN_WORDS
    result, views = _watch(analyzer, settings)
    complete = [v for v in views if len(v[0]) == n and v[1] is not None]
    assert not any(complete[0][1])  # first every word holds its sentence's share
    units = analyzer.units(LONG, settings)
    refined = [s for s in result.sentences if s["refined"]]
    measured = [any(s["start"] <= u.start < s["end"] for s in refined) for u in units]
    first_full = next(v for v in complete if v[1] == measured)  # the complete view
    assert not all(first_full[1])  # some shifts are still estimates, and say so
    top = max(result.sentences, key=lambda s: s["delta"])
    assert top["refined"]  # the sentence that matters most is measured word by word
    estimated = [i for i, e in enumerate(first_full[1]) if not e]
    for i in estimated:  # an estimate is its sentence's shift shared among its words
        holder = next(s for s in result.sentences if s["start"] <= units[i].start < s["end"])
        k = sum(holder["start"] <= u.start < holder["end"] for u in units)
        got = 0.5 * sum(abs(a - b) for a, b in zip(result.probs, first_full[0][i], strict=True))
        assert got == pytest.approx(holder["delta"] / k, abs=1e-9)
    # then the exact pass replaces every estimate: the result equals a plain sweep
    plain = analyzer.analyze(LONG, settings)
    assert result.exact is None and result.exactness == "exact"
    for got, want in zip(result.unit_probs, plain.unit_probs, strict=True):
        assert got == pytest.approx(want, abs=1e-6)
    assert result.seconds["complete_view"] < result.seconds["total"]
    assert result.sentences and sum(s["refined"] for s in result.sentences) >= 1


def test_estimate_spreads_the_sentence_shift_over_its_words():
    base, sentence = [0.9, 0.1], [0.3, 0.7]
    word = coarse.spread(base, sentence, 6)
    assert sum(word) == pytest.approx(1)
    assert tvd(base, word) == pytest.approx(tvd(base, sentence) / 6)


def test_sentences_refined_largest_first_within_the_budget():
    deltas = [0.05, 0.6, 0.4, 0.35, 0.1]
    costs = [10, 50, 40, 30, 10]
    assert coarse.pick_sentences(deltas, costs, budget=90) == [1, 2]  # 0.35 ≥ 0.3 but over budget
    assert coarse.pick_sentences(deltas, costs, budget=200) == [1, 2, 3]  # 0.1 < half of 0.6
    assert coarse.pick_sentences(deltas, costs, budget=1) == [1]  # the top one always


def test_coarse_setting_stops_at_the_estimate_and_records_it(analyzer):
    result = analyzer.analyze(LONG, Settings(explain=False, coarse=True))
    assert result.exactness == "estimated"
    d = result.to_dict()
    assert d["exactness"] == "estimated"
    assert {u["exact"] for u in d["units"]} == {True, False}
    back = ExampleResult.from_dict(d)
    assert back.exact == result.exact and back.exactness == "estimated"
    assert Settings(coarse=True).key() != Settings().key()


def test_short_inputs_and_other_units_are_swept_exactly(analyzer):
    short = "the staff was very great and our room. our food was the service."
    result, views = _watch(analyzer, Settings(explain=False))
    assert result.to_dict()["exactness"] == "exact"
    r2 = analyzer.analyze(short, Settings(explain=False), preview=True)
    assert r2.exact is None and "complete_view" not in r2.seconds
    r3 = analyzer.analyze(LONG, Settings(explain=False, unit="sentence"), preview=True)
    assert r3.exact is None and len(r3.units) == len(SENTENCES)
