"""The report model: typed, frozen rows built once from a ``TimelineResult``.

Where it sits between the run and the files: docs/ARCHITECTURE.md, "The path of a report".

The HTML, CSV and SVG writers read only these rows. The JSON writer writes ``Report.document``:
the report JSON (its schema: reports/schema.json) exactly as it was built or read, so a report re-created from its
own JSON (``inspector report --from``) is the same file, byte for byte, even one written by an
older Inspector (``TimelineResult.to_dict`` would add the fields it lacks).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core import metrics as M
from ..core.results import ExampleResult
from ..core.timeline import CheckpointResult, TimelineResult
from .provenance import Provenance, collect_provenance  # noqa: F401 - callers import it here

FORMAT = "inspector-report"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class UnitRow:
    text: str
    start: int
    end: int
    delta: float  # TVD of the label distribution with and without the unit
    signed: float | None  # shift of p(predicted label): the side the unit pushes
    flips: bool
    cited: bool  # the explanation names it


@dataclass(frozen=True)
class ExampleRow:
    """One input at one checkpoint."""

    checkpoint: str
    step: int | None
    index: int
    input: str
    gold: str | None
    label: str
    probs: tuple[tuple[str, float], ...]  # (label, p), in the probe's label order
    units: tuple[UnitRow, ...]
    cited: tuple[int, ...]  # unit indexes the explanation names, in its order
    explanation: str | None  # None: no explanation was requested
    cited_how: tuple[str, ...]  # per citation, how it counts (core.citing)
    metrics: Mapping[str, Any]

    @classmethod
    def of(cls, c: CheckpointResult, index: int, ex: ExampleResult) -> ExampleRow:
        cited = set(ex.cited)
        units = tuple(
            UnitRow(u.text, u.start, u.end, d, s, f, i in cited)
            for i, (u, d, s, f) in enumerate(
                zip(ex.units, ex.deltas, ex.signed, ex.flips, strict=True)
            )
        )
        expl = ex.explanation
        return cls(
            c.name,
            c.step,
            index,
            ex.input,
            ex.gold,
            ex.label,
            tuple(zip(ex.labels, ex.probs, strict=True)),
            units,
            tuple(ex.cited),
            expl.text if expl else None,
            tuple(w.get("how", "") for w in expl.why) if expl else (),
            dict(ex.metrics),
        )

    @property
    def p_label(self) -> float:
        return dict(self.probs)[self.label]

    @property
    def top(self) -> UnitRow | None:
        """The unit of largest Δ (the first of a tie), None without units."""
        i = M.top_unit([u.delta for u in self.units])
        return None if i is None else self.units[i]

    @property
    def cited_texts(self) -> list[str]:
        return [self.units[i].text for i in self.cited if i < len(self.units)]


@dataclass(frozen=True)
class CheckpointRow:
    name: str
    step: int | None
    is_reference: bool
    hash: str | None
    sha256: str | None
    duplicate_of: str | None
    error: str | None
    metrics: Mapping[str, Any]  # core.aggregate's: means, intervals (``k_ci``), n (``n_k``)
    examples: tuple[ExampleRow, ...]

    @classmethod
    def of(cls, c: CheckpointResult, reference: str) -> CheckpointRow:
        return cls(
            c.name,
            c.step,
            c.name == reference,
            c.hash,
            c.sha256,
            c.duplicate_of,
            c.error,
            dict(c.metrics or {}),
            tuple(ExampleRow.of(c, i, ex) for i, ex in enumerate(c.examples)),
        )

    @property
    def degenerate(self) -> str | None:
        return self.metrics.get("degenerate")


@dataclass(frozen=True)
class ChangeRow:
    """One input whose label, top unit or citations differ between A and B."""

    index: int
    input: str
    score: float  # prediction TVD + change of the top Δ (core.timeline_plot.changes)
    prediction_shift: float | None
    top_shift: float | None
    label_a: str
    label_b: str
    top_a: str | None
    top_b: str | None
    cited_a: tuple[str, ...]
    cited_b: tuple[str, ...]
    explanation_changed: bool

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "input": self.input,
            "score": self.score,
            "prediction_shift": self.prediction_shift,
            "top_shift": self.top_shift,
            "label_a": self.label_a,
            "label_b": self.label_b,
            "top_a": self.top_a,
            "top_b": self.top_b,
            "cited_a": list(self.cited_a),
            "cited_b": list(self.cited_b),
            "explanation_changed": self.explanation_changed,
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> ChangeRow:
        return cls(
            d["index"],
            d["input"],
            d["score"],
            d.get("prediction_shift"),
            d.get("top_shift"),
            d["label_a"],
            d["label_b"],
            d.get("top_a"),
            d.get("top_b"),
            tuple(d.get("cited_a") or ()),
            tuple(d.get("cited_b") or ()),
            d["explanation_changed"],
        )


@dataclass(frozen=True)
class Comparison:
    """The app's compare view, as data: checkpoints A and B and the inputs that changed."""

    a: str
    b: str
    same_weights: bool
    changes: tuple[ChangeRow, ...]

    def to_dict(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "same_weights": self.same_weights,
            "changes": [c.to_dict() for c in self.changes],
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> Comparison:
        changes = tuple(ChangeRow.from_dict(c) for c in d["changes"])
        return cls(d["a"], d["b"], bool(d.get("same_weights")), changes)


def compare_checkpoints(result: TimelineResult, a: str, b: str) -> Comparison:
    """Inputs whose label, top unit or citations changed from A to B, largest change first.

    Ranking comes from ``core.timeline_plot.changes`` so the report lists what the app lists.
    """
    from ..core.timeline_plot import changes

    ca, cb = result.find(a), result.find(b)
    for c in (ca, cb):
        if c.error or not c.examples:
            raise ValueError(f"checkpoint {c.name!r} was not analysed; pick two that were")
    rows = []
    for ch in changes(ca, cb):
        ea, eb = ca.examples[ch.index], cb.examples[ch.index]
        said_a = ea.explanation.text if ea.explanation else None
        said_b = eb.explanation.text if eb.explanation else None
        rows.append(
            ChangeRow(
                ch.index,
                ch.text,
                ch.score,
                ch.tvd,
                ch.top_shift,
                ch.label_a,
                ch.label_b,
                ch.top_a,
                ch.top_b,
                tuple(ch.cited_a),
                tuple(ch.cited_b),
                said_a != said_b,
            )
        )
    same = bool(ca.sha256) and ca.hash == cb.hash
    return Comparison(a, b, same, tuple(rows))


def default_pair(result: TimelineResult) -> tuple[str, str] | None:
    """The reference against the last checkpoint that was analysed."""
    ok = [c.name for c in result.checkpoints if not c.error]
    if len(ok) < 2:
        return None
    a = result.reference if result.reference in ok else ok[0]
    b = ok[-1] if ok[-1] != a else ok[0]
    return a, b


def _inputs(result: TimelineResult) -> tuple[str, ...]:
    """The input texts; an old timeline without its input list has them in its examples."""
    return tuple(ex.text for ex in result.inputs) or next(
        (tuple(e.input for e in c.examples) for c in result.checkpoints if c.examples), ()
    )


@dataclass(frozen=True)
class Report:
    timeline: TimelineResult
    provenance: Provenance
    checkpoints: tuple[CheckpointRow, ...]
    compare: Comparison | None
    selected: tuple[int, ...]  # inputs shown in full, in this order
    inputs: tuple[str, ...]
    document: Mapping = field(repr=False, compare=False)  # the report JSON, verbatim

    @classmethod
    def of(
        cls,
        timeline: TimelineResult,
        provenance: Mapping,
        compare: Comparison | None,
        selected,
        document: Mapping,
    ) -> Report:
        rows = tuple(CheckpointRow.of(c, timeline.reference) for c in timeline.checkpoints)
        prov = Provenance.from_dict(provenance)
        return cls(timeline, prov, rows, compare, tuple(selected), _inputs(timeline), document)

    def to_dict(self) -> dict:
        """The report JSON (a copy: the report stays as it was built)."""
        return copy.deepcopy(dict(self.document))

    @classmethod
    def from_dict(cls, d: Mapping) -> Report:
        cmp = Comparison.from_dict(d["compare"]) if d.get("compare") else None
        timeline = TimelineResult.from_dict(d["timeline"])
        return cls.of(timeline, d["provenance"], cmp, d.get("selected", []), d)

    def checkpoint(self, name: str) -> CheckpointRow:
        for c in self.checkpoints:
            if c.name == name:
                return c
        raise KeyError(f"no checkpoint named {name!r} in the timeline")


def build_report(
    timeline: TimelineResult,
    provenance: dict,
    compare: tuple[str, str] | None = None,
    selected: list[int] | None = None,
    n_selected: int = 3,
) -> Report:
    """``compare`` defaults to (reference, last); ``selected`` to the inputs that changed most."""
    pair = compare or default_pair(timeline)
    cmp = compare_checkpoints(timeline, *pair) if pair else None
    if selected is None:
        n = len(_inputs(timeline))
        first = [c.index for c in cmp.changes] if cmp else []
        selected = [*first, *(i for i in range(n) if i not in first)][:n_selected]
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "provenance": provenance,
        "timeline": timeline.to_dict(),
        "compare": cmp.to_dict() if cmp else None,
        "selected": list(selected),
    }
    return Report.of(timeline, provenance, cmp, selected, document)
