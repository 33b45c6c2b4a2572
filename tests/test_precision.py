"""Low-precision weights: predictions checked against float32 and the agreement recorded."""

import json

import pytest
import torch

from inspector.cli import main
from inspector.core.analysis import Analyzer
from inspector.core.errors import InputError
from inspector.core.loading import load_checkpoint
from inspector.core.precision import SAMPLE_UNITS, compare
from inspector.core.probe import load_probe
from inspector.core.results import ExampleResult, Settings

TEXT = "the staff was very great and our room"


def test_bfloat16_run_records_its_agreement_with_float32(keyword_model, sentiment_probe):
    probe = load_probe(sentiment_probe)
    lm = load_checkpoint(keyword_model, device="cpu", dtype="bfloat16")
    assert lm.dtype == torch.bfloat16
    r = Analyzer(lm, probe).analyze(TEXT, Settings(explain=False, dtype="bfloat16"))
    p = r.precision
    assert p["dtype"] == "bfloat16" and p["reference"] == "float32"
    assert p["n"] == 1 + min(SAMPLE_UNITS, len(r.units))
    # the figure is the real difference from a float32 run of the same inputs
    ref = Analyzer(load_checkpoint(keyword_model, device="cpu"), probe)
    want = ref.analyze(TEXT, Settings(explain=False))
    assert abs(r.probs[0] - want.probs[0]) <= p["max_abs_dp"] + 1e-9
    assert 0 < p["max_abs_dp"] < 0.2 and p["argmax_agreement"] > 0.5
    assert any("bfloat16 weights: against float32" in n for n in r.notes)  # shown to the user
    assert ExampleResult.from_dict(r.to_dict()).precision == p
    assert want.precision == {"dtype": "float32"}


def test_compare_counts_argmax_agreement_and_largest_gap():
    low = torch.tensor([[0.6, 0.4], [0.45, 0.55], [0.1, 0.9]])
    ref = torch.tensor([[0.7, 0.3], [0.55, 0.45], [0.1, 0.9]])
    got = compare(low, ref)
    assert got["n"] == 3
    assert got["max_abs_dp"] == pytest.approx(0.1)
    assert got["argmax_agreement"] == pytest.approx(2 / 3)


def test_dtype_is_part_of_the_cache_key_only_when_chosen():
    assert Settings(dtype="bfloat16").key() != Settings().key()
    assert "dtype" not in Settings().key()


def test_cli_dtype_option(keyword_model, sentiment_probe, tmp_path, capsys):
    out = tmp_path / "r.json"
    args = ["analyze", "--model", str(keyword_model), "--probe", str(sentiment_probe)]
    rc = main([*args, "--input", TEXT, "--no-explain", "--dtype", "bfloat16", "--json", str(out)])
    assert rc == 0
    d = json.loads(out.read_text())
    assert d["precision"]["dtype"] == "bfloat16" and "max_abs_dp" in d["precision"]
    assert d["settings"]["dtype"] == "bfloat16"
    with pytest.raises(SystemExit) as exc:  # argparse: a usage error, exit 2
        main([*args, "--input", TEXT, "--dtype", "int3"])
    assert exc.value.code == 2


def test_unknown_dtype_is_a_clear_error(keyword_model):
    with pytest.raises(InputError, match="unknown dtype"):
        load_checkpoint(keyword_model, device="cpu", dtype="int3")
