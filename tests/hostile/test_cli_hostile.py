"""Every hostile file in the corpus: the right exit code, one line on stderr, no traceback,
done within the time limit, and the previous output file left whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import error_lines, run_cli, run_main
from .corpus import CASES, looping_chat_template, weights_are_a_fifo


def _check(case, code, lines):
    assert code == case.code, lines
    assert len(lines) == 1 and lines[0].startswith("inspector: error: "), lines
    assert case.fragment in lines[0], lines[0]
    if case.out:
        out = Path(case.out)
        assert out.read_bytes() == case.before
        assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("make", CASES, ids=[c.__name__ for c in CASES])
def test_hostile_file_gets_one_line_and_keeps_the_previous_output(make, good, tmp_path, capsys):
    case = make(tmp_path, good)
    case.before = Path(case.out).read_bytes() if case.out else None
    code, lines = run_main(case.argv, capsys)
    _check(case, code, lines)


@pytest.mark.parametrize("make", [weights_are_a_fifo, looping_chat_template])
def test_blocking_files_end_in_a_fresh_process_too(make, good, tmp_path):
    """What could hang, run as a user runs it: a separate process under a wall-clock limit."""
    case = make(tmp_path, good)
    case.before = Path(case.out).read_bytes()
    proc = run_cli(case.argv, tmp_path)
    assert "Traceback" not in proc.stderr.decode("utf-8", "replace")
    _check(case, proc.returncode, error_lines(proc))
