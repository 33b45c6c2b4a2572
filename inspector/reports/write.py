"""Write a report in the format its file name asks for (.html, .json, .csv)."""

from __future__ import annotations

import json
from pathlib import Path

from ..core import safeio
from ..core.errors import InputError
from .html import render_html
from .model import FORMAT_VERSION, Report
from .tables import write_csv
from .validate import errors

SUFFIXES = (".html", ".json", ".csv")


REPORT_MAX_BYTES = 1 << 30


def report_json(r: Report) -> str:
    # NaN/Infinity (a non-finite checkpoint) are written as null: the file stays JSON
    return safeio.dumps(r.to_dict(), indent=2, ensure_ascii=False) + "\n"


_atomic_write = safeio.atomic_write_text


def write_report(r: Report, path: str | Path) -> list[Path]:
    """Returns the files written (CSV writes two: per checkpoint and per example)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"{path}: unknown report format {suffix or '(no suffix)'!r}; use .html, .json or .csv"
        )
    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist")
    if suffix == ".html":
        _atomic_write(path, render_html(r))
    elif suffix == ".json":
        _atomic_write(path, report_json(r))
    else:
        return write_csv(r, path)
    return [path]


def read_report(path: str | Path) -> Report:
    """Load a report JSON written by ``write_report``; a file that breaks the schema is an InputError."""
    path = Path(path)
    text = safeio.read_text_capped(path, "report", REPORT_MAX_BYTES)
    try:
        d = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not a report JSON ({exc})") from exc
    version = d.get("format_version") if isinstance(d, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise InputError(
            f"{path}: field format_version is {version}, newer than this Inspector reads"
            f" ({FORMAT_VERSION}); open it with a newer Inspector"
        )
    problems = errors(d) or _consistency(d)
    if problems:
        raise InputError(
            f"{path}: not a valid Inspector report: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
        )
    return Report.from_dict(d)


def _consistency(d: dict) -> list[str]:
    """What the schema cannot say: each prediction's label is one of its probabilities."""
    for i, c in enumerate(d["timeline"]["checkpoints"]):
        for j, ex in enumerate(c["examples"]):
            pred = ex["prediction"]
            if pred["label"] not in pred["probs"]:
                where = f"$.timeline.checkpoints[{i}].examples[{j}].prediction"
                return [f"{where}.label: {pred['label']!r} is not a key of {where}.probs"]
    return []
