"""Probe files: valid ones parse; every mistake names the field and the problem."""

import pytest

from inspector.core.errors import ProbeError
from inspector.core.probe import load_probe, parse_probe

GOOD = """
name = "review sentiment"
prompt = "Review: {input}\\nIs this review positive or negative? Answer with one word."
chat = true
[labels]
positive = ["Positive", "positive"]
negative = "Negative"
[explanation]
prompt = "Review: {input}\\nYou answered \\"{label}\\". Which words made you answer that?"
max_new_tokens = 24
"""


def test_design_example_parses():
    p = parse_probe(GOOD)
    assert p.name == "review sentiment"
    assert p.chat is True
    assert p.labels == {"positive": ("Positive", "positive"), "negative": ("Negative",)}
    assert "{label}" in p.explanation_prompt
    assert p.max_new_tokens == 24
    assert p.source == GOOD


@pytest.mark.parametrize(
    "mutation, message",
    [
        (('prompt = "Review: {input}', 'prompt = "Review: {text}'), "unknown placeholder {text}"),
        (('prompt = "Review: {input}', 'prompt = "Review:'), "must contain {input}"),
        (("chat = true", 'chat = "yes"'), "'chat' must be true or false"),
        (("chat = true", "chatt = true"), "unknown field 'chatt'"),
        (("max_new_tokens = 24", "max_new_tokens = 0"), "max_new_tokens must be an integer"),
        (('negative = "Negative"', "negative = []"), "labels.negative"),
        (('negative = "Negative"', 'negative = "positive"'), "used by both"),
        (("[labels]", "[labelz]"), "unknown field 'labelz'"),
        (('name = "review sentiment"', 'name = "review'), "not valid TOML"),
        (
            (
                "max_new_tokens = 24",
                'max_new_tokens = 24\n[counterfactual]\nlabel_prompt = "{input}?"',
            ),
            "counterfactual.label_prompt: must contain {unit}",
        ),
        (
            ("max_new_tokens = 24", 'max_new_tokens = 24\n[counterfactual]\nlabel_promt = "x"'),
            "unknown field 'label_promt'",
        ),
    ],
)
def test_mistakes_name_the_field(mutation, message):
    old, new = mutation
    with pytest.raises(ProbeError) as err:
        parse_probe(GOOD.replace(old, new), "probe.toml")
    text = str(err.value)
    assert message in text
    assert text.startswith("probe.toml")
    assert "\n" not in text


def test_labels_placeholder_lists_what_the_model_should_say():
    listed = GOOD.replace("Answer with one word.", "Answer {labels}.").replace(
        "Which words", "Not {labels}? Which words"
    )
    p = parse_probe(
        listed + '[counterfactual]\nlabel_prompt = "{input} without {unit}: {labels}?"\n'
    )
    assert p.labels_text == "Positive, Negative"
    assert "{labels}" in p.prompt and "{labels}" in p.explanation_prompt
    assert "{labels}" in p.counterfactual_label_prompt
    # the default new-label question lists them too
    assert "{labels}" in parse_probe(GOOD).counterfactual_label_prompt


def test_single_label_is_refused():
    with pytest.raises(ProbeError, match="at least two labels"):
        parse_probe('prompt = "{input}"\n[labels]\nonly = ["x"]\n')


def test_unreadable_files(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ProbeError, match="cannot read probe file"):
        load_probe(missing)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ProbeError, match="not UTF-8"):
        load_probe(latin)


def test_literal_braces_survive_rendering():
    from inspector.core.prompting import render

    p = parse_probe('prompt = "JSON {{\\"review\\": {input}}}"\n[labels]\na = "A"\nb = "B"\n')
    r = render(p.prompt, None, False, "x {y} z")
    assert r.text == 'JSON {"review": x {y} z}'
    assert r.text[r.input_start : r.input_end] == "x {y} z"
