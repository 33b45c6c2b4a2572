"""Write a report in the format its file name asks for (.html, .json, .csv)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..core.errors import InputError
from .html import render_html
from .model import Report
from .tables import write_csv
from .validate import errors

SUFFIXES = (".html", ".json", ".csv")


def report_json(r: Report) -> str:
    return json.dumps(r.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read report ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a report JSON ({exc})") from exc
    problems = errors(d)
    if problems:
        raise InputError(
            f"{path}: not a valid Inspector report: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
        )
    return Report.from_dict(d)
