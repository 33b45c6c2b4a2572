"""The cache is a hint: altered, damaged or unwritable, it never gives a wrong number or a crash."""

from __future__ import annotations

import json
import logging
import sqlite3

from inspector.core.cache import ResultCache
from inspector.core.inputs import Example
from inspector.core.loading import ModelPool
from inspector.core.probe import parse_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.timeline import run_timeline

from .corpus import PROBE


def _run(series, cache):
    return run_timeline(
        series,
        parse_probe(PROBE),
        [Example("the food was great"), Example("awful")],
        Settings(explain=False),
        pool=ModelPool(1, device="cpu"),
        cache=cache,
    )


def _alter(db, change) -> int:
    """Rewrite every stored value's JSON with ``change``, keeping any header line as it was."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT key, value FROM results").fetchall()
    for key, value in rows:
        head, sep, text = value.rpartition("\n") if value.startswith("sha256:") else ("", "", value)
        d = json.loads(text)
        change(d)
        conn.execute(
            "UPDATE results SET value = ? WHERE key = ?", (head + sep + json.dumps(d), key)
        )
    conn.commit()
    conn.close()
    return len(rows)


def test_altered_cache_entries_are_recomputed_not_believed(good, tmp_path, caplog):
    series = discover_series(good)
    db = tmp_path / "results.sqlite"
    cache = ResultCache(db)
    first = _run(series, cache).checkpoints[0]
    cache.close()

    def swap(d):  # a plausible edit: the probabilities of the two labels swapped
        probs = d["prediction"]["probs"]
        a, b = list(probs)
        probs[a], probs[b] = probs[b], probs[a]

    assert _alter(db, swap) == 2
    cache = ResultCache(db)
    with caplog.at_level(logging.WARNING, logger="inspector.core.cache"):
        again = _run(series, cache).checkpoints[0]
    cache.close()
    assert again.cached == 0  # both recomputed
    assert [e.probs for e in again.examples] == [e.probs for e in first.examples]
    assert any("altered or damaged" in r.getMessage() for r in caplog.records)
    cache = ResultCache(db)  # the recomputed results replaced the altered ones
    assert _run(series, cache).checkpoints[0].cached == 2
    cache.close()


def test_a_cache_path_that_cannot_be_opened_works_in_memory(tmp_path, caplog):
    taken = tmp_path / "results.sqlite"
    taken.mkdir()  # a folder where the database should be
    (taken / "mine.txt").write_text("the user's")
    with caplog.at_level(logging.WARNING, logger="inspector.core.cache"):
        cache = ResultCache(taken)
    cache.put("k", {"v": 1.5})
    assert cache.get("k") == {"v": 1.5}
    cache.close()
    assert (taken / "mine.txt").read_text() == "the user's"  # not moved aside, not touched
    assert not list(tmp_path.glob("results.sqlite.corrupt-*"))
    assert any("not cached this run" in r.getMessage() for r in caplog.records)


def test_a_cache_folder_that_cannot_be_created_works_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("INSPECTOR_CACHE_DIR", str(blocker / "cache"))
    cache = ResultCache()
    cache.put("k", {"v": 2})
    assert cache.get("k") == {"v": 2}
    cache.close()


def test_damaged_values_are_misses(tmp_path):
    db = tmp_path / "results.sqlite"
    cache = ResultCache(db)
    cache.put("a", {"v": 1})
    cache.put("b", {"v": 2})
    cache.close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE results SET value = '{not json' WHERE key = 'a'")
    conn.execute("UPDATE results SET value = '[1, 2]' WHERE key = 'b'")
    conn.commit()
    conn.close()
    cache = ResultCache(db)
    assert cache.get("a") is None and cache.get("b") is None
    assert len(cache) == 0  # dropped, to be recomputed
    cache.close()
