"""CSV: ``x.csv`` holds one row per checkpoint, ``x.examples.csv`` one row per example × checkpoint."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from ..core.safeio import atomic_write_text
from .model import ExampleRow, Report

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection);
# inputs and explanations are text from users and models, so they are quoted with a '
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CHECKPOINT_METRICS = (
    "accuracy",
    "top_delta",
    "hit_at_1",
    "cited_mass",
    "comprehensiveness",
    "sufficiency",
    "cct",
    "explanation_words",
    "n_conflict",
    "self",
    "orig",
    "coupling",
)
# every mean with its 95 % interval and n (core.aggregate), beside the raw metrics
INTERVAL_METRICS = (
    "accuracy",
    "top_delta",
    "hit_at_1",
    "hit_at_1_chance",
    "hit_at_1_lift",
    "cited_mass",
    "cited_mass_chance",
    "cited_mass_lift",
    "comprehensiveness",
    "sufficiency",
    "group_delta_cited",
    "group_delta_top_k",
    "explanation_words",
    "self",
    "orig",
    "coupling",
)
INTERVAL_FIELDS = tuple(f for k in INTERVAL_METRICS for f in (f"{k}_lo", f"{k}_hi", f"n_{k}"))
CHECKPOINT_FIELDS = (
    "checkpoint",
    "step",
    "is_reference",
    "hash",
    "sha256",
    "duplicate_of",
    "error",
    *CHECKPOINT_METRICS,
    "tau",
    "n_examples",
    "n_undecided",
    "degenerate",
    *(k for k in INTERVAL_METRICS if k not in CHECKPOINT_METRICS),
    *INTERVAL_FIELDS,
)
EXAMPLE_METRICS = (
    "hit_at_1",
    "rank",
    "cited_mass",
    "comprehensiveness",
    "sufficiency",
    "decided",
    "hit_at_1_chance",
    "cited_mass_chance",
    "group_delta_cited",
    "group_delta_top_k",
)
EXAMPLE_FIELDS = (
    "checkpoint",
    "step",
    "example",
    "input",
    "gold",
    "label",
    "p_label",
    "top_unit",
    "top_delta",
    "cited",
    "cited_how",
    "explanation",
    *EXAMPLE_METRICS,
)


def _cell(v) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        return str(v)
    if v.startswith(FORMULA_STARTS):
        v = "'" + v
    # csv quotes a field holding "\n" but not a lone "\r" (lineterminator is "\n"), and a
    # reader ends the row at it: a CR in a model's text would split the row in two
    return v.replace("\r\n", "\n").replace("\r", "\n")


def checkpoint_rows(r: Report) -> list[dict]:
    """One CSV row per checkpoint: CHECKPOINT_FIELDS."""
    return [
        {
            "checkpoint": c.name,
            "step": c.step,
            "is_reference": int(c.is_reference),
            "hash": c.hash,
            "sha256": c.sha256,
            "duplicate_of": c.duplicate_of,
            "error": c.error,
            **_metric_cells(c.metrics),
        }
        for c in r.checkpoints
    ]


def _metric_cells(m: Mapping) -> dict:
    metric_fields = CHECKPOINT_FIELDS[CHECKPOINT_FIELDS.index("error") + 1 :]
    out = {k: m.get(k) for k in metric_fields if not k.endswith(("_lo", "_hi"))}
    for k in INTERVAL_METRICS:
        ci = m.get(f"{k}_ci") or [None, None]
        out[f"{k}_lo"], out[f"{k}_hi"] = ci
    return out


def example_rows(r: Report) -> list[dict]:
    """One CSV row per example × checkpoint: EXAMPLE_FIELDS."""
    return [_example_cells(ex) for c in r.checkpoints for ex in c.examples]


def _example_cells(ex: ExampleRow) -> dict:
    top = ex.top
    return {
        "checkpoint": ex.checkpoint,
        "step": ex.step,
        "example": ex.index,
        "input": ex.input,
        "gold": ex.gold,
        "label": ex.label,
        "p_label": ex.p_label,
        "top_unit": top.text if top else None,
        "top_delta": top.delta if top else None,
        "cited": " ".join(ex.cited_texts),
        "cited_how": " ".join(how.replace(" ", "_") for how in ex.cited_how),
        "explanation": ex.explanation,
        **{k: ex.metrics.get(k) for k in EXAMPLE_METRICS},
    }


def to_csv(rows: list[dict], fields: tuple[str, ...]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: _cell(row.get(k)) for k in fields})
    return buf.getvalue()


def examples_path(path: Path) -> Path:
    return path.with_name(path.stem + ".examples.csv")


def write_csv(r: Report, path: str | Path) -> list[Path]:
    """Writes both tables; returns the two paths (per checkpoint first)."""
    path = Path(path)
    ex = examples_path(path)
    both = (to_csv(checkpoint_rows(r), CHECKPOINT_FIELDS), to_csv(example_rows(r), EXAMPLE_FIELDS))
    atomic_write_text(path, both[0])
    atomic_write_text(ex, both[1])
    return [path, ex]
