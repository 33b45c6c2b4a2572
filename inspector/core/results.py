"""Analysis settings and results, with their JSON (``inspector analyze --json``, stable keys)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace

from .explanation import Explanation
from .metrics import tvd
from .units import Unit

_ADDED_LATER: dict = {"coarse": False, "dtype": "auto"}
# bumped when what counts as cited changes (core.citing), so no result cited by older rules
# (function words, no quotes) is served from the cache
CITING_VERSION = 2
# the decisive threshold τ: an input whose largest Δ is below it is undecided (docs/METRICS.md
# gives the measured noise floor this sits above)
DEFAULT_TAU = 0.1
# bumped when the default counterfactual questions change, so no cached answer to an old one is served
_CF_QUESTIONS = 2


@dataclass(frozen=True)
class Settings:
    """Everything that changes the numbers; identical across a timeline."""

    unit: str = "word"  # word | token | span
    spans: tuple[tuple[int, int], ...] = ()
    ablation: str = "delete"  # delete | replace
    filler: str = "…"
    max_units: int = 256
    explain: bool = True
    counterfactual: bool = False
    word_forms: bool = True  # cite "refunds" for the unit "refund" (explanation.base_forms)
    sample: bool = False
    seed: int = 0
    max_new_tokens: int | None = None  # None: the probe's
    tau: float = DEFAULT_TAU  # decisive threshold: max Δ below it makes an input undecided
    top_k: int = 3  # the top-k group ablated together (redundancy)
    shapley_s: float = 0.0  # seconds per input for sampled Shapley values (0: off)
    # stop a long word sweep at its complete estimated view (core/coarse.py): only the
    # words of the sentences that matter are measured, the rest estimated and marked so
    coarse: bool = False
    dtype: str = "auto"  # the weights' dtype: auto (fp32 on CPU, bf16 on CUDA) | float32 | ...

    def key(self) -> str:
        d = asdict(self)
        # a field added after results were cached stays out of the key at its default,
        # so an upgrade keeps every cached result and timeline
        for name, default in _ADDED_LATER.items():
            if d[name] == default:
                del d[name]
        if self.counterfactual:
            d["cf_questions"] = _CF_QUESTIONS
        d["citing"] = CITING_VERSION
        return json.dumps(d, sort_keys=True)

    @property
    def filler_or_none(self) -> str | None:
        return self.filler if self.ablation == "replace" else None

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, d: dict) -> Settings:
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        if "spans" in d:
            d["spans"] = tuple(tuple(s) for s in d["spans"])
        return cls(**d)


@dataclass
class ExampleResult:
    input: str
    labels: list[str]
    probs: list[float]
    units: list[Unit] = field(default_factory=list)
    unit_probs: list[list[float]] = field(default_factory=list)
    explanation: Explanation | None = None
    counterfactual: list[dict] | None = None
    metrics: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    gold: str | None = None
    shapley: dict | None = None  # sampled Shapley values with standard errors (core.redundancy)
    exact: list[bool] | None = None  # per unit; None: every unit measured exactly
    sentences: list[dict] | None = None  # the coarse pass's sentence shifts, when it ran
    precision: dict | None = None  # dtype and its agreement with float32 (core/precision.py)

    @property
    def exactness(self) -> str:
        """'exact' when every shift was measured, 'estimated' when some are coarse estimates."""
        return "exact" if self.exact is None or all(self.exact) else "estimated"

    @property
    def predicted(self) -> int:
        return max(range(len(self.probs)), key=lambda i: self.probs[i])

    @property
    def label(self) -> str:
        return self.labels[self.predicted]

    @property
    def deltas(self) -> list[float]:
        return [tvd(self.probs, q) for q in self.unit_probs]

    @property
    def signed(self) -> list[float]:
        k = self.predicted
        return [q[k] - self.probs[k] for q in self.unit_probs]

    @property
    def flips(self) -> list[bool]:
        k = self.predicted
        return [max(range(len(q)), key=lambda i: q[i]) != k for q in self.unit_probs]

    @property
    def cited(self) -> list[int]:
        return self.explanation.cited if self.explanation else []

    def to_dict(self, model: str | None = None, probe: str | None = None) -> dict:
        out: dict = {}
        if model is not None:
            out["model"] = model
        if probe is not None:
            out["probe"] = probe
        out["input"] = self.input
        if self.gold is not None:
            out["gold"] = self.gold
        out["prediction"] = {
            "label": self.label,
            "probs": dict(zip(self.labels, self.probs, strict=True)),
        }
        out["exactness"] = self.exactness
        out["units"] = [
            {
                "text": u.text,
                "start": u.start,
                "end": u.end,
                "delta": d,
                "signed": s,
                "flips": f,
                "probs": dict(zip(self.labels, q, strict=True)),
            }
            for u, d, s, f, q in zip(
                self.units, self.deltas, self.signed, self.flips, self.unit_probs, strict=True
            )
        ]
        if self.exactness == "estimated":
            for row, exact in zip(out["units"], self.exact or [], strict=True):
                row["exact"] = exact
        if self.sentences is not None:
            out["sentences"] = self.sentences
        if self.precision is not None:
            out["precision"] = self.precision
        out["explanation"] = (
            {
                "text": self.explanation.text,
                "cited": list(self.explanation.cited),
                "citations": list(self.explanation.why),
                "n_tokens": self.explanation.n_tokens,
                "n_words": self.explanation.n_words,
            }
            if self.explanation
            else None
        )
        if self.counterfactual is not None:
            out["counterfactual"] = self.counterfactual
        if self.shapley is not None:
            out["shapley"] = self.shapley
        out["metrics"] = self.metrics
        out["seconds"] = self.seconds
        if self.notes:
            out["notes"] = self.notes
        return out

    @classmethod
    def from_dict(cls, d: dict) -> ExampleResult:
        labels = list(d["prediction"]["probs"])
        expl = d.get("explanation")
        return cls(
            input=d["input"],
            labels=labels,
            probs=[d["prediction"]["probs"][k] for k in labels],
            units=[Unit(u["text"], u["start"], u["end"]) for u in d["units"]],
            unit_probs=[[u["probs"][k] for k in labels] for u in d["units"]],
            explanation=Explanation(
                expl["text"],
                list(expl["cited"]),
                expl.get("n_tokens", 0),
                list(expl.get("citations", [])),
            )
            if expl
            else None,
            counterfactual=d.get("counterfactual"),
            metrics=d.get("metrics", {}),
            seconds=d.get("seconds", {}),
            notes=d.get("notes", []),
            gold=d.get("gold"),
            shapley=d.get("shapley"),
            exact=[u.get("exact", True) for u in d["units"]]
            if d.get("exactness") == "estimated"
            else None,
            sentences=d.get("sentences"),
            precision=d.get("precision"),
        )
