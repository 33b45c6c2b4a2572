"""The app's session (Qt-free): what was open, written atomically so a crash loses at most one edit."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .paths import data_dir
from .prefs import atomic_write

log = logging.getLogger(__name__)
VERSION = 1


@dataclass
class Session:
    series: str | None = None  # a series folder, or a single checkpoint path
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
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return Session.from_dict(data)
    except (OSError, ValueError, TypeError) as exc:
        bad = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        log.warning("session %s is unreadable (%s); moved to %s", path, exc, bad)
        try:
            path.replace(bad)
        except OSError:
            bad = path
        if problems is not None:
            problems.append(f"the last session could not be read ({exc}); it is kept as {bad}")
        return None
