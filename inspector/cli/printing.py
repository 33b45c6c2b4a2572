"""What the terminal shows: one analysed input, and a timeline's table and intervals."""

from __future__ import annotations

import sys

from ..core.example_metrics import (
    CHANCE_METRICS,
    COUNTERFACTUAL_METRICS,
    EXPLANATION_METRICS,
    GROUP_METRICS,
)
from ..core.stats import SEED, fmt_interval
from ..core.timeline import TimelineResult


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def print_example(d: dict, out=None) -> None:
    out = out or sys.stdout
    pred = d["prediction"]
    probs = "  ".join(f"{k} {v:.3f}" for k, v in pred["probs"].items())
    print(f"prediction: {pred['label']}   ({probs})", file=out)
    cited = set((d.get("explanation") or {}).get("cited", []))
    if d["units"]:
        print(f"{'unit':<20} {'Δ':>7} {'flips':>5}  cited", file=out)
        for i, u in enumerate(d["units"]):
            bar = "█" * round(u["delta"] * 20)
            mark = "◆" if i in cited else ""
            flip = "yes" if u["flips"] else ""
            est = "~" if u.get("exact") is False else " "  # a coarse estimate, not measured
            print(
                f"{u['text'][:20]:<20}{est}{u['delta']:>7.3f} {flip:>5}  {mark:<2}{bar}", file=out
            )
        if d.get("exactness") == "estimated":
            n = sum(u.get("exact") is False for u in d["units"])
            print(f"~ {n} of {len(d['units'])} shifts are estimates (sentence Δ / words)", file=out)
    if d.get("explanation"):
        print(f"explanation: {d['explanation']['text']!r}", file=out)
    _print_counterfactual(d, out)
    m = d.get("metrics", {})
    # explanation_words sits beside the cited metrics: long explanations cite more by chance
    keys = (*EXPLANATION_METRICS, *COUNTERFACTUAL_METRICS)
    print("metrics: " + "  ".join(f"{k} {_fmt(m[k])}" for k in keys if k in m), file=out)
    extra = "  ".join(f"{k} {_fmt(m[k])}" for k in (*CHANCE_METRICS, *GROUP_METRICS) if k in m)
    if extra:
        print(f"beside them: {extra}", file=out)
    if m.get("decided") is False:
        print(
            f"undecided: the largest Δ is below τ = {m.get('tau')}; no unit decides the answer",
            file=out,
        )
    _print_shapley(d, out)
    for note in d.get("notes", []):
        print(f"note: {note}", file=out)


def _print_shapley(d: dict, out) -> None:
    sh = d.get("shapley")
    if not sh:
        return
    print(
        f"sampled Shapley values of {sh['value']} ({sh['permutations']} orders,"
        f" {sh['seconds']:.1f} s, seed {sh['seed']}):",
        file=out,
    )
    for u, v, se in zip(d["units"], sh["values"], sh["se"], strict=False):
        err = "" if se is None else f" ± {se:.3f}"
        print(f"  {u['text'][:20]:<20} {v:+.3f}{err}", file=out)


def _print_counterfactual(d: dict, out) -> None:
    rows = d.get("counterfactual") or []
    if rows:
        print(f"{'counterfactual':<20} {'p(yes)':>6}  stated / measured flip, label", file=out)
    for c in rows:
        said = f"yes → {c.get('stated_label')}" if c["stated_flip"] else "no"
        measured = f"yes → {c.get('measured_label')}" if c["measured_flip"] else "no"
        unit = d["units"][c["unit"]]["text"] if c["unit"] < len(d["units"]) else "?"
        print(f"{unit[:20]:<20} {c['p_yes']:>6.2f}  {said} / {measured}", file=out)


def _f(v, fmt: str = ".2f") -> str:
    return "—" if v is None else format(v, fmt)


