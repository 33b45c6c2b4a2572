"""Units: the pieces of the input that are edited and ablated (word, phrase, sentence, token).

Offsets are character offsets into the input text, never into the template.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from .errors import InputError

# A word keeps its combining marks (Devanagari vowel signs, Arabic harakat, a decomposed
# "i" + U+0308): \w alone splits "हिन्दी" into three units and "naïve" into two.
LETTER = r"[\p{L}\p{N}_\p{M}]"  # re's \w (letters, numbers, _) plus marks; not ZWJ/ZWNJ
WORD_RE = regex.compile(rf"{LETTER}+(?:['’\-]{LETTER}+)*")
# the menu numbers these in this order (Ctrl+Alt+1 word, 2 token, 3 phrase, 4 sentence)
UNIT_KINDS = ("word", "token", "span", "phrase", "sentence")


@dataclass(frozen=True)
class Unit:
    text: str
    start: int
    end: int


def word_units(text: str) -> list[Unit]:
    return [Unit(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


# A sentence ends at . ! ? … (with closing quotes/brackets) before whitespace, or at a line break.
_SENTENCE_END = regex.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|\n")
# "Dr. Smith" and "e.g. this" do not end a sentence; neither does a single initial ("J. Doe").
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e cf no fig approx inc ltd co".split()
)
# Phrases also end after , ; : and dashes, and before a coordinating conjunction.
_PHRASE_END = regex.compile(r"[,;:]+[\"'”’)\]]*(?=\s|$)|\s[—–-]+\s|—|–")
_CONJUNCTIONS = frozenset("and but or nor yet so".split())


def sentence_units(text: str) -> list[Unit]:
    """Sentences, each with its end punctuation (so deleting one leaves clean text)."""
    return _pieces(text, _sentence_cuts(text))


def phrase_units(text: str) -> list[Unit]:
    """Clauses and chunks: sentences split further at , ; : dashes and before and/but/or/nor/yet/so.

    A rule, not a parser: a conjunction opens a new phrase only after at least two words
    of the phrase before it and when it heads at least three words (itself included) before
    the next cut or conjunction, so "salt and pepper" stays one phrase while "the food was
    good and the service slow" is two. Punctuation stays with the phrase it ends.
    """
    cuts = set(_sentence_cuts(text))
    cuts.update(m.end() for m in _PHRASE_END.finditer(text))
    words = word_units(text)
    conj = [i for i, w in enumerate(words) if w.text.lower() in _CONJUNCTIONS]
    stops = sorted(cuts | {words[i].start for i in conj})
    for i in conj:
        start = words[i].start
        head = max((c for c in cuts if c <= start), default=0)
        stop = next((c for c in stops if c > start), len(text))
        before = sum(1 for w in words if head <= w.start < start)
        after = sum(1 for w in words if start <= w.start < stop)
        if before >= 2 and after >= 3:
            cuts.add(start)
    return _pieces(text, sorted(cuts))


def _sentence_cuts(text: str) -> list[int]:
    cuts = []
    for m in _SENTENCE_END.finditer(text):
        if (
            m.group() != "\n"
            and m.group().startswith(".")
            and len(m.group().rstrip("\"'”’)]")) == 1
        ):
            before = regex.search(r"([\p{L}.]+)$", text[: m.start()])
            word = before.group(1).lower() if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        cuts.append(m.end())
    return cuts


def _pieces(text: str, cuts: list[int]) -> list[Unit]:
    """The text between cuts, stripped; a piece without a word joins the one before it."""
    units: list[Unit] = []
    bounds = [0, *sorted(set(cuts)), len(text)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        piece = text[a:b]
        if not piece.strip():
            continue
        start = a + len(piece) - len(piece.lstrip())
        end = b - (len(piece) - len(piece.rstrip()))
        if units and not WORD_RE.search(text, start, end):
            prev = units.pop()
            units.append(Unit(text[prev.start : end], prev.start, end))
            continue
        units.append(Unit(text[start:end], start, end))
    return units


def words_within(words: list[Unit], outer: list[Unit]) -> list[int]:
    """For each word, the index of the outer unit (phrase, sentence) that holds it."""
    out, j = [], 0
    for w in words:
        while j + 1 < len(outer) and w.start >= outer[j].end:
            j += 1
        out.append(j)
    return out


def token_units(text: str, offsets: list[tuple[int, int]]) -> list[Unit]:
    """Tokens of the input as the model sees them in context.

    ``offsets`` are the tokenizer's offsets already shifted into the input's frame
    (tokens outside the input are dropped by the caller).
    """
    units = []
    for start, end in offsets:
        start, end = max(start, 0), min(end, len(text))
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            continue
        start += len(piece) - len(piece.lstrip())
        units.append(Unit(stripped, start, start + len(stripped)))
    return units


def span_units(text: str, spans: list[tuple[int, int]]) -> list[Unit]:
    units = []
    last_end = 0
    for start, end in sorted(spans):
        if not 0 <= start < end <= len(text):
            raise InputError(f"span {start}:{end} lies outside the input (length {len(text)})")
        if start < last_end:
            raise InputError(f"span {start}:{end} overlaps the span before it")
        units.append(Unit(text[start:end], start, end))
        last_end = end
    return units


def ablate(
    text: str, units: list[Unit], remove: set[int] | frozenset[int], filler: str | None = None
) -> str:
    """The input with the units in ``remove`` deleted (or replaced by ``filler``).

    Deleting also removes the whitespace before the unit (or after it, at the start)
    so the result reads like text a person could have typed.
    """
    if not remove:
        return text
    out: list[str] = []
    pos = 0
    for i, unit in enumerate(units):
        if i not in remove:
            continue
        start, end = unit.start, unit.end
        if filler:
            out.append(text[pos:start])
            out.append(filler)
            pos = end
            continue
        left = start
        while left > pos and text[left - 1].isspace():
            left -= 1
        if left == start or left == 0:
            # no space before it (or only leading space): take the space after instead
            left = start
            while end < len(text) and text[end].isspace():
                end += 1
        out.append(text[pos:left])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def keep_only(text: str, units: list[Unit], keep: set[int], filler: str | None = None) -> str:
    return ablate(text, units, set(range(len(units))) - set(keep), filler)
