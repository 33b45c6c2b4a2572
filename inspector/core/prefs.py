"""User preferences (Qt-free): one JSON file under the config dir, written atomically."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from . import fields as F
from .paths import config_dir
from .safeio import move_aside, read_state_json

log = logging.getLogger(__name__)
PREFS_CHECK = F.record(
    {
        "device": F.string(64),
        "threads": F.integer(0, 4096),
        "resident_models": F.integer(1, 64),
        "memory_budget_gib": F.number(0.01, 1 << 20),
        "cache_size_mib": F.integer(0, 1 << 30),
        "unit": F.choice("word", "token", "span"),
        "trusted_checkpoints": F.list_of(F.string(4096), 10_000),
        "recent": F.list_of(F.string(4096), 1_000),
    }
)


@dataclass
class Preferences:
    device: str = "auto"  # auto | cpu | cuda | mps
    threads: int = 0  # 0: torch's default
    resident_models: int = 1
    memory_budget_gib: float = 8.0
    cache_size_mib: int = 512
    unit: str = "word"
    dtype: str = "auto"  # auto (fp32 on CPU, bf16 on CUDA) | float32 | bfloat16 | float16
    trusted_checkpoints: list[str] = field(
        default_factory=list
    )  # trust_remote_code consent, per path
    recent: list[str] = field(default_factory=list)
    ray_address: str = ""  # timelines run on this Ray cluster when set ("auto": the local one)

    @property
    def memory_budget(self) -> int:
        return int(self.memory_budget_gib * 2**30)

    @classmethod
    def path(cls) -> Path:
        return config_dir() / "preferences.json"

    @classmethod
    def load(cls, problems: list[str] | None = None) -> Preferences:
        """The saved preferences; a file that is damaged or has a field of the wrong type or
        range is moved aside (told in ``problems``) and the defaults are used."""
        path = cls.path()
        if not path.exists():
            return cls()
        try:
            data = read_state_json(path)
            found = F.problems(data, PREFS_CHECK, "")
            if found:
                raise ValueError(f"field {found[0]}")
        except ValueError as exc:
            bad = move_aside(path)
            log.warning("preferences %s unusable (%s); moved to %s", path, exc, bad)
            if problems is not None:
                problems.append(
                    f"the preferences could not be used ({exc}); defaults are in effect,"
                    f" the file is kept as {bad}"
                )
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self) -> None:
        atomic_write(self.path(), json.dumps(asdict(self), indent=2))

    def add_recent(self, path: str, keep: int = 10) -> None:
        self.recent = [path] + [p for p in self.recent if p != path][: keep - 1]


def atomic_write(path: Path, text: str) -> None:
    """Write via a temp file and rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed save leaves the old file and no litter
        raise
