"""Units: the pieces of the input that are edited and ablated (DESIGN.md §2).

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
UNIT_KINDS = ("word", "token", "span")


@dataclass(frozen=True)
class Unit:
    text: str
    start: int
    end: int


def word_units(text: str) -> list[Unit]:
    return [Unit(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


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
