"""Probe files: what to ask the model and how to read its answer."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import safeio
from .errors import ProbeError

# Each verbalizer is scored on every variant of every input: hundreds per label multiply
# memory and time past any machine. Real probes use a handful.
MAX_VERBALIZERS_PER_LABEL = 32
MAX_VERBALIZERS = 128
MAX_LABELS = 64
MAX_VERBALIZER_CHARS = 200

DEFAULT_COUNTERFACTUAL = (
    '{input}\nIf the word "{unit}" were removed from this text, would your answer '
    '"{label}" change? Answer yes or no.'
)
DEFAULT_COUNTERFACTUAL_LABEL = (
    '{input}\nIf the word "{unit}" were removed from this text, what would your answer be? '
    "Answer with one of: {labels}."
)
KNOWN_TOP = {"name", "prompt", "chat", "labels", "explanation", "counterfactual", "description"}
KNOWN_EXPLANATION = {"prompt", "max_new_tokens"}
KNOWN_COUNTERFACTUAL = {"prompt", "label_prompt", "yes", "no"}


@dataclass(frozen=True)
class Probe:
    name: str
    prompt: str
    labels: dict[str, tuple[str, ...]]
    chat: bool = False
    explanation_prompt: str | None = None
    max_new_tokens: int = 24
    counterfactual_prompt: str = DEFAULT_COUNTERFACTUAL
    # asked where the answer to the first is yes, and read with the probe's own labels
    counterfactual_label_prompt: str = DEFAULT_COUNTERFACTUAL_LABEL
    counterfactual_yes: tuple[str, ...] = ("Yes", "yes")
    counterfactual_no: tuple[str, ...] = ("No", "no")
    source: str = field(default="", compare=False)
    path: str | None = field(default=None, compare=False)

    @property
    def label_names(self) -> list[str]:
        return list(self.labels)

    @property
    def labels_text(self) -> str:
        """What ``{labels}`` reads in a template: each label's first verbalizer, as the model says it."""
        return ", ".join(verbs[0].strip() for verbs in self.labels.values())


def _fields(template: str, where: str) -> set[str]:
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ProbeError(
            f"{where}: bad braces in template ({exc}); write {{{{ and }}}} for literal braces"
        ) from exc
    return names


def _check_template(template, where: str, required: set[str], allowed: set[str]) -> str:
    if not isinstance(template, str) or not template.strip():
        raise ProbeError(f"{where}: must be a non-empty string")
    names = _fields(template, where)
    unknown = names - allowed
    if unknown:
        raise ProbeError(
            f"{where}: unknown placeholder {', '.join('{' + u + '}' for u in sorted(unknown))}"
            f" (allowed: {', '.join('{' + a + '}' for a in sorted(allowed))})"
        )
    missing = required - names
    if missing:
        raise ProbeError(
            f"{where}: must contain {', '.join('{' + m + '}' for m in sorted(missing))}"
        )
    return template


