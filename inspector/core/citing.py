"""What counts as citing a unit: naming it as a reason, not reusing it in one's own sentence.

An explanation such as ``The review was "negative".`` uses "The" and "was" to build its
sentence; counting them as citations gave a real model Hit@1 = 1 for a review whose top unit
was "the". The rules, in order (docs/METRICS.md, "What counts as cited"):

1. A unit named inside a quoted span is cited ("quoted"), function words included: quoting
   a word is naming it.
2. Outside quotes, closed-class function words and units without a letter or digit are never
   cited.
3. Any other (content) unit is cited when the explanation names it as a whole word, case
   folded ("word"), or, with word forms on, by an inflected form ("word form": refunds,
   refunded for refund).
"""

from __future__ import annotations

import regex

from .explanation import _named, base_forms
from .units import WORD_RE, Unit

# Closed-class English words by Penn Treebank tag: determiners and articles (DT, PDT, WDT),
# pronouns (PRP, PRP$, WP, WP$, EX), prepositions and subordinators (IN, TO), coordinators
# (CC), modals (MD) and the auxiliaries be/have/do in all forms, plus their common
# contractions. Negators (not, no, never, n't forms, nor) are deliberately NOT here: a
# negation is often the very unit that decides a label, and an explanation that names it
# ("because of 'not'") must be able to cite it. Degree adverbs (very, too) are open-class, and
# words that are also common verbs or nouns (like, done) stay out.
FUNCTION_WORDS = frozenset(
    """
    a an the this that these those each every either neither some any all both half such
    what which whichever whatever whose another
    i me my mine myself you your yours yourself yourselves he him his himself she her hers
    herself it its itself we us our ours ourselves they them their theirs themselves
    who whom whoever one ones there
    of in on at by for with about against between into through during before after above
    below to from up down out off over under again further than as via per upon onto
    within without across along among around behind beyond near since until till toward
    towards unto
    and or but so yet if then because while although though whether unless whereas
    can could may might must shall should will would ought
    be am is are was were been being have has had having do does did doing
    i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd she'd
    we'd they'd i'll you'll he'll she'll it'll we'll they'll that's there's what's let's
    """.split()
)
HOW = ("quoted", "word", "word form")

_ALNUM = regex.compile(r"[\p{L}\p{N}]")
# opening and closing quote pairs; a straight or curly single quote must not touch a letter on
# its outer side, so the apostrophes of "don't" and "reviewer's" never open or close a quote
_QUOTES = regex.compile(
    r'"(?P<q>[^"]+)"|“(?P<q>[^”]+)”|«(?P<q>[^»]+)»|„(?P<q>[^“”]+)[“”]|`(?P<q>[^`]+)`'
    r"|(?<![\p{L}\p{N}])'(?P<q>[^']+)'(?![\p{L}\p{N}])"
    r"|(?<![\p{L}\p{N}])‘(?P<q>[^’]+)’(?![\p{L}\p{N}])"
)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of what the explanation puts in quotes (the inside, without the marks)."""
    return [m.span("q") for m in _QUOTES.finditer(text)]


def is_function_word(word: str) -> bool:
    return word.casefold().replace("’", "'") in FUNCTION_WORDS


def is_content(unit_text: str) -> bool:
    """A unit that may be cited outside quotes: it has a letter or digit and a non-function word."""
    words = WORD_RE.findall(unit_text)
    if not words or not _ALNUM.search(unit_text):
        return False
    return not all(is_function_word(w) for w in words)


def _form_match(
    text: str, phrase: str, lo: int = 0, hi: int | None = None
) -> tuple[int, int] | None:
    """First place in text[lo:hi] naming a word form of every word of ``phrase``, in order."""
    hi = len(text) if hi is None else hi
    found = [m for m in WORD_RE.finditer(text, lo, hi)]
    want = [base_forms(w) for w in WORD_RE.findall(phrase)]
    n = len(want)
    if not n:
        return None
    forms = [base_forms(m.group()) for m in found]
    for i in range(len(found) - n + 1):
        if all(forms[i + k] & want[k] for k in range(n)):
            return found[i].start(), found[i + n - 1].end()
    return None


def _plain(text: str, unit: str, lo: int = 0, hi: int | None = None) -> tuple[int, int] | None:
    hi = len(text) if hi is None else hi
    for s, e in _named(text, unit):
        if s >= lo and e <= hi:
            return s, e
    return None


def _why(text: str, unit: str, word_forms: bool, quotes: list[tuple[int, int]]) -> dict | None:
    said = text.casefold()
    for lo, hi in quotes:
        if not _ALNUM.search(unit):  # punctuation is named only when it is the whole quote
            if text[lo:hi].strip() == unit:
                return {"how": "quoted", "matched": unit, "at": [lo, hi]}
            continue
        span = _plain(said, unit.casefold(), lo, hi) or (
            _form_match(text, unit, lo, hi) if word_forms else None
        )
        if span:
            return {"how": "quoted", "matched": text[span[0] : span[1]], "at": list(span)}
    if not is_content(unit):
        return None
    span = _plain(said, unit.casefold())
    if span:
        return {"how": "word", "matched": text[span[0] : span[1]], "at": list(span)}
    span = _form_match(text, unit) if word_forms else None
    if span:
        return {"how": "word form", "matched": text[span[0] : span[1]], "at": list(span)}
    return None


def citations(explanation: str, units: list[Unit], word_forms: bool = True) -> list[dict]:
    """Per cited unit, why it counts: ``{"unit": i, "how": …, "matched": …, "at": [s, e]}``.

    ``how`` is one of :data:`HOW`; ``matched`` is the explanation's own text that names the
    unit and ``at`` its character span in the explanation (the first such place).
    """
    quotes = quoted_spans(explanation)
    out = []
    for i, u in enumerate(units):
        why = _why(explanation, u.text.strip(), word_forms, quotes) if u.text.strip() else None
        if why:
            out.append({"unit": i, **why})
    return out


def why_text(record: dict, unit_text: str) -> str:
    """One line for a tooltip: why the unit counts as cited."""
    how, matched = record.get("how"), record.get("matched", "")
    if how == "quoted":
        return f"[{unit_text}] cited: named inside quotes (“{matched}”)"
    if how == "word form":
        return f"[{unit_text}] cited: “{matched}” is a form of it (word forms on)"
    return f"[{unit_text}] cited: the explanation names it (“{matched}”)"
