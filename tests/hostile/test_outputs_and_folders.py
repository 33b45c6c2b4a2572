"""Outputs survive failures and closed pipes; odd series folders are walked to the end;
NaN never reaches a JSON file; spreadsheet formulas in CSV cells are neutralised."""

from __future__ import annotations

import json
import os
import resource
import signal
import sys

import pytest

from inspector.core.series import discover_series

from .conftest import error_lines, run_cli, run_main
from .corpus import INPUTS, PROBE, odd_series


def _analyze_argv(tmp_path, good, *extra):
    probe = tmp_path / "probe.toml"
    probe.write_text(PROBE)
    return ["analyze", "--model", str(good), "--probe", str(probe), "--input", "the food was great",
            "--no-explain", *extra]  # fmt: skip


def test_a_write_that_fails_midway_leaves_the_previous_json_whole(good, tmp_path):
    """The output outgrows what the process may write (a full disk, a quota): exit 2, the
    previous file byte for byte, no temp file left behind."""
    out = tmp_path / "result.json"
    previous = json.dumps({"previous": True, "pad": "x" * 100}).encode()
    out.write_bytes(previous)

    def small_files():  # past 512 bytes a write fails with EFBIG instead of killing the process
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))

    argv = _analyze_argv(tmp_path, good, "--json", str(out))
    proc = run_cli(argv, tmp_path, preexec_fn=small_files)
    lines = error_lines(proc)
    assert proc.returncode == 2, lines
    assert lines[-1].startswith("inspector: error: ") and "result.json" in lines[-1], lines
    assert "Traceback" not in proc.stderr.decode()
    assert out.read_bytes() == previous
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".result.json")] == []


@pytest.mark.parametrize("json_to_stdout", [True, False])
def test_a_closed_stdout_pipe_ends_quietly_with_141(good, tmp_path, json_to_stdout):
    """`inspector … | head -0`: the reader is gone; no traceback, no complaint, exit 141."""
    argv = _analyze_argv(tmp_path, good, *(["--json", "-"] if json_to_stdout else []))
    read, write = os.pipe()
    os.close(read)  # nobody will ever read what the CLI prints
    try:
        proc = run_cli(argv, tmp_path, stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 141
    assert proc.stderr.decode().strip() == ""


def test_odd_series_folder_is_walked_to_the_end(good, tmp_path):
    """Symlink loops, a link to itself, FIFOs, a device, an unreadable folder, 40 levels deep:
    discovery ends, never blocks, and finds the one good checkpoint."""
    root = odd_series(tmp_path, good)
    try:
        series = discover_series(root)
    finally:
        (root / "locked").chmod(0o755)
    assert series.names() == ["checkpoint-1"]
    reasons = dict(series.skipped)
    assert "not a regular file" in reasons["checkpoint-2"]
    assert "runs/loop" not in " ".join(series.names())


def test_timeline_on_an_odd_series_finishes(good, tmp_path, capsys):
    root = odd_series(tmp_path, good)
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_text(INPUTS)
    probe = tmp_path / "probe.toml"
    probe.write_text(PROBE)
    out = tmp_path / "t.json"
    argv = ["timeline", "--series", str(root), "--probe", str(probe), "--inputs", str(inputs),
            "--no-explain", "--json", str(out)]  # fmt: skip
    try:
        code, lines = run_main(argv, capsys)
    finally:
        (root / "locked").chmod(0o755)
    assert code == 0, lines
    assert [c["name"] for c in json.loads(out.read_text())["checkpoints"]] == ["checkpoint-1"]


def test_json_output_never_holds_nan():
    from inspector.core import safeio

    d = {"probs": {"a": float("nan"), "b": float("inf")}, "units": [{"delta": -float("inf")}]}
    text = safeio.dumps(d)

    def refuse(name):
        raise AssertionError(f"{name} in the JSON")

    back = json.loads(text, parse_constant=refuse)
    assert back == {"probs": {"a": None, "b": None}, "units": [{"delta": None}]}


def test_csv_cells_that_spreadsheets_read_as_formulas_are_neutralised(tmp_path):
    from inspector.reports.model import Report
    from inspector.reports.tables import write_csv

    from .corpus import REPORT_MIN

    data = json.loads(REPORT_MIN.read_text())
    ex = data["timeline"]["checkpoints"][0]["examples"][0]
    hostile = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    ex["input"] = hostile[0]
    ex["explanation"] = {"text": " ".join(hostile[1:]), "cited": []}
    data["timeline"]["checkpoints"][0]["name"] = "-cmd"
    paths = write_csv(Report.from_dict(data), tmp_path / "r.csv")
    import csv

    rows = list(csv.DictReader(paths[1].open(newline="")))
    assert rows[0]["input"] == "'" + hostile[0]
    assert rows[0]["explanation"] == "'" + " ".join(hostile[1:]).replace("\r", "\n")
    assert len(rows) == 2  # a CR inside a cell does not start a new row
    assert rows[0]["checkpoint"] == "'-cmd"
    first = list(csv.DictReader(paths[0].open(newline="")))
    assert first[0]["checkpoint"] == "'-cmd"
    for row in rows:  # numbers stay numbers: a negative Δ or coupling is not a formula
        for k in ("p_label", "top_delta"):
            if row[k]:
                float(row[k])


def test_non_utf8_stdin_is_named(good, tmp_path, capsys, monkeypatch):
    import io

    argv = [a for a in _analyze_argv(tmp_path, good) if a not in ("--input", "the food was great")]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"the food\nwas \xfe good")))
    code, lines = run_main(argv, capsys)
    assert code == 2
    assert lines == [
        "inspector: error: <stdin>: not UTF-8 text at line 2, byte 13 (0xfe); re-save it as UTF-8"
    ]


def test_a_non_finite_checkpoint_is_marked_in_the_report_and_the_json_stays_json(
    good, tmp_path, capsys
):
    """A series with NaN weights in one checkpoint: the report lists it as non-finite (skipped,
    with the reason), the others are analysed, and the JSON parses strictly."""
    import shutil

    from .corpus import nan_weights

    series = tmp_path / "series"
    shutil.copytree(good, series / "checkpoint-1")
    nan_weights.damage(shutil.copytree(good, series / "checkpoint-2"))
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_text(INPUTS)
    probe = tmp_path / "probe.toml"
    probe.write_text(PROBE)
    out = tmp_path / "report.json"
    argv = ["report", "--series", str(series), "--probe", str(probe), "--inputs", str(inputs),
            "--no-explain", "--out", str(out)]  # fmt: skip
    code, lines = run_main(argv, capsys)
    assert code == 0, lines
    assert any("checkpoint-2" in line and "non-finite" in line for line in lines), lines

    def refuse(name):
        raise AssertionError(f"{name} in the report JSON")

    report = json.loads(out.read_text(), parse_constant=refuse)
    by_name = {c["name"]: c for c in report["timeline"]["checkpoints"]}
    assert "non-finite" in by_name["checkpoint-2"]["error"]
    assert not by_name["checkpoint-1"].get("error") and by_name["checkpoint-1"]["examples"]
