"""Which input units an explanation names: whole words, or (opt-in) their inflected forms."""

from inspector.core.explanation import base_forms, cited_spans, cited_units
from inspector.core.results import Settings
from inspector.core.units import Unit, word_units
from inspector.qt.stated_panel import highlight_cited

TEXT = "the refund was slow but our waiter stopped by"


def _cited(explanation: str, word_forms: bool, text: str = TEXT) -> list[str]:
    units = word_units(text)
    return [units[i].text for i in cited_units(explanation, units, word_forms)]


def test_whole_words_only_by_default():
    said = "Refunds were slow, and the Waiter's stopping by."
    assert _cited(said, False) == ["the", "slow", "waiter", "by"]  # "'s" ends a word
    assert _cited("slowly", False) == []  # never a part of a word


def test_word_forms_cite_plurals_tenses_and_possessives():
    said = "Refunds were slow, and the Waiter's stopping by."
    assert _cited(said, True) == ["the", "refund", "slow", "waiter", "stopped", "by"]
    assert _cited("parties boxes liked", True, "party box like") == ["party", "box", "like"]


def test_word_forms_keep_short_words_and_other_words_apart():
    assert _cited("her was is", True, "here wa i") == []
    assert _cited("the food", True, "a thing") == []  # thing is not the + ing
    assert _cited("seeds, adding", True, "see ad") == []


def test_word_forms_only_add_to_the_plain_match():
    for forms in (False, True):
        assert _cited("a well-known place", forms, "known place") == ["known", "place"]
        assert _cited("STRASSE", forms, "Straße") == ["Straße"]  # case is folded, not lowered
    assert _cited("slowly", True) == []  # -ly is not an inflection
    assert base_forms("class") == {"class"}  # a double s is not a plural


def test_a_phrase_unit_is_cited_when_all_its_words_are():
    units = [Unit("waiter stopped", 0, 14), Unit("refund", 15, 21)]
    assert cited_units("the waiters stayed by", units, True) == []
    assert cited_units("the waiters stopped by", units, True) == [0]
    assert cited_units("the waiters stopped by", units, False) == []


def test_highlight_marks_what_was_matched_longest_first():
    said = "Our waiters stopped; no refunds."
    assert cited_spans(said, ["waiter stopped", "waiter", "refund"], True) == [(4, 19), (24, 31)]
    html = highlight_cited(said, ["refund"], True)
    assert ">refunds</span>" in html and html.startswith("Our waiters stopped; no <span")
    assert highlight_cited("a <b> & refund", ["refund"], False).startswith(
        "a &lt;b&gt; &amp; <span"
    )


def test_results_cached_before_word_forms_existed_are_still_found():
    # cache keys of the default settings are what they were before the field was added
    assert "word_forms" not in Settings().key()
    assert Settings(word_forms=True).key() != Settings().key()


def test_a_word_with_combining_marks_is_cited_whole():
    text = "हिन्दी फिल्म great"
    assert _cited("मुझे हिन्दी पसंद", False, text) == ["हिन्दी"]
    assert _cited("हिन्", False, text) == []  # a part of the word, cut before its vowel sign
