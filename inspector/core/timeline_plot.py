"""What a timeline plot draws, computed from a TimelineResult without any toolkit.

The app's timeline view and the reports both draw from these, so the numbers on screen and
in an exported report cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import metrics as M
from .results import ExampleResult
from .stats import fmt_interval
from .timeline import CheckpointResult, TimelineResult

CURVES = {
    "hit_at_1": "Hit@1",
    "coupling": "coupling",
    "accuracy": "accuracy",
    "cited_mass": "cited mass",
    "cct": "CCT",
}


@dataclass
class PlotSeries:
    names: list[str]
    xs: list[float]  # training step, or the position in the series when steps are unknown
    x_is_step: bool
    curves: dict[str, list[float | None]]  # metric -> one value per checkpoint (None: undefined)
    failed: list[int]  # indexes of checkpoints that could not be analysed
    n_conflict: list[int | None]
    boundaries: list[tuple[float, str]] = field(default_factory=list)  # (x, phase starting there)
    # metric -> one 95 % interval [lo, hi] per checkpoint (None: none), drawn as a band
    bands: dict[str, list[list[float] | None]] = field(default_factory=dict)
    degenerate: list[int] = field(default_factory=list)  # answers independent of the input

    def points(self, metric: str) -> tuple[list[float], list[float], list[int]]:
        """The drawable points of one curve: xs, ys and which checkpoint each point is."""
        keep = [i for i, v in enumerate(self.curves[metric]) if v is not None]
        return [self.xs[i] for i in keep], [self.curves[metric][i] for i in keep], keep


def _phase(name: str) -> str:
    return name.rpartition("/")[0]


def plot_series(result: TimelineResult) -> PlotSeries:
    cps = result.checkpoints
    steps = [c.step for c in cps]
    x_is_step = (
        bool(cps)
        and all(s is not None for s in steps)
        and all(a < b for a, b in zip(steps, steps[1:], strict=False))
    )
    xs = [float(s) for s in steps] if x_is_step else [float(i) for i in range(len(cps))]
    curves = {m: [None if c.error else c.metrics.get(m) for c in cps] for m in CURVES}
    bounds = [
        ((xs[i - 1] + xs[i]) / 2, _phase(cps[i].name))
        for i in range(1, len(cps))
        if _phase(cps[i].name) != _phase(cps[i - 1].name)
    ]
    bands = {m: [None if c.error else c.metrics.get(f"{m}_ci") for c in cps] for m in CURVES}
    return PlotSeries(
        [c.name for c in cps],
        xs,
        x_is_step,
        curves,
        [i for i, c in enumerate(cps) if c.error],
        [c.metrics.get("n_conflict") for c in cps],
        bounds,
        bands,
        [i for i, c in enumerate(cps) if not c.error and c.metrics.get("degenerate")],
    )


def _fmt(v) -> str:
    return "—" if v is None else f"{v:.2f}"


def hover_text(result: TimelineResult, index: int) -> str:
    """Every figure of one checkpoint; coupling always carries the size of its conflict set."""
    c = result.checkpoints[index]
    head = f"{c.name}" + (f"  (step {c.step})" if c.step is not None else "")
    if c.error:
        return f"{head}\nfailed: {c.error}"
    m = c.metrics
    n = m.get("n_conflict")
    if c.name == result.reference:
        coup = "coupling: reference"
    else:
        coup = f"coupling {_iv(m, 'coupling')} over |C_t| = {n if n is not None else '—'}" + (
            f"  (self {_iv(m, 'self')}, orig {_iv(m, 'orig')})"
        )
    rows = "   ".join(f"{label} {_iv(m, k)}" for k, label in CURVES.items() if k != "coupling")
    undecided = (
        f"{m.get('n_undecided', 0)} of {m.get('n_examples', 0)} undecided (largest Δ below"
        f" τ = {m.get('tau', result.settings.tau)})   chance Hit@1 {_iv(m, 'hit_at_1_chance')}"
    )
    warn = f"\n⚠ degenerate: {m['degenerate']}" if m.get("degenerate") else ""
    return (
        f"{head}{warn}\n{rows}\n{coup}\n{undecided}\n"
        f"mean explanation words {_iv(m, 'explanation_words')}"
    )


def _iv(m: dict, key: str) -> str:
    """A mean with its 95 % interval and n, when the metrics carry them (CCT has none)."""
    if f"n_{key}" not in m:
        return _fmt(m.get(key))
    return fmt_interval(m.get(key), m.get(f"{key}_ci"), m.get(f"n_{key}"))


# -- per-example strip -----------------------------------------------------------------


def _agree(ex: ExampleResult, ref: ExampleResult | None) -> float | None:
    if ref is None or not ex.units or ex.input != ref.input:
        return None
    return 1.0 if set(M.top_units(ex.deltas)) & set(M.top_units(ref.deltas)) else 0.0


def heat_matrix(result: TimelineResult, mode: str = "hit") -> list[list[float | None]]:
    """Rows = examples, columns = checkpoints. ``hit``: Hit@1; ``agree``: same top unit as the reference."""
    ref = next((c for c in result.checkpoints if c.name == result.reference and not c.error), None)
    rows: list[list[float | None]] = []
    for i in range(len(result.inputs)):
        row: list[float | None] = []
        for c in result.checkpoints:
            ex = c.examples[i] if not c.error and i < len(c.examples) else None
            if ex is None:
                row.append(None)
            elif mode == "hit":
                tau = result.settings.tau
                row.append(
                    M.hit_at_1(ex.deltas, ex.cited, tau) if ex.explanation is not None else None
                )
            else:
                row.append(_agree(ex, ref.examples[i] if ref and i < len(ref.examples) else None))
        rows.append(row)
    return rows


def cell_text(result: TimelineResult, row: int, col: int) -> str:
    """What one heat-map cell stands for: the example at that checkpoint, in one paragraph."""
    c = result.checkpoints[col]
    ex_in = result.inputs[row]
    head = f"example {row + 1} at {c.name}: “{ex_in.text}”"
    ex = c.examples[row] if not c.error and row < len(c.examples) else None
    if ex is None:
        return f"{head}\nnot analysed" + (f": {c.error}" if c.error else "")
    gold = f" (gold {ex.gold})" if ex.gold else ""
    lines = [head, f"prediction {ex.label} {ex.probs[ex.predicted]:.2f}{gold}"]
    if ex.units:
        top = max(range(len(ex.units)), key=lambda i: ex.deltas[i])
        lines.append(f"largest Δ: “{ex.units[top].text}” {ex.deltas[top]:.2f}")
    if ex.explanation is not None:
        cited = ", ".join(ex.units[i].text for i in ex.cited) or "no unit"
        hit = M.hit_at_1(ex.deltas, ex.cited, result.settings.tau)
        lines.append(f"explanation “{ex.explanation.text}” cites {cited} · Hit@1 {_fmt(hit)}")
    lines.append("click to open it here")
    return "\n".join(lines)


# -- compare two checkpoints -------------------------------------------------------------


@dataclass
class Change:
    index: int
    text: str
    label_a: str
    label_b: str
    top_a: str
    top_b: str
    cited_a: list[str]
    cited_b: list[str]
    tvd: float  # between the two label distributions
    top_shift: float  # |max Δ at B − max Δ at A|
    score: float


def _top(ex: ExampleResult) -> str:
    return ", ".join(ex.units[i].text for i in M.top_units(ex.deltas)) if ex.units else ""


def _cited(ex: ExampleResult) -> list[str]:
    return [ex.units[i].text for i in ex.cited]


def changes(a: CheckpointResult, b: CheckpointResult) -> list[Change]:
    """Examples whose label, top unit or cited units differ between A and B, largest change first.

    The score is the TVD of the two label distributions plus the change of the top Δ, so a
    flipped answer outranks a reworded explanation.
    """
    out = []
    for i, (ea, eb) in enumerate(zip(a.examples, b.examples, strict=False)):
        tvd = M.tvd(ea.probs, eb.probs)
        shift = abs(max(eb.deltas, default=0.0) - max(ea.deltas, default=0.0))
        ca, cb = _cited(ea), _cited(eb)
        if ea.label == eb.label and _top(ea) == _top(eb) and ca == cb:
            continue
        out.append(
            Change(
                i, ea.input, ea.label, eb.label, _top(ea), _top(eb), ca, cb, tvd, shift, tvd + shift
            )
        )
    out.sort(key=lambda c: -c.score)
    return out
