"""The report model: a timeline's JSON plus everything needed to reproduce it.

Where it sits between the run and the files: docs/ARCHITECTURE.md, "The path of a report".

Built from the timeline *dict*, not from live objects, so a report re-created from its own
JSON (``inspector report --from``) is the same report, byte for byte.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .. import __version__

FORMAT = "inspector-report"
FORMAT_VERSION = 1


def _version(module: str) -> str | None:
    mod = sys.modules.get(module)
    if mod is None:
        try:
            mod = __import__(module)
        except ImportError:
            return None
    return getattr(mod, "__version__", None)


def collect_provenance(timeline: dict, device: str = "auto", created: str | None = None) -> dict:
    """What a colleague needs to rerun this exact report on another machine."""
    settings = timeline.get("settings", {})
    return {
        "app_version": __version__,
        "created": created or datetime.now(UTC).replace(microsecond=0).isoformat(),
        "python": platform.python_version(),
        "torch": _version("torch"),
        "transformers": _version("transformers"),
        "platform": platform.platform(),
        "device": device,
        "series": timeline.get("series"),
        "checkpoints": [_provenance_checkpoint(c) for c in timeline.get("checkpoints", [])],
        # full SHA-256 of the files the run read (digests.py); null for an unsaved probe edit
        "files": {
            "probe": {
                "path": timeline.get("probe", {}).get("path"),
                "sha256": timeline.get("probe", {}).get("sha256"),
            },
            "inputs": timeline.get("inputs_file"),
        },
        "probe_source": timeline.get("probe", {}).get("source", ""),
        "probe_path": timeline.get("probe", {}).get("path"),
        "inputs_hash": timeline.get("inputs_hash"),
        "ablation": {k: settings.get(k) for k in ("unit", "ablation", "filler", "max_units")},
        "generation": {
            k: settings.get(k)
            for k in ("explain", "counterfactual", "word_forms", "sample", "max_new_tokens")
        },
        "seed": settings.get("seed"),
        # what decides the metrics: the decisive threshold, group size, Shapley budget,
        # the citing rules' version and the bootstrap behind every interval
        "metrics": {
            "tau": settings.get("tau"),
            "top_k": settings.get("top_k"),
            "shapley_s": settings.get("shapley_s"),
            "citing": _citing_version(),
            "bootstrap": _bootstrap(),
        },
    }


def _citing_version() -> int:
    from ..core.results import CITING_VERSION

    return CITING_VERSION


def _bootstrap() -> dict:
    from ..core.stats import LEVEL, RESAMPLES, SEED

    return {"resamples": RESAMPLES, "seed": SEED, "level": LEVEL}


def _provenance_checkpoint(c: dict) -> dict:
    """Name, path, cache key (``hash``) and the full SHA-256 of the weights (``sha256``)."""
    out = {"name": c["name"], "path": c.get("path", ""), "hash": c.get("hash")}
    out.update(sha256=c.get("sha256"), duplicate_of=c.get("duplicate_of"))
    if c.get("base"):
        out["base"] = dict(c["base"])  # a LoRA adapter's base model
    return out


def _tvd(p: dict, q: dict) -> float:
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in set(p) | set(q))


def top_unit(ex: dict) -> int | None:
    units = ex.get("units") or []
    if not units:
        return None
    return max(range(len(units)), key=lambda i: units[i]["delta"])


def _cited_texts(ex: dict) -> list[str]:
    expl = ex.get("explanation") or {}
    units = ex.get("units") or []
    return [units[i]["text"] for i in expl.get("cited", []) if i < len(units)]


def _checkpoint(timeline: dict, name: str) -> dict:
    for c in timeline["checkpoints"]:
        if c["name"] == name:
            return c
    raise KeyError(f"no checkpoint named {name!r} in the timeline")


def timeline_result(timeline: dict):
    """The core object back from its dict, for the pure helpers the app's views draw from."""
    from ..core.timeline import TimelineResult

    return TimelineResult.from_dict(timeline)


def compare_checkpoints(timeline: dict, a: str, b: str) -> dict:
    """The app's compare view, as data: inputs whose label, top unit or citations changed.

    Ranking comes from ``core.timeline_plot.changes`` so the report lists what the app lists.
    """
    from ..core.timeline_plot import changes

    ca, cb = _checkpoint(timeline, a), _checkpoint(timeline, b)
    for c in (ca, cb):
        if c.get("error") or not c["examples"]:
            raise ValueError(f"checkpoint {c['name']!r} was not analysed; pick two that were")
    tr = timeline_result(timeline)
    rows = []
    for ch in changes(tr.find(a), tr.find(b)):
        ea, eb = ca["examples"][ch.index], cb["examples"][ch.index]
        said_a = (ea.get("explanation") or {}).get("text")
        said_b = (eb.get("explanation") or {}).get("text")
        rows.append(
            {
                "index": ch.index,
                "input": ch.text,
                "score": ch.score,
                "prediction_shift": ch.tvd,
                "top_shift": ch.top_shift,
                "label_a": ch.label_a,
                "label_b": ch.label_b,
                "top_a": ch.top_a,
                "top_b": ch.top_b,
                "cited_a": ch.cited_a,
                "cited_b": ch.cited_b,
                "explanation_changed": said_a != said_b,
            }
        )
    same = bool(ca.get("sha256")) and ca.get("hash") == cb.get("hash")
    return {"a": a, "b": b, "same_weights": same, "changes": rows}


def default_pair(timeline: dict) -> tuple[str, str] | None:
    """The reference against the last checkpoint that was analysed."""
    ok = [c["name"] for c in timeline["checkpoints"] if not c.get("error")]
    if len(ok) < 2:
        return None
    ref = timeline.get("reference")
    a = ref if ref in ok else ok[0]
    b = ok[-1] if ok[-1] != a else ok[0]
    return a, b


@dataclass
class Report:
    timeline: dict
    provenance: dict
    compare: dict | None = None
    selected: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "provenance": self.provenance,
            "timeline": self.timeline,
            "compare": self.compare,
            "selected": list(self.selected),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Report:
        return cls(d["timeline"], d["provenance"], d.get("compare"), list(d.get("selected", [])))

    def checkpoint(self, name: str) -> dict:
        return _checkpoint(self.timeline, name)

    @property
    def inputs(self) -> list[str]:
        return [e["text"] for e in self.timeline.get("inputs", [])] or next(
            (
                [e["input"] for e in c["examples"]]
                for c in self.timeline["checkpoints"]
                if c["examples"]
            ),
            [],
        )


def build_report(
    timeline: dict,
    provenance: dict,
    compare: tuple[str, str] | None = None,
    selected: list[int] | None = None,
    n_selected: int = 3,
) -> Report:
    """``compare`` defaults to (reference, last); ``selected`` to the inputs that changed most."""
    pair = compare or default_pair(timeline)
    cmp = compare_checkpoints(timeline, *pair) if pair else None
    if selected is None:
        n = len(Report(timeline, {}).inputs)
        first = [c["index"] for c in cmp["changes"]] if cmp else []
        selected = [*first, *(i for i in range(n) if i not in first)][:n_selected]
    return Report(timeline, provenance, cmp, list(selected))
