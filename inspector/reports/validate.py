"""A validator for the subset of JSON Schema that ``schema.json`` uses (no extra dependency).

Supported: type (one or a list), const, enum, pattern (on strings), required, properties,
items, and local ``$ref`` to ``#/$defs/...``. Anything else in a schema is ignored, so keep schema.json to it.
"""

from __future__ import annotations

import json
import re
from importlib import resources

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def load_schema() -> dict:
    return json.loads(
        resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    )


def _resolve(ref: str, root: dict) -> dict:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref is supported, not {ref!r}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def errors(
    value, schema: dict | None = None, root: dict | None = None, where: str = "$"
) -> list[str]:
    """Every place ``value`` breaks ``schema``, as 'path: problem' lines (empty when valid)."""
    if schema is None:
        schema = root = load_schema()
    root = root or schema
    if "$ref" in schema:
        return errors(value, _resolve(schema["$ref"], root), root, where)
    if "const" in schema and value != schema["const"]:
        return [f"{where}: expected {schema['const']!r}, got {value!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']}"]
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            return [f"{where}: expected {' or '.join(types)}, got {type(value).__name__}"]
    out: list[str] = []
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        out.append(f"{where}: {value[:20]!r}… does not match {schema['pattern']}")
    if isinstance(value, dict):
        out += [f"{where}: missing {k!r}" for k in schema.get("required", []) if k not in value]
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                out += errors(value[k], sub, root, f"{where}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += errors(item, schema["items"], root, f"{where}[{i}]")
    return out
