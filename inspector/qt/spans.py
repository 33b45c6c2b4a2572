"""Custom span units: marked by the user on the input, carried along as the text is edited."""

from __future__ import annotations

Span = tuple[int, int]


def _changed_region(old: str, new: str) -> tuple[int, int, int]:
    """(start, old_end, new_end) of the one contiguous region that differs."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return start, end_old, end_new


def carry_spans(spans: tuple[Span, ...], old: str, new: str) -> tuple[Span, ...]:
    """Spans before the edit stay, spans after it shift, spans the edit touched are dropped."""
    if old == new:
        return spans
    start, end_old, end_new = _changed_region(old, new)
    shift = end_new - end_old
    out = []
    for a, b in spans:
        if b <= start:
            out.append((a, b))
        elif a >= end_old:
            out.append((a + shift, b + shift))
    return tuple(out)


def add_span(spans: tuple[Span, ...], span: Span) -> tuple[Span, ...]:
    """Add a span, replacing any it overlaps (the core refuses overlapping spans)."""
    a, b = span
    kept = [(x, y) for x, y in spans if y <= a or x >= b]
    return tuple(sorted([*kept, (a, b)]))
