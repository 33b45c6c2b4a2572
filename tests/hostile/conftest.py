"""Fixtures shared by the hostile-file tests: one healthy tiny checkpoint to copy and damage,
and two ways to run the CLI under a time limit (a hang is a failure, never a stuck suite)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import traceback
from pathlib import Path

import pytest

import inspector

from .corpus import build_good

# the inspector these tests imported (a worktree, or an older checkout under test)
ROOT = Path(inspector.__file__).resolve().parents[1]
# generous: a case that hangs (a FIFO opened, a template looping) fails here instead of forever
TIME_LIMIT_S = int(os.environ.get("INSPECTOR_HOSTILE_TIME_LIMIT", "300"))


@pytest.fixture(scope="session")
def good(tmp_path_factory):
    return build_good(tmp_path_factory.mktemp("hostile-good") / "model")


def run_cli(argv, cwd: Path, stdout=subprocess.PIPE, **kw) -> subprocess.CompletedProcess:
    """The CLI in a fresh process, as a user runs it; a hang past TIME_LIMIT_S fails the test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    for kind in ("config", "cache", "data", "log"):
        env[f"INSPECTOR_{kind.upper()}_DIR"] = str(cwd / "user" / kind)
    cmd = [sys.executable, "-c", "import sys; from inspector.cli import main; sys.exit(main())"]
    try:
        return subprocess.run(
            [*cmd, *argv],
            cwd=cwd,
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=TIME_LIMIT_S,
            **kw,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"inspector {' '.join(map(str, argv[:2]))} did not finish in {TIME_LIMIT_S} s")


def run_main(argv: list[str], capsys) -> tuple[int, list[str]]:
    """``inspector.cli.main`` in this process, on a daemon thread with the same time limit.

    A fresh process per case costs a torch import (15 s on the shared 2-core machine); the
    process-level behaviours (a closed pipe, a failing write, argv bytes) run in one instead.
    An exception escaping ``main`` is what a user would see as a traceback: it fails the test.
    """
    from inspector import cli

    box: dict = {}

    def target():
        try:
            box["code"] = cli.main(argv)
        except BaseException:  # noqa: BLE001 - reported below as the user would see it
            box["traceback"] = traceback.format_exc()

    t = threading.Thread(target=target, daemon=True, name="hostile-cli")
    t.start()
    t.join(TIME_LIMIT_S)
    if t.is_alive():
        pytest.fail(f"inspector {' '.join(argv[:2])} did not finish in {TIME_LIMIT_S} s")
    assert "traceback" not in box, box.get("traceback")
    return box["code"], capsys.readouterr().err.strip().splitlines()


def error_lines(proc) -> list[str]:
    return proc.stderr.decode("utf-8", "replace").strip().splitlines()
