"""Input sets: a text file (one input per line) or JSONL with ``text`` and optional ``label``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import safeio
from .errors import InputError

MAX_INPUTS = 100_000
MAX_INPUT_CHARS = 100_000


@dataclass(frozen=True)
class Example:
    text: str
    label: str | None = None


def parse_inputs(
    raw: str, where: str = "inputs", labels: list[str] | None = None, jsonl: bool | None = None
) -> list[Example]:
    """One input per line of text, or JSONL; ``jsonl=None`` decides by the first line.

    Every line of a text file is an input as written ("#1 pizza", "{braces} are great").
    Lines end at "\n" only (a "\r" before it is dropped): JSON strings may hold U+2028,
    form feeds or other characters ``str.splitlines`` would split on.
    """
    lines = [line.removesuffix("\r") for line in raw.split("\n")]
    first = next((line.lstrip() for line in lines if line.strip()), "")
    is_jsonl = first.startswith("{") if jsonl is None else jsonl
    out: list[Example] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if len(out) >= MAX_INPUTS:
            raise InputError(f"{where}: more than {MAX_INPUTS} inputs; split the file")
        if len(line) > MAX_INPUT_CHARS:
            raise InputError(
                f"{where}:{n}: a line of {len(line)} characters, over the cap of {MAX_INPUT_CHARS}"
            )
        if not is_jsonl:
            out.append(Example(line.strip()))
            continue
        try:
            obj = json.loads(line)
        except RecursionError:
            raise InputError(f"{where}:{n}: not valid JSON (nested too deeply)") from None
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{where}:{n}: not valid JSON ({exc.msg} at column {exc.colno})"
            ) from exc
        if not isinstance(obj, dict):
            raise InputError(f'{where}:{n}: expected an object with a "text" field')
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f'{where}:{n}: field "text" is missing or empty')
        label = obj.get("label")
        if label is not None and not isinstance(label, str):
            raise InputError(f'{where}:{n}: field "label" must be a string')
        if label is not None and labels is not None and label not in labels:
            raise InputError(
                f"{where}:{n}: label {label!r} is not one of the probe's labels {labels}"
            )
        out.append(Example(text, label))
    if not out:
        raise InputError(f"{where}: no inputs found")
    return out


def load_inputs(path: str | Path, labels: list[str] | None = None) -> list[Example]:
    path = Path(path)
    text = safeio.read_text_capped(path, "input file", safeio.INPUTS_MAX_BYTES, sig=True)
    fmt = {".jsonl": True, ".txt": False}.get(path.suffix.lower())
    return parse_inputs(text, str(path), labels, fmt)


def inputs_hash(examples: list[Example]) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(json.dumps([ex.text, ex.label]).encode())
    return h.hexdigest()[:16]
