"""Which input units an explanation names: whole words, or (opt-in) their inflected forms."""

from inspector.core.explanation import base_forms, cited_spans, cited_units
from inspector.core.results import Settings
from inspector.core.units import Unit, word_units
from inspector.qt.stated_panel import highlight_cited

TEXT = "the refund was slow but our waiter stopped by"


def _cited(explanation: str, word_forms: bool, text: str = TEXT) -> list[str]:
    units = word_units(text)
    return [units[i].text for i in cited_units(explanation, units, word_forms)]


def test_whole_words_only_without_word_forms():
    said = "Refunds were slow, and the Waiter's stopping by."
    # "the" and "by" are the explanation's own function words, not citations (issue #17)
    assert _cited(said, False) == ["slow", "waiter"]  # "'s" ends a word
    assert _cited("slowly", False) == []  # never a part of a word


def test_word_forms_cite_plurals_tenses_and_possessives():
    said = "Refunds were slow, and the Waiter's stopping by."
    assert _cited(said, True) == ["refund", "slow", "waiter", "stopped"]
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
    # each mark links to its place in the explanation, so hovering it can say why it counts
    assert ">refunds</span>" in html and html.startswith(
        'Our waiters stopped; no <a href="cite:24"'
    )
    assert highlight_cited("a <b> & refund", ["refund"], False).startswith(
        'a &lt;b&gt; &amp; <a href="cite:8"'
    )


def test_results_cited_by_the_old_rules_are_not_served_from_the_cache():
    # what counts as cited changed (issue #17): the citing version is part of every key
    assert '"citing": 2' in Settings().key()
    assert Settings(word_forms=False).key() != Settings().key()
    assert Settings(tau=0.2).key() != Settings().key()


def test_a_word_with_combining_marks_is_cited_whole():
    text = "हिन्दी फिल्म great"
    assert _cited("मुझे हिन्दी पसंद", False, text) == ["हिन्दी"]
    assert _cited("हिन्", False, text) == []  # a part of the word, cut before its vowel sign


def _why(explanation: str, text: str, word_forms: bool = True) -> list[tuple[str, str, str]]:
    from inspector.core.citing import citations

    units = word_units(text)
    return [
        (units[c["unit"]].text, c["how"], c["matched"])
        for c in citations(explanation, units, word_forms)
    ]


def test_a_sentence_built_of_function_words_cites_nothing():
    # the measured defect: a 135M model's sentence "cited" the review's top unit "The"
    said = 'The review was "negative" and "positive" combined.'
    assert _why(said, "The food was cold and the staff was rude") == []
    assert _cited("It is what it was, and they were there.", True, "it was they there the") == []


def test_quoted_units_are_cited_first_function_words_included():
    text = "the soup was not hot"
    assert _why('because of "not" and “the soup”', text) == [
        ("the", "quoted", "the"),
        ("soup", "quoted", "soup"),
        ("not", "quoted", "not"),
    ]
    # an apostrophe is not a quote: "don't" and "reviewer's" open nothing
    assert _why("the reviewer's soup wasn't hot, don't 'the' it", text) == [
        ("the", "quoted", "the"),
        ("soup", "word", "soup"),
        ("hot", "word", "hot"),
    ]
    assert _why("'Soups'", text) == [("soup", "quoted", "Soups")]  # word forms inside quotes


def test_why_a_unit_counts_is_recorded_case_and_inflection_tolerant():
    assert _why("REFUNDS and a refund", "no refund at all") == [("refund", "word", "refund")]
    assert _why("Refunded!", "no refund at all") == [("refund", "word form", "Refunded")]
    assert _why("Refunded!", "no refund at all", word_forms=False) == []


def test_punctuation_is_cited_only_as_a_whole_quote():
    from inspector.core.citing import citations

    units = [Unit("great", 0, 5), Unit("!", 5, 6)]
    assert [c["unit"] for c in citations("Great! Truly!", units)] == [0]
    assert [c["unit"] for c in citations('the "!" at the end', units)] == [1]


def test_negators_stay_citable():
    assert _cited("it is not good", True, "not good at all") == ["not", "good"]
