"""On-disk result cache (SQLite, WAL) keyed by checkpoint hash + probe + input + settings.

A corrupt database is moved aside and rebuilt; the cache is an accelerator, never
the only copy of anything. Each entry carries a SHA-256 of its key and value: an entry
altered or damaged on disk is a miss (recomputed, with a warning), never a wrong number.
A cache that cannot be written (read-only folder or file) works in memory for the run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import unicodedata
from pathlib import Path

from .paths import cache_dir

log = logging.getLogger(__name__)
SCHEMA = 1


def result_key(
    model_hash: str, probe_source: str, text: str, settings_key: str, gold: str | None = None
) -> str:
    h = hashlib.sha256()
    parts = [model_hash, probe_source, text, settings_key, gold or "", f"v{SCHEMA}"]
    if any(unicodedata.category(c).startswith("M") for c in text):
        parts.append("words-keep-marks")  # cached before words kept their combining marks
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def _checksum(key: str, text: str) -> str:
    return hashlib.sha256(f"{key}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()


def _seal(key: str, value: dict) -> str:
    text = json.dumps(value, allow_nan=False)
    return f"sha256:{_checksum(key, text)}\n{text}"


def _unseal(key: str, stored) -> dict | None:
    """The entry's value when its checksum holds and it is an object; else None."""
    if not isinstance(stored, str) or not stored.startswith("sha256:"):
        return None
    digest, _, text = stored[7:].partition("\n")
    if digest != _checksum(key, text):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _legacy(stored) -> bool:
    """A value as Inspector wrote it before checksums: a JSON object with a prediction."""
    try:
        value = json.loads(stored)
    except (ValueError, TypeError, RecursionError):
        return False
    return isinstance(value, dict) and "prediction" in value


def _unwritable(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("readonly", "read-only", "unable to open", "permission"))


class ResultCache:
    def __init__(self, path: str | Path | None = None):
        self._lock = threading.Lock()
        self.path = Path(path) if path else None
        try:
            self.path = self.path or cache_dir() / "results.sqlite"
            self._conn = self._open()
        except (OSError, sqlite3.DatabaseError) as exc:
            # results are still computed and correct; they are just not kept after this run
            log.warning(
                "result cache %s cannot be used (%s); results are not cached this run",
                self.path,
                exc,
            )
            self.in_memory = True
            self._conn = self._connect(":memory:")

    in_memory = False

    def _connect(self, where=None) -> sqlite3.Connection:
        conn = sqlite3.connect(where or self.path, check_same_thread=False, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
            " size INTEGER NOT NULL, used REAL NOT NULL)"
        )
        conn.execute("PRAGMA quick_check").fetchone()
        return conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if _unwritable(exc):
                raise
            bad = self.path.with_name(self.path.name + f".corrupt-{int(time.time())}")
            log.warning(
                "result cache %s is corrupt (%s); moved to %s and rebuilt", self.path, exc, bad
            )
            for suffix in ("", "-wal", "-shm"):
                p = Path(str(self.path) + suffix)
                if p.exists():
                    p.replace(Path(str(bad) + suffix))
            self.rebuilt = True
            return self._connect()

    rebuilt = False

    def get(self, key: str) -> dict | None:
        with self._lock:
            try:
                row = self._conn.execute(
                    "SELECT value FROM results WHERE key = ?", (key,)
                ).fetchone()
                if row is None:
                    return None
                value = _unseal(key, row[0])
                if value is None and not str(row[0]).startswith("sha256:") and _legacy(row[0]):
                    # written before entries carried a checksum: recomputed once, quietly
                    log.info("cache entry %s… has no checksum; recomputing it", key[:12])
                    self._conn.execute("DELETE FROM results WHERE key = ?", (key,))
                elif value is None:
                    log.warning("cache entry %s… is altered or damaged; recomputing it", key[:12])
                    self._conn.execute("DELETE FROM results WHERE key = ?", (key,))
                else:
                    self._conn.execute(
                        "UPDATE results SET used = ? WHERE key = ?", (time.time(), key)
                    )
                self._conn.commit()
                return value
            except (sqlite3.DatabaseError, ValueError) as exc:
                log.warning("cache read failed (%s); treating as a miss", exc)
                return None

    def put(self, key: str, value: dict) -> None:
        try:
            text = _seal(key, value)
        except ValueError:  # NaN/Inf: a non-finite result is never cached
            log.warning("result with non-finite numbers not cached")
            return
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT OR REPLACE INTO results (key, value, size, used) VALUES (?, ?, ?, ?)",
                    (key, text, len(text), time.time()),
                )
                self._conn.commit()
            except sqlite3.DatabaseError as exc:
                log.warning("cache write failed (%s); result not cached", exc)

    def size_bytes(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COALESCE(SUM(size), 0) FROM results").fetchone()
        return int(row[0])

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def trim(self, max_bytes: int) -> None:
        """Drop least recently used results until the cache fits ``max_bytes``."""
        with self._lock:
            total = self._conn.execute("SELECT COALESCE(SUM(size), 0) FROM results").fetchone()[0]
            if total <= max_bytes:
                return
            rows = self._conn.execute("SELECT key, size FROM results ORDER BY used").fetchall()
            drop = []
            for key, size in rows:
                if total <= max_bytes:
                    break
                drop.append((key,))
                total -= size
            self._conn.executemany("DELETE FROM results WHERE key = ?", drop)
            self._conn.commit()

    def clear(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM results")
            self._conn.commit()
            self._conn.execute("VACUUM")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
