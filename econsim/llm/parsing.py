"""Lenient extraction of a JSON object from a model's reply.

Real models wrap JSON in ```json fences, surround it with prose, use single quotes, leave trailing
commas or bare keys, or answer a bare value ("40 hours"). :func:`extract_object` recovers a dict
from all of these; value coercion ("10%", "40 hours", "+10") lives in :mod:`econsim.llm.schemas`.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_ ]*?)\s*:")
_NUMBER = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?|[-+]?\.\d+")


class ReplyError(ValueError):
    """A reply could not be turned into the requested schema; the message is shown on re-ask."""


def _balanced_objects(text: str) -> list[str]:
    """Every top-level ``{...}`` substring, respecting strings and nesting."""
    out, depth, start, in_str, esc, quote = [], 0, -1, False, False, ""
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == quote:
                in_str = False
            continue
        if ch in "\"'" and depth > 0:
            in_str, quote = True, ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                out.append(text[start : i + 1])
    return out


def _loads_repaired(blob: str) -> Any:
    try:
        return json.loads(blob)
    except json.JSONDecodeError:
        pass
    fixed = _TRAILING_COMMA.sub(r"\1", blob)
    if '"' not in fixed:
        fixed = fixed.replace("'", '"')
    fixed = _BARE_KEY.sub(lambda m: f'{m.group(1)}"{m.group(2).strip()}":', fixed)
    fixed = re.sub(r'""([^"]*)""', r'"\1"', fixed)  # keys that were already quoted
    fixed = fixed.replace(": True", ": true").replace(": False", ": false")
    fixed = fixed.replace(": None", ": null")
    return json.loads(fixed)


def extract_object(text: str) -> dict[str, Any]:
    """Return the first JSON object found in ``text``.

    Tries, in order: the whole text; the contents of code fences; every balanced ``{...}`` in
    the text (with light repairs: trailing commas, single quotes, bare keys, Python literals).

    Raises
    ------
    ReplyError
        If no object can be decoded.
    """
    stripped = text.strip()
    candidates = [stripped] + _FENCE.findall(text) + _balanced_objects(text)
    for cand in candidates:
        cand = cand.strip()
        if not cand.startswith("{"):
            continue
        try:
            obj = _loads_repaired(cand)
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(obj, dict):
            return obj
    raise ReplyError("no JSON object found in the reply")


def key_values(text: str, keys: tuple[str, ...]) -> dict[str, str]:
    """``KEY: value`` / ``KEY = value`` pairs for the given keys when no JSON object is present."""
    out = {}
    for key in keys:
        m = re.search(rf'"?\b{key}\b"?\s*[:=]\s*("[^"]*"|\[[^\]]*\]|[^,\n}}]+)', text, re.I)
        if m:
            out[key] = m.group(1).strip().strip('"')
    return out


def first_number(text: Any) -> float:
    """The first number in ``text`` ("40 hours" → 40, "$1,200" → 1200, "10%" → 10).

    Raises
    ------
    ValueError
        If ``text`` holds no number.
    """
    if isinstance(text, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(text, int | float):
        return float(text)
    m = _NUMBER.search(str(text))
    if not m:
        raise ValueError(f"expected a number, got {text!r}")
    return float(m.group(0).replace(",", ""))


def numbers(text: str) -> list[float]:
    """All numbers in ``text``."""
    return [float(x.replace(",", "")) for x in _NUMBER.findall(text)]
