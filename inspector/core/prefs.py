"""User preferences (Qt-free): one JSON file under the config dir, written atomically."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .paths import config_dir


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

    @property
    def memory_budget(self) -> int:
        return int(self.memory_budget_gib * 2**30)

    @classmethod
    def path(cls) -> Path:
        return config_dir() / "preferences.json"

    @classmethod
    def load(cls) -> Preferences:
        try:
            data = json.loads(cls.path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return cls()

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
