"""The analyze command: JSON contract on stdout, readable table, one-line errors with exit codes."""

import json

from inspector.cli import main


def test_analyze_json_to_stdout(keyword_model, sentiment_probe, capsys):
    code = main(
        [
            "analyze",
            "--model",
            str(keyword_model),
            "--probe",
            str(sentiment_probe),
            "--input",
            "the room was great",
            "--json",
            "-",
        ]
    )
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["model"] == str(keyword_model)
    assert d["probe"] == "tiny sentiment"
    assert d["prediction"]["label"] == "positive"
    assert [u["text"] for u in d["units"]] == ["the", "room", "was", "great"]
    top = max(d["units"], key=lambda u: u["delta"])
    assert top["text"] == "great" and top["flips"] is True
    assert all(isinstance(i, int) and 0 <= i < 4 for i in d["explanation"]["cited"])


def test_analyze_table(keyword_model, sentiment_probe, capsys):
    assert (
        main(
            [
                "analyze",
                "--model",
                str(keyword_model),
                "--probe",
                str(sentiment_probe),
                "--input",
                "great staff",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "prediction: positive" in out
    assert "great" in out and "metrics:" in out


def test_bad_probe_exits_2_with_one_line(keyword_model, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('prompt = "no placeholder"\n[labels]\na = "good"\nb = "bad"\n')
    assert (
        main(["analyze", "--model", str(keyword_model), "--probe", str(bad), "--input", "x"]) == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "must contain {input}" in err[0] and str(bad) in err[0]


def test_broken_checkpoint_exits_3_with_one_line(tmp_path, sentiment_probe, capsys):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text("{not json")
    assert (
        main(["analyze", "--model", str(ckpt), "--probe", str(sentiment_probe), "--input", "x"])
        == 3
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "config.json" in err[0] and "not valid JSON" in err[0]


def test_label_missing_from_tokenizer_exits_2(keyword_model, tmp_path, capsys):
    probe = tmp_path / "p.toml"
    probe.write_text('prompt = "review : {input} ."\n[labels]\nyes = "zebra"\nno = "bad"\n')
    assert (
        main(["analyze", "--model", str(keyword_model), "--probe", str(probe), "--input", "x y"])
        == 2
    )
    assert "'zebra'" in capsys.readouterr().err


def _analyze(model, probe, *extra):
    return [
        "analyze",
        "--model",
        str(model),
        "--probe",
        str(probe),
        "--input",
        "great staff",
        *extra,
    ]


def test_metric_keys_stay_without_an_explanation(keyword_model, sentiment_probe, capsys):
    assert main(_analyze(keyword_model, sentiment_probe, "--no-explain", "--json", "-")) == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("hit_at_1", "rank", "cited_mass", "comprehensiveness", "sufficiency"):
        assert key in d["metrics"] and d["metrics"][key] is None
    assert d["settings"]["explain"] is False and d["settings"]["seed"] == 0


def test_bad_max_units_and_unwritable_json_exit_2(keyword_model, sentiment_probe, tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit) as e:
        main(_analyze(keyword_model, sentiment_probe, "--max-units", "-1"))
    assert e.value.code == 2
    assert "at least 1" in capsys.readouterr().err
    out = tmp_path / "missing" / "r.json"
    assert main(_analyze(keyword_model, sentiment_probe, "--json", str(out))) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(out) in err[0] and "cannot write" in err[0]


def test_word_forms_flag_is_recorded_and_cites_inflections(keyword_model, sentiment_probe, capsys):
    args = _analyze(keyword_model, sentiment_probe, "--json", "-")
    args[args.index("great staff")] = "the goods was great"
    assert main([*args, "--word-forms"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["settings"]["word_forms"] is True
    assert [d["units"][i]["text"] for i in d["explanation"]["cited"]] == ["goods"]
    assert d["explanation"]["citations"][0]["how"] == "word form"  # why it counts
    assert main([*args, "--no-word-forms"]) == 0  # on by default since #17; this turns it off
    d = json.loads(capsys.readouterr().out)
    assert d["settings"]["word_forms"] is False and d["explanation"]["cited"] == []
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["word_forms"] is True


def test_counterfactual_table_shows_stated_and_measured_flips(
    keyword_model, counterfactual_probe, capsys
):
    args = _analyze(keyword_model, counterfactual_probe, "--counterfactual")
    args[args.index("great staff")] = "the staff was great"
    assert main(args) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("counterfactual"))
    rows = [line.split(None, 2) for line in lines[start + 1 : start + 5]]
    assert [r[0] for r in rows] == ["the", "staff", "was", "great"]
    # the model says every removal would change its answer, yet names its current label
    assert rows[3][2] == "yes → positive / yes → negative"
    assert rows[0][2] == "yes → positive / no"
    assert "cf_label_match 0.000" in out


def test_a_device_this_torch_lacks_and_an_unwritable_output_are_one_line_errors(
    keyword_model, sentiment_probe, tmp_path, capsys
):
    import torch

    base = ["analyze", "--model", str(keyword_model), "--probe", str(sentiment_probe)]
    assert main([*base, "--input", "great", "--device", "tpu"]) == 2
    assert capsys.readouterr().err.strip() == (
        "inspector: error: unknown device 'tpu' (use auto, cpu, cuda or mps)"
    )
    if not torch.cuda.is_available():
        assert main([*base, "--input", "great", "--device", "cuda"]) == 2
        err = capsys.readouterr().err
        assert "device 'cuda' is not available here" in err and "Traceback" not in err
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["demo", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"inspector: error: {blocker}") and len(err.strip().splitlines()) == 1


def test_tau_and_shapley_flags_are_recorded_and_checked(keyword_model, sentiment_probe, capsys):
    import pytest

    args = _analyze(keyword_model, sentiment_probe, "--json", "-")
    args[args.index("great staff")] = "great food great staff"
    assert main([*args, "--tau", "0.2", "--shapley", "0.1", "--top-k", "2"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["settings"]["tau"] == 0.2 and d["metrics"]["tau"] == 0.2
    # two copies of the keyword: no single unit decides, so the input is undecided
    assert d["metrics"]["decided"] is False and d["metrics"]["hit_at_1"] is None
    assert d["metrics"]["top_k"] == 2 and 0 <= d["metrics"]["group_delta_top_k"] <= 1
    assert len(d["shapley"]["values"]) == 4 and d["shapley"]["permutations"] >= 2
    for bad in (["--tau", "1.5"], ["--tau", "x"], ["--shapley", "-1"]):
        with pytest.raises(SystemExit) as e:
            main([*args, *bad])
        assert e.value.code == 2
    assert "expected" in capsys.readouterr().err
