"""Typed-field checks for the JSON Inspector reads back (session, preferences, config fields).

A check is ``check(value, where) -> list[str]``: every problem as 'where: what is wrong',
empty when the value is fine. Small on purpose (no jsonschema dependency): the files it
guards are Inspector's own, and a message must name the field a user would open and fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Check = Callable[[object, str], list[str]]


def _kind(v) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "a string"}.get(
        type(v),
        {list: "a list", dict: "an object", type(None): "null"}.get(type(v), type(v).__name__),
    )


def string(max_len: int | None = None) -> Check:
    def check(v, where):
        if not isinstance(v, str):
            return [f"{where}: expected a string, got {_kind(v)}"]
        if max_len is not None and len(v) > max_len:
            return [f"{where}: longer than {max_len} characters"]
        return []

    return check


def integer(lo: int | None = None, hi: int | None = None) -> Check:
    def check(v, where):
        if not isinstance(v, int) or isinstance(v, bool):
            return [f"{where}: expected a whole number, got {_kind(v)}"]
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            return [
                f"{where}: {v} is outside {lo if lo is not None else '…'}–{hi if hi is not None else '…'}"
            ]
        return []

    return check


def number(lo: float | None = None, hi: float | None = None) -> Check:
    def check(v, where):
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
            return [f"{where}: expected a finite number, got {_kind(v)}"]
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            return [f"{where}: {v} is outside {lo}–{hi}"]
        return []

    return check


def boolean() -> Check:
    return lambda v, where: (
        [] if isinstance(v, bool) else [f"{where}: expected true/false, got {_kind(v)}"]
    )


def choice(*values) -> Check:
    def check(v, where):
        return (
            [] if v in values else [f"{where}: {v!r} is not one of {', '.join(map(repr, values))}"]
        )

    return check


def optional(inner: Check) -> Check:
    return lambda v, where: [] if v is None else inner(v, where)


def list_of(item: Check, max_len: int | None = None) -> Check:
    def check(v, where):
        if not isinstance(v, list):
            return [f"{where}: expected a list, got {_kind(v)}"]
        if max_len is not None and len(v) > max_len:
            return [f"{where}: more than {max_len} entries"]
        return [p for i, x in enumerate(v) for p in item(x, f"{where}[{i}]")]

    return check


def record(spec: dict[str, Check], required: tuple[str, ...] = ()) -> Check:
    """An object whose listed fields pass their checks; unlisted fields are not looked at."""

    def check(v, where):
        if not isinstance(v, dict):
            return [f"{where}: expected an object, got {_kind(v)}"]
        out = [f"{where}: missing field {k!r}" for k in required if k not in v]
        for k, sub in spec.items():
            if k in v:
                out += sub(v[k], f"{where}.{k}" if where else k)
        return out

    return check


def mapping(value: Check | None = None) -> Check:
    def check(v, where):
        if not isinstance(v, dict):
            return [f"{where}: expected an object, got {_kind(v)}"]
        if value is None:
            return []
        return [p for k, x in v.items() for p in value(x, f"{where}.{k}")]

    return check


def problems(value, check: Check, where: str = "") -> list[str]:
    return check(value, where)
