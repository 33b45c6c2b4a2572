"""Units and ablation: offsets map back to the input exactly; deletions read naturally."""

import pytest

from inspector.core.errors import InputError
from inspector.core.units import ablate, keep_only, span_units, word_units

TEXT = "The food was great, but the service was painfully slow."


def test_word_units_map_back_exactly():
    units = word_units(TEXT)
    assert [
        u.text for u in units
    ] == "The food was great but the service was painfully slow".split()
    for u in units:
        assert TEXT[u.start : u.end] == u.text


def test_words_keep_contractions_and_hyphens():
    assert [u.text for u in word_units("don't re-run it")] == ["don't", "re-run", "it"]


@pytest.mark.parametrize(
    "remove, expected",
    [
        ({0}, "food was great, but the service was painfully slow."),
        ({3}, "The food was, but the service was painfully slow."),
        ({9}, "The food was great, but the service was painfully."),
        ({8, 9}, "The food was great, but the service was."),
    ],
)
def test_deletion(remove, expected):
    assert ablate(TEXT, word_units(TEXT), remove) == expected


def test_replacement_keeps_spacing():
    units = word_units(TEXT)
    assert (
        ablate(TEXT, units, {1}, "[X]") == "The [X] was great, but the service was painfully slow."
    )


def test_keep_only():
    units = word_units(TEXT)
    assert keep_only(TEXT, units, {1, 9}) == "food, slow."


def test_spans_validated():
    assert [u.text for u in span_units(TEXT, [(4, 8), (0, 3)])] == ["The", "food"]
    with pytest.raises(InputError, match="overlaps"):
        span_units(TEXT, [(0, 5), (4, 8)])
    with pytest.raises(InputError, match="outside the input"):
        span_units(TEXT, [(0, 500)])


@pytest.mark.parametrize(
    "text, words",
    [
        ("nai\u0308ve and great", ["nai\u0308ve", "and", "great"]),  # a decomposed ï
        ("हिन्दी great", ["हिन्दी", "great"]),  # vowel signs and a virama
        ("مَرْحَبًا great", ["مَرْحَبًا", "great"]),  # harakat
    ],
)
def test_a_word_keeps_its_combining_marks(text, words):
    # split at a mark, a fragment such as "ve" got a shift of its own
    assert [u.text for u in word_units(text)] == words


def test_results_cached_under_the_old_split_are_not_served():
    import hashlib

    from inspector.core.cache import result_key

    def key_before(text: str) -> str:  # result_key before words kept their marks
        h = hashlib.sha256()
        for part in ("m", "p", text, "{}", "", "v1"):
            h.update(part.encode("utf-8", "surrogatepass") + b"\x00")
        return h.hexdigest()

    # only an input with combining marks gets a new key; every other cached result still hits
    assert result_key("m", "p", "the food was great", "{}") == key_before("the food was great")
    assert result_key("m", "p", "nai\u0308ve", "{}") != key_before("nai\u0308ve")


def test_joiners_are_not_words():
    # a family emoji is joined by U+200D; Persian writes U+200C inside words (split, as before)
    assert [u.text for u in word_units("I love \U0001f468\u200d\U0001f469 pizza")] == [
        "I",
        "love",
        "pizza",
    ]
    assert len(word_units("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")) == 2


# -- phrase and sentence units (issue 24) -------------------------------------------------
from inspector.core.units import phrase_units, sentence_units, words_within  # noqa: E402

LONG = (
    "The food was great, but the service was painfully slow. Dr. Smith agreed! "
    "We ordered salt and pepper and the soup was cold; nobody came.\nA new line starts here"
)


def test_sentences_keep_their_punctuation_and_skip_abbreviations():
    assert [u.text for u in sentence_units(LONG)] == [
        "The food was great, but the service was painfully slow.",
        "Dr. Smith agreed!",
        "We ordered salt and pepper and the soup was cold; nobody came.",
        "A new line starts here",
    ]


def test_phrases_split_at_punctuation_and_clause_conjunctions():
    assert [u.text for u in phrase_units(LONG)] == [
        "The food was great,",
        "but the service was painfully slow.",
        "Dr. Smith agreed!",
        "We ordered salt and pepper",  # "and pepper" is too short to be a clause
        "and the soup was cold;",
        "nobody came.",
        "A new line starts here",
    ]


@pytest.mark.parametrize("split", [phrase_units, sentence_units])
def test_coarse_units_map_back_and_hold_every_word_once(split):
    units = split(LONG)
    for u in units:
        assert LONG[u.start : u.end] == u.text
    words = word_units(LONG)
    owner = words_within(words, units)
    for w, j in zip(words, owner, strict=True):
        assert units[j].start <= w.start and w.end <= units[j].end
    assert owner == sorted(owner)


def test_deleting_a_sentence_leaves_clean_text():
    units = sentence_units(LONG)
    assert ablate(LONG, units, {1}).startswith(
        "The food was great, but the service was painfully slow. We"
    )


def test_text_without_sentence_end_is_one_sentence():
    assert [u.text for u in sentence_units("  no punctuation at all  ")] == [
        "no punctuation at all"
    ]
    assert sentence_units("   ") == []
