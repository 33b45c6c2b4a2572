"""Where Inspector keeps things (platformdirs), overridable by environment for tests."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "inspector"


def _dir(kind: str) -> Path:
    override = os.environ.get(f"INSPECTOR_{kind.upper()}_DIR")
    if override:
        path = Path(override)
    else:
        path = Path(getattr(platformdirs, f"user_{kind}_dir")(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    return _dir("config")


def cache_dir() -> Path:
    return _dir("cache")


def data_dir() -> Path:
    return _dir("data")


def log_dir() -> Path:
    return _dir("log")


def resources_dir() -> Path:
    """Bundled resources: inside the package when installed, else the repository's folder."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    return here.parent / "resources"


def all_paths() -> dict[str, Path]:
    return {"config": config_dir(), "cache": cache_dir(), "data": data_dir(), "logs": log_dir()}
