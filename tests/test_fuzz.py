"""Property tests: probe files, input files, unit offsets and ablation, chat-templated rendering."""

from __future__ import annotations

import re

import pytest
from conftest import BPE_CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.core.errors import InputError, ProbeError
from inspector.core.inputs import parse_inputs
from inspector.core.probe import Probe, parse_probe
from inspector.core.prompting import encode, input_token_offsets, render
from inspector.core.units import ablate, token_units, word_units
from inspector.demo import tiny
from inspector.demo.tiny import SENTIMENT_PROBE

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
WORDY = st.lists(
    st.sampled_from([*"ab cé,.!?'-\n\t🙂日本_", "don't", " zebra ", "<|im_start|>"]), max_size=25
).map("".join)


def _mutate(source: str, data) -> str:
    ops = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(["delete", "insert", "replace"]), st.integers(0, len(source)), TEXT
            ),
            max_size=4,
        )
    )
    for op, at, s in ops:
        at = min(at, len(source))
        if op == "delete":
            source = source[:at] + source[at + len(s) + 1 :]
        elif op == "insert":
            source = source[:at] + s + source[at:]
        else:
            source = source[:at] + s + source[at + len(s) :]
    return source


@FUZZ
@given(st.data())
def test_mutated_probe_files_give_a_probe_or_a_one_line_probe_error(data):
    text = _mutate(SENTIMENT_PROBE, data)
    try:
        probe = parse_probe(text, "fuzz.toml")
    except ProbeError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(probe, Probe) and len(probe.labels) >= 2
    assert "{input}" in probe.prompt


def _toml(v) -> str:
    """Inline TOML for a JSON-like value (None has no TOML spelling: written as an empty table)."""
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return "{}" if v is None else json.dumps(v)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["name", "prompt", "chat", "labels", "explanation", "extra"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | TEXT,
            lambda c: st.lists(c, max_size=3) | st.dictionaries(TEXT, c, max_size=3),
            max_leaves=6,
        ),
    )
)
def test_probe_tables_of_any_shape_give_a_probe_or_a_probe_error(table):
    body = "\n".join(f"{k} = {_toml(v)}" for k, v in table.items() if v is not None)
    try:
        parse_probe(body, "fuzz.toml")
    except ProbeError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(
    st.lists(
        st.one_of(
            TEXT,
            st.builds(
                lambda t, lab: f'{{"text": {t}, "label": {lab}}}',
                st.sampled_from(['"ok"', '""', "3", "null", '"x"']),
                st.sampled_from(['"positive"', '"neutral"', "1", "null"]),
            ),
        ),
        max_size=6,
    )
)
def test_input_files_give_examples_or_an_input_error_naming_the_file(lines):
    try:
        examples = parse_inputs("\n".join(lines), "set.jsonl", labels=["positive", "negative"])
    except InputError as exc:
        assert str(exc).startswith("set.jsonl") and "\n" not in str(exc)
        return
    assert examples and all(ex.text.strip() for ex in examples)
    assert all(ex.label in (None, "positive", "negative") for ex in examples)


@FUZZ
@given(WORDY, st.data())
def test_word_units_map_back_and_ablation_never_raises(text, data):
    units = word_units(text)
    assert all(text[u.start : u.end] == u.text for u in units)
    assert all(a.end <= b.start for a, b in zip(units, units[1:], strict=False))
    remove = (
        set(data.draw(st.lists(st.integers(0, max(0, len(units) - 1)), max_size=5)))
        if units
        else set()
    )
    ablate(text, units, remove)
    ablate(text, units, remove, "…")
    gone = ablate(text, units, set(range(len(units))))
    assert not re.search(r"\w", gone), (text, gone)


@pytest.fixture(scope="module")
def chat_tok():
    return tiny.bpe_tokenizer(BPE_CORPUS)


@FUZZ
@given(WORDY.filter(lambda t: t.strip()))
def test_chat_rendering_keeps_units_inside_the_input(chat_tok, text):
    rendered = render("Review: {input}\nPositive or negative?", chat_tok, True, text)
    assert rendered.text[rendered.input_start : rendered.input_end] == text
    ids, offsets = encode(chat_tok, rendered, True)
    units = token_units(text, input_token_offsets(rendered, offsets))
    assert all(text[u.start : u.end] == u.text and 0 <= u.start < u.end <= len(text) for u in units)
    inside = [(a, b) for a, b in offsets if a < rendered.input_end and b > rendered.input_start]
    assert len(units) <= len(inside)  # no unit comes from a template token
    assert len(ids) == len(offsets)
