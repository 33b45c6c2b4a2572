"""The app's session (Qt-free): what was open, written atomically so a crash loses at most one edit."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from . import fields as F
from .paths import data_dir
from .prefs import atomic_write
from .safeio import move_aside, read_state_json

log = logging.getLogger(__name__)
VERSION = 1


_PATH = F.optional(F.string(4096))
SESSION_CHECK = F.record(
    {
        "version": F.integer(0, VERSION),
        "series": _PATH,
        "open_options": F.record({"base": _PATH, "revisions": F.optional(F.string(1000))}),
        "checkpoint": _PATH,
        "probe_path": _PATH,
        "probe_text": F.optional(F.string()),
        "probe_draft": F.optional(F.string()),
        "inputs_path": _PATH,
        "inputs": F.list_of(
            F.record({"text": F.string(), "label": F.optional(F.string())}, required=("text",))
        ),
        "current_input": F.optional(F.integer(0)),
        "text": F.string(),
        "baseline": F.optional(F.string()),
        "settings": F.mapping(),
        "timeline": F.record(
            {
                "order": F.list_of(F.string()),
                "excluded": F.list_of(F.string()),
                "reference": F.optional(F.string()),
            }
        ),
        "geometry": F.string(),
        "window_state": F.string(),
        "saved_at": F.number(),
    }
)


def check_session(data) -> None:
    """Raises ValueError naming the first field that a restore would trip on."""
    version = data.get("version", VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise ValueError(f"written by a newer Inspector (version {version})")
    found = F.problems(data, SESSION_CHECK, "")
    if found:
        raise ValueError(f"field {found[0]}")
    current, inputs = data.get("current_input"), data.get("inputs") or []
    if current is not None and current >= len(inputs):
        raise ValueError(f"field current_input: {current} but only {len(inputs)} inputs")


@dataclass
class Session:
    series: str | None = None  # a series folder, or a single checkpoint path
    open_options: dict = field(default_factory=dict)  # {"base", "revisions"} it was opened with
    checkpoint: str | None = None  # the checkpoint's path
    probe_path: str | None = None
    probe_text: str | None = None  # the applied probe, verbatim
    probe_draft: str | None = None  # the Probe dock's text when it differs (not yet applied)
    inputs_path: str | None = None
    inputs: list[dict] = field(default_factory=list)  # [{"text":…, "label":…}]
    current_input: int | None = None
    text: str = ""
    baseline: str | None = None
    settings: dict = field(default_factory=dict)  # core Settings as a dict
    timeline: dict = field(default_factory=dict)  # {"order", "excluded", "reference"} names
    geometry: str = ""  # QMainWindow.saveGeometry(), base64
    window_state: str = ""  # QMainWindow.saveState(), base64 (dock layout)
    saved_at: float = 0.0

    def to_json(self) -> str:
        return json.dumps({"version": VERSION, **asdict(self)}, indent=1)

    @classmethod
    def from_dict(cls, data: dict) -> Session:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def session_path() -> Path:
    return data_dir() / "session.json"


def save_session(session: Session, path: Path | None = None) -> Path:
    path = path or session_path()
    session.saved_at = time.time()
    atomic_write(path, session.to_json())
    return path


def load_session(path: Path | None = None, problems: list[str] | None = None) -> Session | None:
    """The saved session, or None; an unreadable file is moved aside (told in ``problems``)."""
    path = path or session_path()
    if not path.exists():
        return None
    try:
        data = read_state_json(path)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        check_session(data)
        return Session.from_dict(data)
    except (OSError, ValueError, TypeError) as exc:
        bad = move_aside(path)
        log.warning("session %s is unreadable (%s); moved to %s", path, exc, bad)
        if problems is not None:
            problems.append(f"the last session could not be read ({exc}); it is kept as {bad}")
        return None
