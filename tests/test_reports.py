"""Reports: HTML/JSON/CSV written from a real timeline of tiny models, read back and checked."""

import csv
import json
import re
import shutil
from html.parser import HTMLParser

import pytest

from inspector.cli import main
from inspector.core.metrics import METRIC_HELP
from inspector.core.timeline import TimelineResult
from inspector.demo import tiny
from inspector.reports.html import render_html
from inspector.reports.model import build_report, compare_checkpoints
from inspector.reports.svg import line_chart
from inspector.reports.validate import errors
from inspector.reports.write import read_report

INPUTS = [
    ("the food was great", "positive"),
    ("our staff was awful", "negative"),
    ("the room <i>was</i> very great & quiet", "positive"),
]


@pytest.fixture(scope="module")
def run(keyword_model, sentiment_probe, tmp_path_factory):
    """A two-checkpoint series (trained, untrained), reported once through the CLI as JSON."""
    from transformers import AutoTokenizer

    tmp = tmp_path_factory.mktemp("report")
    root = tmp / "run"
    shutil.copytree(keyword_model, root / "checkpoint-100")
    (root / "checkpoint-100" / "trainer_state.json").write_text('{"global_step": 100}')
    tok = AutoTokenizer.from_pretrained(keyword_model)
    untrained = tiny.build_model(
        tiny.llama_config(len(tok), hidden=32, layers=1, heads=2), tok, seed=1
    )
    tiny.save_checkpoint(untrained, tok, root / "checkpoint-200")
    inputs = tmp / "inputs.jsonl"
    inputs.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in INPUTS))
    out = tmp / "report.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSPECTOR_CACHE_DIR", str(tmp / "cache"))
        code = main(
            [
                "report",
                "--series",
                str(root),
                "--probe",
                str(sentiment_probe),
                "--inputs",
                str(inputs),
                "--out",
                str(out),
                "--device",
                "cpu",
            ]
        )
    assert code == 0
    return {
        "dir": tmp,
        "json": out,
        "report": json.loads(out.read_text()),
        "probe": sentiment_probe,
    }


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags, self.links, self.cited, self.cells = [], [], [], [], []
        self._in_cited = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        self.links += [v for k, v in attrs if k in ("src", "href", "xlink:href")]
        self._in_cited = tag == "span" and "cited" in (a.get("class") or "")

    def handle_endtag(self, tag):
        self._in_cited = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_cited:
            self.cited.append(data)


def _page(html: str) -> tuple[_Page, str]:
    p = _Page()
    p.feed(html)
    return p, "".join(p.text)


def test_json_report_is_complete_and_valid(run, keyword_model):
    d = run["report"]
    assert errors(d) == []
    prov = d["provenance"]
    assert prov["probe_source"] == run["probe"].read_text()  # verbatim
    assert prov["device"] == "cpu" and prov["torch"] and prov["transformers"] and prov["python"]
    assert [c["name"] for c in prov["checkpoints"]] == ["checkpoint-100", "checkpoint-200"]
    assert all(len(c["hash"]) >= 16 for c in prov["checkpoints"])
    assert prov["inputs_hash"] == d["timeline"]["inputs_hash"]
    assert prov["ablation"]["ablation"] == "delete" and prov["seed"] == 0
    trained = d["timeline"]["checkpoints"][0]
    assert trained["metrics"]["accuracy"] == 1.0
    assert d["compare"]["a"] == "checkpoint-100" and d["compare"]["b"] == "checkpoint-200"
    scores = [c["score"] for c in d["compare"]["changes"]]
    assert scores == sorted(scores, reverse=True) and scores  # trained vs untrained: answers move
    changed = [c["index"] for c in d["compare"]["changes"]]
    assert d["selected"][: len(changed)] == changed[:3] and len(d["selected"]) == len(INPUTS)