def _strings(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ProbeError(f"{where}: must be a string or a non-empty list of strings")
    if len(value) > MAX_VERBALIZERS_PER_LABEL:
        raise ProbeError(
            f"{where}: {len(value)} verbalizers, over the cap of {MAX_VERBALIZERS_PER_LABEL}"
            " per label"
        )
    out = []
    for v in value:
        if not isinstance(v, str) or not v.strip():
            raise ProbeError(f"{where}: verbalizers must be non-empty strings, got {v!r}")
        if len(v) > MAX_VERBALIZER_CHARS:
            raise ProbeError(
                f"{where}: a verbalizer of {len(v)} characters, over the cap of"
                f" {MAX_VERBALIZER_CHARS}"
            )
        out.append(v)
    return tuple(out)


def _unknown_keys(table: dict, known: set[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise ProbeError(f"{where}: unknown field {extra[0]!r} (known: {', '.join(sorted(known))})")


def parse_probe(text: str, path: str | None = None) -> Probe:
    where = path or "probe"
    if len(text) > safeio.PROBE_MAX_BYTES:
        raise ProbeError(
            f"{where}: over the {safeio.PROBE_MAX_BYTES // safeio.MiB} MiB cap for probes"
        )
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ProbeError(f"{where}: not valid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProbeError(f"{where}: not valid TOML: {exc}") from exc
    _unknown_keys(data, KNOWN_TOP, where)
    name = data.get("name") or (Path(path).stem if path else "probe")
    if not isinstance(name, str):
        raise ProbeError(f"{where}: field 'name' must be a string")
    if "prompt" not in data:
        raise ProbeError(f"{where}: missing field 'prompt'")
    prompt = _check_template(
        data["prompt"], f"{where}: field 'prompt'", {"input"}, {"input", "labels"}
    )
    chat = data.get("chat", False)
    if not isinstance(chat, bool):
        raise ProbeError(f"{where}: field 'chat' must be true or false")
    labels_raw = data.get("labels")
    if not isinstance(labels_raw, dict) or len(labels_raw) < 2:
        raise ProbeError(f"{where}: [labels] must map at least two labels to verbalizers")
    if len(labels_raw) > MAX_LABELS:
        raise ProbeError(f"{where}: {len(labels_raw)} labels, over the cap of {MAX_LABELS}")
    labels = {str(k): _strings(v, f"{where}: labels.{k}") for k, v in labels_raw.items()}
    total = sum(map(len, labels.values()))
    if total > MAX_VERBALIZERS:
        raise ProbeError(f"{where}: {total} verbalizers in all, over the cap of {MAX_VERBALIZERS}")
    seen: dict[str, str] = {}
    for label, verbs in labels.items():
        for v in verbs:
            if v in seen and seen[v] != label:
                raise ProbeError(
                    f"{where}: verbalizer {v!r} is used by both {seen[v]!r} and {label!r}"
                )
            seen[v] = label

    expl = data.get("explanation", {})
    if not isinstance(expl, dict):
        raise ProbeError(f"{where}: [explanation] must be a table")
    _unknown_keys(expl, KNOWN_EXPLANATION, f"{where}: [explanation]")
    expl_prompt = None
    if "prompt" in expl:
        expl_prompt = _check_template(
            expl["prompt"], f"{where}: explanation.prompt", {"input"}, {"input", "label", "labels"}
        )
    max_new = expl.get("max_new_tokens", 24)
    if not isinstance(max_new, int) or isinstance(max_new, bool) or not 1 <= max_new <= 512:
        raise ProbeError(f"{where}: explanation.max_new_tokens must be an integer from 1 to 512")

    cf = data.get("counterfactual", {})
    if not isinstance(cf, dict):
        raise ProbeError(f"{where}: [counterfactual] must be a table")
    _unknown_keys(cf, KNOWN_COUNTERFACTUAL, f"{where}: [counterfactual]")
    cf_prompts = {
        key: _check_template(
            cf[key],
            f"{where}: counterfactual.{key}",
            {"input", "unit"},
            {"input", "unit", "label", "labels"},
        )
        if key in cf
        else default
        for key, default in (
            ("prompt", DEFAULT_COUNTERFACTUAL),
            ("label_prompt", DEFAULT_COUNTERFACTUAL_LABEL),
        )
    }
    return Probe(
        name=name,
        prompt=prompt,
        labels=labels,
        chat=chat,
        explanation_prompt=expl_prompt,
        max_new_tokens=max_new,
        counterfactual_prompt=cf_prompts["prompt"],
        counterfactual_label_prompt=cf_prompts["label_prompt"],
        counterfactual_yes=_strings(cf.get("yes", ["Yes", "yes"]), f"{where}: counterfactual.yes"),
        counterfactual_no=_strings(cf.get("no", ["No", "no"]), f"{where}: counterfactual.no"),
        source=text,
        path=path,
    )


def load_probe(path: str | Path) -> Probe:
    path = Path(path)
    text = safeio.read_text_capped(path, "probe file", safeio.PROBE_MAX_BYTES, ProbeError)
    return parse_probe(text, str(path))
