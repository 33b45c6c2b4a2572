"""What a colleague needs to rerun a report: versions, files, digests and settings.

``collect_provenance`` writes the report JSON's ``provenance`` object; ``Provenance`` is the same
object, typed, for the HTML writer (read back from any valid report JSON, old ones included).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..core.inputs import inputs_hash
from ..core.timeline import TimelineResult

# the provenance facts the HTML lists one a row, in this order
FACTS = (
    "app_version",
    "created",
    "python",
    "torch",
    "transformers",
    "platform",
    "device",
    "series",
    "inputs_hash",
    "seed",
)
SETTING_GROUPS = ("ablation", "generation", "metrics")


def _version(module: str) -> str | None:
    mod = sys.modules.get(module)
    if mod is None:
        try:
            mod = __import__(module)
        except ImportError:
            return None
    return getattr(mod, "__version__", None)


def collect_provenance(
    result: TimelineResult, device: str = "auto", created: str | None = None
) -> dict:
    """The ``provenance`` object of the report JSON (its keys and their order are the schema's)."""
    settings = asdict(result.settings)
    return {
        "app_version": __version__,
        "created": created or datetime.now(UTC).replace(microsecond=0).isoformat(),
        "python": platform.python_version(),
        "torch": _version("torch"),
        "transformers": _version("transformers"),
        "platform": platform.platform(),
        "device": device,
        "series": result.series,
        "checkpoints": [_checkpoint(c) for c in result.checkpoints],
        # full SHA-256 of the files the run read (digests.py); null for an unsaved probe edit
        "files": {
            "probe": {"path": result.probe.path, "sha256": result.probe_sha256},
            "inputs": result.inputs_file,
        },
        "probe_source": result.probe.source,
        "probe_path": result.probe.path,
        "inputs_hash": inputs_hash(result.inputs),
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


def _checkpoint(c) -> dict:
    """Name, path, cache key (``hash``) and the full SHA-256 of the weights (``sha256``)."""
    out = {"name": c.name, "path": c.path, "hash": c.hash}
    out.update(sha256=c.sha256, duplicate_of=c.duplicate_of)
    if c.base:
        out["base"] = dict(c.base)  # a LoRA adapter's base model
    return out


@dataclass(frozen=True)
class WeightsDigest:
    name: str
    path: str
    hash: str | None  # the cache key
    sha256: str | None
    duplicate_of: str | None = None
    base_path: str | None = None  # a LoRA adapter's base model
    base_sha256: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping) -> WeightsDigest:
        base = d.get("base") or {}
        return cls(
            d["name"],
            d.get("path") or "",
            d.get("hash"),
            d.get("sha256"),
            d.get("duplicate_of"),
            base.get("path") if base else None,
            base.get("sha256") if base else None,
        )


@dataclass(frozen=True)
class FileDigest:
    role: str  # probe | inputs
    path: str | None
    sha256: str


@dataclass(frozen=True)
class Provenance:
    facts: tuple[tuple[str, Any], ...]  # FACTS with their values (None when a file lacks one)
    settings: tuple[tuple[str, str], ...]  # SETTING_GROUPS, each as "key=value, ..."
    checkpoints: tuple[WeightsDigest, ...]
    files: tuple[FileDigest, ...]  # only the files whose SHA-256 is known
    probe_source: str

    @classmethod
    def from_dict(cls, p: Mapping) -> Provenance:
        settings = tuple(
            (k, ", ".join(f"{a}={b}" for a, b in (p.get(k) or {}).items())) for k in SETTING_GROUPS
        )
        files = tuple(
            FileDigest(role, f.get("path"), f["sha256"])
            for role, f in (p.get("files") or {}).items()
            if f and f.get("sha256")
        )
        return cls(
            tuple((k, p.get(k)) for k in FACTS),
            settings,
            tuple(WeightsDigest.from_dict(c) for c in p.get("checkpoints", [])),
            files,
            p.get("probe_source", ""),
        )

    def fact(self, key: str):
        return dict(self.facts).get(key)
