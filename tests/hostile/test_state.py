"""session.json and preferences.json that parse but lie: every field checked, a bad file moved
aside and named, the defaults (or no session) used. Property tests for the four parsers."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.core.errors import InputError, ProbeError
from inspector.core.inputs import parse_inputs
from inspector.core.prefs import Preferences
from inspector.core.probe import parse_probe
from inspector.core.session import Session, load_session, session_path

PROPS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=8,
)

BAD_SESSIONS = {
    "inputs of numbers": ({"inputs": [1, 2]}, "field inputs[0]: expected an object"),
    "input without text": ({"inputs": [{"label": "a"}]}, "missing field 'text'"),
    "text a number": ({"text": 5}, "field text: expected a string"),
    "current_input past the end": ({"current_input": 3, "inputs": []}, "current_input"),
    "negative current_input": ({"current_input": -1}, "field current_input: -1 is outside"),
    "settings a list": ({"settings": []}, "field settings: expected an object"),
    "timeline order a string": ({"timeline": {"order": "abc"}}, "field timeline.order"),
    "series a list": ({"series": ["/x"]}, "field series: expected a string"),
    "newer version": ({"version": 99}, "written by a newer Inspector"),
    "not an object": ([1, 2], "not an object"),
}
BAD_PREFS = {
    "negative threads": ({"threads": -5}, "field threads: -5 is outside"),
    "device a number": ({"device": 3}, "field device: expected a string"),
    "no resident model": ({"resident_models": 0}, "field resident_models"),
    "budget a string": ({"memory_budget_gib": "8"}, "field memory_budget_gib"),
    "budget NaN": ({"memory_budget_gib": float("nan")}, "field memory_budget_gib"),
    "recent of numbers": ({"recent": [1]}, "field recent[0]"),
    "unknown unit": ({"unit": "letter"}, "field unit"),
    "not an object": ([], "expected an object"),
}


def _write(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))


@pytest.mark.parametrize("data,fragment", BAD_SESSIONS.values(), ids=list(BAD_SESSIONS))
def test_a_session_with_a_bad_field_is_moved_aside_and_named(data, fragment):
    _write(session_path(), data)
    problems: list[str] = []
    assert load_session(problems=problems) is None
    kept = list(session_path().parent.glob("session.json.corrupt-*"))
    assert len(kept) == 1 and not session_path().exists()
    assert len(problems) == 1 and fragment in problems[0] and str(kept[0]) in problems[0]


@pytest.mark.parametrize("data,fragment", BAD_PREFS.values(), ids=list(BAD_PREFS))
def test_preferences_with_a_bad_field_are_moved_aside_and_named(data, fragment):
    _write(Preferences.path(), data)
    problems: list[str] = []
    assert Preferences.load(problems) == Preferences()
    kept = list(Preferences.path().parent.glob("preferences.json.corrupt-*"))
    assert len(kept) == 1 and not Preferences.path().exists()
    assert len(problems) == 1 and fragment in problems[0] and str(kept[0]) in problems[0]


@pytest.mark.parametrize("make", ["fifo", "deep", "latin-1", "huge"])
def test_state_files_that_cannot_be_read_are_moved_aside(make):
    path = session_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if make == "fifo":
        os.mkfifo(path)  # reading it would block the app's start forever
    elif make == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif make == "latin-1":
        path.write_bytes(b'{"text": "caf\xe9"}')
    else:
        path.write_bytes(b'{"text": "' + b"x" * (17 << 20) + b'"}')
    problems: list[str] = []
    assert load_session(problems=problems) is None
    assert len(problems) == 1 and list(path.parent.glob("session.json.corrupt-*"))


def _valid_session_types(s: Session) -> None:
    assert all(isinstance(getattr(s, k), str | None) for k in ("series", "checkpoint", "baseline"))
    assert isinstance(s.text, str) and isinstance(s.settings, dict)
    assert all(isinstance(d, dict) and isinstance(d["text"], str) for d in s.inputs)
    assert s.current_input is None or 0 <= s.current_input < len(s.inputs)


@PROPS
@given(field=st.sampled_from([f for f in Session.__dataclass_fields__]), value=JSON)
def test_any_session_field_value_loads_typed_or_is_moved_aside(field, value, tmp_path):
    path = tmp_path / f"s-{abs(hash((field, repr(value))))}.json"
    base = json.loads(Session(text="hello", inputs=[{"text": "a", "label": None}]).to_json())
    path.write_text(json.dumps({**base, field: value}))
    problems: list[str] = []
    s = load_session(path, problems)
    if s is None:
        assert len(problems) == 1 and "\n" not in problems[0] and not path.exists()
    else:
        _valid_session_types(s)


@PROPS
@given(field=st.sampled_from(list(Preferences.__dataclass_fields__)), value=JSON)
def test_any_preferences_field_value_loads_typed_or_falls_back(field, value):
    _write(Preferences.path(), {field: value})
    problems: list[str] = []
    p = Preferences.load(problems)
    assert isinstance(p.threads, int) and p.threads >= 0 and p.resident_models >= 1
    assert isinstance(p.memory_budget, int) and p.memory_budget > 0
    assert isinstance(p.device, str) and all(isinstance(r, str) for r in p.recent)
    assert len(problems) <= 1
    for f in Preferences.path().parent.glob("preferences.json*"):
        f.unlink()


LINE_BREAKERS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\r"]
TEXT = st.text(
    alphabet=st.sampled_from([*'ab é🙂{}"\\', *LINE_BREAKERS]), min_size=1, max_size=20
).filter(lambda t: t.strip())


@PROPS
@given(texts=st.lists(TEXT, min_size=1, max_size=6), crlf=st.booleans())
def test_jsonl_round_trips_whatever_the_strings_hold(texts, crlf):
    """JSON lines end at \\n only: U+2028, NEL, form feeds and CRs inside strings are text."""
    raw = ("\r\n" if crlf else "\n").join(
        json.dumps({"text": t}, ensure_ascii=False) for t in texts
    )
    assert [e.text for e in parse_inputs(raw, "x.jsonl", jsonl=True)] == texts


@PROPS
@given(lines=st.lists(st.text(max_size=30), max_size=6))
def test_any_jsonl_gives_examples_or_one_line_naming_the_line(lines):
    try:
        examples = parse_inputs("\n".join(lines), "x.jsonl", jsonl=True)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("x.jsonl")
        return
    assert examples and all(e.text.strip() for e in examples)


@PROPS
@given(
    counts=st.lists(st.integers(1, 80), min_size=2, max_size=5),
    verb=st.text(alphabet="abcé ", min_size=1, max_size=6).filter(str.strip),
)
def test_probe_verbalizer_caps_hold_for_any_label_table(counts, verb):
    from inspector.core.probe import MAX_VERBALIZERS, MAX_VERBALIZERS_PER_LABEL

    labels = "".join(
        f"l{i} = [{', '.join(json.dumps(f'{verb}{i}x{j}') for j in range(n))}]\n"
        for i, n in enumerate(counts)
    )
    text = f'prompt = "{{input}} ?"\n[labels]\n{labels}'
    try:
        probe = parse_probe(text, "p.toml")
    except ProbeError as exc:
        assert "\n" not in str(exc) and "cap" in str(exc)
        assert max(counts) > MAX_VERBALIZERS_PER_LABEL or sum(counts) > MAX_VERBALIZERS
        return
    assert all(len(v) <= MAX_VERBALIZERS_PER_LABEL for v in probe.labels.values())
    assert sum(map(len, probe.labels.values())) <= MAX_VERBALIZERS