def test_schema_rejects_broken_reports_with_a_path(run, tmp_path, capsys):
    d = json.loads(run["json"].read_text())
    del d["timeline"]["checkpoints"][1]["examples"][0]["units"][0]["delta"]
    d["provenance"]["seed"] = "zero"
    problems = errors(d)
    assert "$.timeline.checkpoints[1].examples[0].units[0]: missing 'delta'" in problems
    assert "$.provenance.seed: expected integer or null, got str" in problems
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    assert main(["report", "--from", str(bad), "--out", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("inspector: error: ") and "bad.json" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.html").exists()


def test_from_json_recreates_the_same_report(run, tmp_path):
    a, b, again = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "again.json"
    for out in (a, b, again):
        assert main(["report", "--from", str(run["json"]), "--out", str(out)]) == 0
    assert again.read_bytes() == run["json"].read_bytes()
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text() == render_html(read_report(run["json"]))


def test_html_is_self_contained_and_shows_the_numbers(run, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", "--from", str(run["json"]), "--out", str(out)]) == 0
    html = out.read_text()
    page, text = _page(html)
    assert page.links == [] or all(x.startswith(("data:", "#")) for x in page.links)
    for needle in ("http://", "https://", "url(", "@import", "<script", "<link", "<img"):
        assert needle not in html.lower()
    assert "svg" in page.tags and "i" not in page.tags  # the input's <i> is text, not markup
    d = run["report"]
    for text_in, _ in INPUTS:
        assert text_in in text
    ref, other = d["timeline"]["checkpoints"]
    # the untrained checkpoint decides no input (largest Δ below τ): no Hit@1, counted instead
    hit, m = other["metrics"]["hit_at_1"], other["metrics"]
    assert (f"{hit:.3f}" if hit is not None else f"{m['n_undecided']} of {m['n_examples']}") in text
    assert f"{ref['metrics']['cited_mass']:.3f}" in text
    lo, hi = ref["metrics"]["cited_mass_ci"]
    assert f"[{lo:.2f}, {hi:.2f}] n={ref['metrics']['n_cited_mass']}" in text  # n and interval
    n = other["metrics"]["n_conflict"]
    assert f"(n={n})" in text  # coupling never appears without the size of its conflict set
    plot = re.search(r'<svg[^>]*aria-label="Coupling against[^"]*".*?</svg>', html).group(0)
    assert f">n={n}</text>" in plot  # ... nor in the plot
    for c in (ref, other):
        for ex in c["examples"]:
            if ex["explanation"]:
                assert ex["explanation"]["text"] in text
    cited = {
        ex["units"][i]["text"]
        for c in (ref, other)
        for k, ex in enumerate(c["examples"])
        if k in d["selected"] and ex["explanation"]
        for i in ex["explanation"]["cited"]
    }
    assert set(page.cited) == cited
    for help_text in METRIC_HELP.values():
        assert help_text in text
    assert run["probe"].read_text().strip().splitlines()[0] in text  # the probe file, verbatim
    for c in d["provenance"]["checkpoints"]:
        assert c["hash"] in text
    assert "@media print" in html


def test_csv_round_trips_through_the_csv_module(run, tmp_path):
    out = tmp_path / "r.csv"
    assert main(["report", "--from", str(run["json"]), "--out", str(out)]) == 0
    d = run["report"]
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["checkpoint"] for r in rows] == ["checkpoint-100", "checkpoint-200"]
    assert [r["is_reference"] for r in rows] == ["1", "0"]
    for row, c in zip(rows, d["timeline"]["checkpoints"], strict=True):
        m = c["metrics"]
        assert row["hit_at_1"] == ("" if m["hit_at_1"] is None else str(m["hit_at_1"]))
        assert int(row["n_undecided"]) == m["n_undecided"] and float(row["tau"]) == m["tau"]
        if m["cited_mass_ci"]:  # every mean with its interval and n
            assert [float(row["cited_mass_lo"]), float(row["cited_mass_hi"])] == m["cited_mass_ci"]
            assert int(row["n_cited_mass"]) == m["n_cited_mass"]
    with (tmp_path / "r.examples.csv").open(newline="") as f:
        ex_rows = list(csv.DictReader(f))
    assert len(ex_rows) == 2 * len(INPUTS)
    for row in ex_rows:
        c = next(c for c in d["timeline"]["checkpoints"] if c["name"] == row["checkpoint"])
        ex = c["examples"][int(row["example"])]
        assert row["input"] == ex["input"] and row["label"] == ex["prediction"]["label"]
        assert float(row["top_delta"]) == max(u["delta"] for u in ex["units"])


def _top(ex):
    return max(ex["units"], key=lambda u: u["delta"])["text"]


def test_compare_ranks_the_inputs_that_changed_most(run):
    t = run["report"]["timeline"]
    cmp = compare_checkpoints(TimelineResult.from_dict(t), "checkpoint-200", "checkpoint-100")
    for change in cmp.changes:
        a = t["checkpoints"][1]["examples"][change.index]
        b = t["checkpoints"][0]["examples"][change.index]
        tvd = 0.5 * sum(
            abs(a["prediction"]["probs"][k] - b["prediction"]["probs"][k])
            for k in a["prediction"]["probs"]
        )
        shift = abs(max(u["delta"] for u in b["units"]) - max(u["delta"] for u in a["units"]))
        assert change.score == pytest.approx(tvd + shift, abs=1e-6)
        assert change.label_a == a["prediction"]["label"]
        moved = (a["prediction"]["label"], _top(a)) != (b["prediction"]["label"], _top(b))
        assert moved or change.cited_a != change.cited_b  # unchanged inputs are not listed
    tr = TimelineResult.from_dict(t)
    r = build_report(
        tr, run["report"]["provenance"], compare=("checkpoint-200", "checkpoint-100"), selected=[2]
    )
    page, text = _page(render_html(r))
    assert "A = checkpoint-200, B = checkpoint-100" in text and r.selected == (2,)
    with pytest.raises(KeyError, match="no checkpoint named 'nope'"):
        build_report(tr, {}, compare=("nope", "checkpoint-100"))


def test_bad_output_suffix_and_missing_arguments_exit_2(run, tmp_path, capsys):
    assert main(["report", "--from", str(run["json"]), "--out", str(tmp_path / "r.docx")]) == 2
    assert "unknown report format" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path / "r.html")]) == 2
    assert "--series, --probe, --inputs required" in capsys.readouterr().err
    # --from re-creates a report: options of a run would be silently ignored, so they are refused
    out = str(tmp_path / "again.html")
    assert main(["report", "--from", str(run["json"]), "--out", out, "--counterfactual"]) == 2
    err = capsys.readouterr().err
    assert "--counterfactual cannot change it" in err and not (tmp_path / "again.html").exists()
    assert main(["-v", "report", "--from", str(run["json"]), "--out", out]) == 0  # a global flag


