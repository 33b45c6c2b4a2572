"""Render probe templates into model prompts and find the input inside them."""

from __future__ import annotations

import itertools
import string
import sys
import time
from dataclasses import dataclass

from .errors import CheckpointError, ProbeError

TEMPLATE_SECONDS = 5.0  # a chat template renders in milliseconds; one past this loops
TEMPLATE_MAX_OUTPUT = 1 << 20  # characters

_SENTINEL = "\uf8ffINPUT\uf8ff"


@dataclass(frozen=True)
class Rendered:
    """A prompt string and where the input text sits in it."""

    text: str
    input_start: int
    input_end: int


def _format(template: str, **fields: str) -> str:
    # Substitute by parsing, not str.format: values may contain braces, and
    # a value is never re-read as a template.
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(fields[name])
    return "".join(out)


def render(template: str, tokenizer, chat: bool, input_text: str, **fields: str) -> Rendered:
    message = _format(template, input=_SENTINEL, **fields)
    pre, _, post = message.partition(_SENTINEL)
    post = post.replace(_SENTINEL, input_text)
    message = pre + input_text + post
    if not chat:
        return Rendered(message, len(pre), len(pre) + len(input_text))
    if not getattr(tokenizer, "chat_template", None):
        raise ProbeError(
            "the probe sets chat = true but this checkpoint's tokenizer has no chat template"
            " (set chat = false in the probe)"
        )
    full = _apply_chat_template(tokenizer, message)
    at = full.find(message)
    offset = len(pre)
    if at < 0:  # templates may trim the message
        stripped = message.strip()
        at = full.find(stripped)
        offset = len(pre) - (len(message) - len(message.lstrip()))
        if at < 0:
            raise ProbeError("the chat template changes the message text; cannot locate the input")
    start = at + offset
    return Rendered(full, start, start + len(input_text))


class _TooLong(BaseException):
    """Raised inside the template's frames; a BaseException so no ``except Exception`` eats it."""


def _apply_chat_template(tokenizer, message: str) -> str:
    """The chat template rendered under a time and size limit.

    Templates are code from the checkpoint's author: jinja's sandbox stops escapes, not loops
    (nested ``range``s run for hours). A trace function on this thread checks the clock every
    few hundred lines of the template's compiled code and stops it past ``TEMPLATE_SECONDS``.
    """
    deadline = time.monotonic() + TEMPLATE_SECONDS
    ticks = 0

    def tracer(frame, event, arg):
        nonlocal ticks
        ticks += 1
        if ticks & 0xFF == 0 and time.monotonic() > deadline:
            raise _TooLong
        return tracer

    outer = sys.gettrace()  # a debugger or coverage: render unguarded rather than break it
    if outer is None:
        sys.settrace(tracer)
    try:
        full = tokenizer.apply_chat_template(
            [{"role": "user", "content": message}], tokenize=False, add_generation_prompt=True
        )
    except _TooLong:
        raise CheckpointError(
            f"the tokenizer's chat template did not finish within {TEMPLATE_SECONDS:.0f} s"
            " (it loops); stopped. Fix chat_template in the checkpoint or set chat = false"
        ) from None
    except (RecursionError, MemoryError) as exc:
        raise CheckpointError(
            f"the tokenizer's chat template failed ({type(exc).__name__}); set chat = false"
        ) from None
    except Exception as exc:
        if type(exc).__module__.startswith("jinja2"):
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CheckpointError(f"the tokenizer's chat template failed: {first}") from None
        raise
    finally:
        if outer is None:
            sys.settrace(None)
    if not isinstance(full, str) or len(full) > TEMPLATE_MAX_OUTPUT:
        raise CheckpointError(
            f"the tokenizer's chat template wrote more than {TEMPLATE_MAX_OUTPUT} characters"
            " for one message; stopped"
        )
    return full


def encode(tokenizer, rendered: Rendered, chat: bool) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids and character offsets of the rendered prompt.

    The template's control tokens (``<|im_start|>`` …) are parsed as such; the same
    strings typed in the input are read as plain text, so an input cannot open a new
    chat turn or end the prompt early.
    """
    enc = _tokenize(tokenizer, rendered.text, add_special_tokens=not chat)
    ids, offsets = list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]
    typed = rendered.text[rendered.input_start : rendered.input_end]
    if not any(t in typed for t in _control_strings(tokenizer)):
        return ids, offsets
    # leading/trailing tokens the tokenizer adds (BOS…) have empty offsets at the ends
    lead = next((i for i, (s, e) in enumerate(offsets) if e > s), len(ids))
    trail = next((i for i in range(len(ids), 0, -1) if offsets[i - 1][1] > offsets[i - 1][0]), 0)
    out_ids, out_offsets = ids[:lead], offsets[:lead]
    cuts = (0, rendered.input_start, rendered.input_end, len(rendered.text))
    for k, (lo, hi) in enumerate(itertools.pairwise(cuts)):
        if hi > lo:
            part = _tokenize(tokenizer, rendered.text[lo:hi], split_special_tokens=k == 1)
            out_ids += part["input_ids"]
            out_offsets += [(s + lo, e + lo) for s, e in part["offset_mapping"]]
    return out_ids + ids[trail:], out_offsets + offsets[trail:]


def _tokenize(tokenizer, text: str, add_special_tokens: bool = False, **kw):
    return tokenizer(text, add_special_tokens=add_special_tokens, return_offsets_mapping=True, **kw)


def _control_strings(tokenizer) -> list[str]:
    added = getattr(tokenizer, "added_tokens_decoder", {}) or {}
    return [t.content for t in added.values() if getattr(t, "special", False) and t.content]


def input_token_offsets(
    rendered: Rendered, offsets: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Offsets of the tokens overlapping the input, shifted into the input's frame."""
    out = []
    for start, end in offsets:
        if end <= rendered.input_start or start >= rendered.input_end or end <= start:
            continue
        out.append((start - rendered.input_start, end - rendered.input_start))
    return out