def table_rows(result: TimelineResult) -> tuple[list[str], list[list[str]]]:
    """The header lines, and per checkpoint its lines (a row, and a ⚠ line when degenerate)."""
    head = (
        f"{'checkpoint':<28} {'step':>6} {'acc':>5} {'hit@1':>5} {'mass':>5} {'cct':>5}"
        f" {'words':>5} {'|C|':>4} {'self':>5} {'orig':>5}  coupling"
    )
    groups: list[list[str]] = []
    for c in result.checkpoints:
        lines: list[str] = []
        groups.append(lines)
        name = c.name if len(c.name) <= 28 else "…" + c.name[-27:]
        step = "—" if c.step is None else str(c.step)
        if c.duplicate_of:
            name = (name[:23] + "…") if len(name) > 24 else name
            name = f"{name} (=)"  # same weights as an earlier checkpoint (see the notes)
        if c.error:
            lines.append(f"{name:<28} {step:>6}  skipped: {c.error}")
            continue
        m = c.metrics
        if c.name == result.reference:
            coup = "(reference)"
        elif m["n_conflict"] and m["coupling"] is not None:
            coup = f"{m['coupling']:+.2f} (n={m['n_conflict']})"
        elif m["n_conflict"] is None:
            coup = "— (no reference)"
        else:
            coup = f"— (n={m['n_conflict']})"
        lines.append(
            f"{name:<28} {step:>6} {_f(m['accuracy']):>5} {_f(m['hit_at_1']):>5} {_f(m['cited_mass']):>5}"
            f" {_f(m['cct']):>5} {_f(m.get('explanation_words'), '.1f'):>5}"
            f" {_f(m['n_conflict'], 'd'):>4} {_f(m['self']):>5} {_f(m['orig']):>5}  {coup}"
        )
        if m.get("degenerate"):
            lines.append(f"{'':<28} {'':>6}  ⚠ degenerate: {m['degenerate']}")
    return [head, "─" * len(head)], groups


def format_table(result: TimelineResult) -> str:
    """One row per checkpoint; coupling is never shown without the size of its conflict set."""
    head, groups = table_rows(result)
    return "\n".join([*head, *(line for g in groups for line in g)])


_INTERVAL_ROWS = (
    ("accuracy", "accuracy", ()),
    ("hit_at_1", "hit@1", ("hit_at_1_chance", "hit_at_1_lift")),
    ("cited_mass", "cited mass", ("cited_mass_chance", "cited_mass_lift")),
    ("comprehensiveness", "comp.", ("sufficiency",)),
    ("group_delta_top_k", "top-k group Δ", ("group_delta_cited",)),
    ("explanation_words", "expl. words", ()),
)
_SHORT = {
    "hit_at_1_chance": "chance",
    "hit_at_1_lift": "lift",
    "cited_mass_chance": "chance",
    "cited_mass_lift": "lift",
    "sufficiency": "suff.",
    "group_delta_cited": "cited group Δ",
}


def _iv(m: dict, key: str) -> str:
    spec = "+.2f" if key.endswith("_lift") or key == "coupling" else ".2f"
    return fmt_interval(m.get(key), m.get(f"{key}_ci"), m.get(f"n_{key}"), spec)


def format_intervals(result: TimelineResult) -> str:
    """Every mean with its 95 % bootstrap interval and n; coupling with |C_t|."""
    tau = result.settings.tau
    lines = [f"95 % intervals (bootstrap over inputs, seed {SEED}); τ = {tau:g}"]
    for c in result.checkpoints:
        if c.error:
            continue
        m = c.metrics
        lines.append(f"{c.name}   {m.get('n_undecided', 0)} of {m['n_examples']} undecided")
        for key, title, beside in _INTERVAL_ROWS:
            if m.get(f"n_{key}") or any(m.get(f"n_{b}") for b in beside):
                rest = "   ".join(f"{_SHORT[b]} {_iv(m, b)}" for b in beside)
                lines.append(f"  {title:<14} {_iv(m, key):<26} {rest}".rstrip())
        if c.name != result.reference and m.get("n_conflict") is not None:
            lines.append(
                f"  {'coupling':<14} {_iv(m, 'coupling')} over |C_t| = {m['n_conflict']}"
                f"   self {_iv(m, 'self')}   orig {_iv(m, 'orig')}"
            )
    return "\n".join(lines)