def test_line_chart_breaks_curves_at_missing_values():
    svg = line_chart(
        [("coupling", [(0, None), (100, 0.5), (200, None), (300, -0.5), (400, 0.2)])],
        "t",
        y_range=(-1, 1),
    )
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 3


# -- hand-built results with known answers: two labels, so Δ = |p(pos) − q(pos)| -------------

PROBE_SRC = 'name = "hand"\nprompt = "{input} ->"\n[labels]\npos = ["a"]\nneg = ["b"]\n'


def _hand_report(name: str = "ck-2", text: str = "x y z"):
    from inspector.core.explanation import Explanation
    from inspector.core.inputs import Example
    from inspector.core.probe import parse_probe
    from inspector.core.results import ExampleResult, Settings
    from inspector.core.timeline import CheckpointResult, TimelineResult, checkpoint_metrics
    from inspector.core.units import word_units
    from inspector.reports.model import collect_provenance

    def ex(unit_probs, said, cited):
        return ExampleResult(
            text,
            ["pos", "neg"],
            [0.9, 0.1],
            word_units(text)[:3],
            unit_probs,
            Explanation(said, cited, 1),
            gold="pos",
        )

    ref = [ex([[0.85, 0.15], [0.3, 0.7], [0.9, 0.1]], "y", [1])]  # top y, cites y
    now = [
        ex([[0.2, 0.8], [0.8, 0.2], [0.9, 0.1]], "y <b>!", [1])
    ]  # top x, still cites y: imitation
    cks = [
        CheckpointResult("ck-1", "/r/ck-1", 1, checkpoint_metrics(ref, ref), ref, hash="a" * 16),
        CheckpointResult(name, "/r/ck-2", 2, checkpoint_metrics(now, ref), now, hash="b" * 16),
    ]
    t = TimelineResult(
        "/r", "ck-1", cks, Settings(), parse_probe(PROBE_SRC), [Example(text, "pos")]
    )
    return build_report(t, collect_provenance(t, device="cpu", created="2026-01-01T00:00:00+00:00"))


def test_hand_built_report_marks_cited_units_tints_by_delta_and_shows_imitation():
    r = _hand_report()
    assert r.compare.changes[0].top_a == "y" and r.compare.changes[0].top_b == "x"
    html = render_html(r)
    page, text = _page(html)
    assert "-1.00 (n=1)" in text  # Self 0, Orig 1 over a conflict set of one
    assert "<title>Hit@1: 95 % interval</title>" in html  # the curves carry their bands
    assert page.cited and set(page.cited) == {"y"}
    assert "explanation: “y <b>!”" in text and "y &lt;b&gt;!" in html  # escaped, shown as typed
    b_block = html.split("<h3>B: ck-2</h3>")[1].split("</div>")[0]
    from inspector.core.colors import luminance

    shade = {
        u: luminance(tuple(int(h[i : i + 2], 16) for i in (0, 2, 4)))
        for h, u in re.findall(r'background:#([0-9a-f]{6});color:#[0-9a-f]{6}"[^>]*>(\w)<', b_block)
    }
    assert shade["x"] < shade["y"] < shade["z"]  # Δ .7, .1, 0: darker with Δ (the app's scale)
    assert errors(r.to_dict()) == []
    assert render_html(type(r).from_dict(json.loads(json.dumps(r.to_dict())))) == html


HOSTILE = """<script>alert(1)</script>"&'"""


def test_names_and_inputs_are_escaped_in_the_html():
    """Jinja2's autoescape: a checkpoint name or an input is text on the page, never markup."""
    r = _hand_report(name=HOSTILE, text=f"x y z {HOSTILE}")
    html = render_html(r)
    assert "<script" not in html and "alert(1)</" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;&#39;"
    assert html.count(escaped) >= 6  # summary, compare, examples, provenance, inputs, charts
    page, text = _page(html)
    assert "script" not in page.tags
    assert HOSTILE in text and f"x y z {HOSTILE}" in text  # shown as typed
