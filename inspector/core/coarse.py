"""Coarse-to-fine word sweeps for long inputs: a complete, estimated Δ view first (issue 24).

1. Every sentence is ablated once: one shift per sentence.
2. The words of the sentences that matter (Δ at least ``REFINE_SHARE`` of the largest
   sentence Δ, the largest first, within ``REFINE_BUDGET`` of the exact sweep's tokens;
   the top sentence always) are swept exactly.
3. Every other word gets an *estimate*: its sentence's shift spread evenly over the
   sentence's k words, i.e. the label distribution ``p + (p_sentence − p) / k``, whose TVD
   from ``p`` is exactly ``Δ_sentence / k``. The view is now complete and marked estimated.
4. Unless the user asked for the estimate only (``Settings.coarse``), the remaining words
   are swept exactly and replace the estimates as their chunks finish; the final result
   equals a plain word sweep.

Why this estimate: a sentence whose removal barely moves the answer rarely holds a word
that moves it much alone, and spreading the shift keeps the sentence's total visible
without inventing a peak; where that is wrong the exact pass corrects it within the run,
and every estimated unit says so (``ExampleResult.exact``).
"""

from __future__ import annotations

import time

from .metrics import tvd
from .scoring import label_probs
from .units import Unit, ablate, sentence_units, words_within

COARSE_MIN_WORDS = 60  # shorter inputs are swept exactly at once: a preview would not pay
REFINE_SHARE = 0.5
REFINE_BUDGET = 1 / 8


def applies(units: list[Unit], settings, text: str) -> bool:
    """Coarse-to-fine runs for word units of inputs with several sentences and many words."""
    if settings.unit != "word" or len(units) < COARSE_MIN_WORDS:
        return False
    return len(sentence_units(text)) >= 2


def pick_sentences(deltas: list[float], costs: list[int], budget: float) -> list[int]:
    """Sentences to refine: Δ ≥ REFINE_SHARE × max, largest first, total cost within budget.

    The top sentence is always refined, so the preview names at least one word exactly.
    """
    if not deltas:
        return []
    top = max(deltas)
    order = sorted(range(len(deltas)), key=lambda j: -deltas[j])
    chosen, spent = [order[0]], costs[order[0]]
    for j in order[1:]:
        if deltas[j] < REFINE_SHARE * top or deltas[j] <= 0:
            break
        if spent + costs[j] > budget:
            continue
        chosen.append(j)
        spent += costs[j]
    return chosen


def spread(base: list[float], sentence: list[float], k: int) -> list[float]:
    """The estimated distribution for one of the k words of a sentence (TVD = Δ_sentence / k)."""
    return [b + (s - b) / max(k, 1) for b, s in zip(base, sentence, strict=True)]


def run(an, text, units, settings, prefix, result, variants, task, emit, sweep, t_start) -> None:
    """Fill ``result.unit_probs`` coarse-to-fine; ``sweep(indices)`` scores word variants exactly.

    ``variants`` are the word variants' ids; ``sweep`` streams "units" events itself and marks
    what it scored exact. ``seconds["complete_view"]`` counts from ``t_start`` (the request).
    """
    sentences = sentence_units(text)
    owner = words_within(units, sentences)
    filler = settings.filler_or_none
    sent_ids = [an.ids(ablate(text, sentences, {j}, filler)) for j in range(len(sentences))]
    task.progress(0, len(units), f"sweeping {len(sentences)} sentences first")
    sent_probs = label_probs(an.sweeper.score(prefix, sent_ids, task), an.verbs).tolist()
    deltas = [tvd(result.probs, q) for q in sent_probs]

    members: list[list[int]] = [[] for _ in sentences]
    for i, j in enumerate(owner):
        members[j].append(i)
    costs = [an.sweeper.cost(prefix, [variants[i] for i in m]) if m else 0 for m in members]
    chosen = pick_sentences(deltas, costs, REFINE_BUDGET * sum(costs))
    refine = sorted(i for j in chosen for i in members[j])

    result.unit_probs = [
        spread(result.probs, sent_probs[owner[i]], len(members[owner[i]]))
        for i in range(len(units))
    ]
    result.exact = [False] * len(units)
    result.sentences = [
        {"start": s.start, "end": s.end, "delta": d, "refined": j in chosen}
        for j, (s, d) in enumerate(zip(sentences, deltas, strict=True))
    ]
    result.seconds["first_view"] = time.perf_counter() - t_start
    emit("units", result)  # every word holds its sentence's share: the first complete view
    sweep(refine)
    result.seconds["complete_view"] = time.perf_counter() - t_start
    emit("units", result)  # the sentences that matter measured word by word, the rest estimated
    if settings.coarse:
        return
    task.progress(
        sum(result.exact), len(units), "estimated view shown; measuring the other words exactly"
    )
    rest = [i for i in range(len(units)) if not result.exact[i]]
    sweep(rest)
