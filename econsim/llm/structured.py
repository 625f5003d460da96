"""Structured-output negotiation with OpenAI-compatible servers.

Servers take structured output in different request forms, and reject the ones they do not know:

* ``json_schema`` — ``response_format: {"type": "json_schema", "json_schema": {...}}`` (OpenAI,
  vLLM, recent Ollama and llama.cpp's C++ ``llama-server``);
* ``json_object`` — ``response_format: {"type": "json_object", "schema": {...}}`` (llama.cpp's
  Python server ``python -m llama_cpp.server``, which turns the schema into a grammar);
* ``ollama_format`` — a top-level ``format: {...}`` schema (Ollama's native field);
* ``none`` — no structured-output field: the prompt itself asks for JSON only (every prompt of
  :mod:`econsim.prompts` ends with the reply's JSON shape).

Mode ``auto`` (the default) tries them in that order. A request whose *format* the server rejects
(an HTTP 4xx/5xx whose body names ``response_format``, ``json_schema``, ``format``, ...) moves the
backend to the next form once; the choice is then kept for every later call of that backend and
reported by :meth:`Negotiator.summary` (run manifest) and per call (``structured_output`` column
of the calls table). A forced mode is never changed: its rejection is an error.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from econsim.registry import Registry

#: Structured-output modes of ``openai-compatible/...`` backends (config key ``structured_output``).
STRUCTURED_OUTPUT: Registry[str] = Registry("structured_output mode")
for _name, _what in (
        ("auto", "try json_schema, json_object, ollama_format, none; keep the first accepted"),
        ("json_schema", "response_format type json_schema (OpenAI, vLLM, llama-server)"),
        ("json_object", "response_format type json_object with a schema (llama_cpp.server)"),
        ("ollama_format", "top-level 'format' schema (Ollama)"),
        ("none", "no structured-output field; the prompt asks for JSON")):
    STRUCTURED_OUTPUT.register(_name, _what)

#: The order ``auto`` tries, richest first.
NEGOTIATION_ORDER: tuple[str, ...] = ("json_schema", "json_object", "ollama_format", "none")

# A body naming the structured-output field: the rejection is about the request's format.
_FORMAT_WORDS = re.compile(
    r"response_format|json_schema|json_object|\bformat\b|structured output|guided_json"
    r"|Input should be 'text'", re.I)
# A 5xx body that is really a validation error of the request (llama_cpp.server answers 500).
_INVALID_WORDS = re.compile(
    r"invalid_request|validation error|Input should be|not supported|unsupported|unrecognized"
    r"|extra inputs are not permitted|extra_forbidden", re.I)
# Not a rejection of the request's content: retried by the SDKs, or about credentials.
_NOT_INVALID_STATUS = (401, 403, 408, 409, 429)


def request_fields(mode: str, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``chat.completions.create`` that ask for ``schema`` in ``mode``.

    Parameters
    ----------
    mode
        A concrete mode (not ``auto``).
    name
        Schema name sent with ``json_schema`` (the reply kind, e.g. ``labor``).
    schema
        The reply's JSON schema (with its bounds and allowed values).
    """
    if mode == "json_schema":
        return {"response_format": {"type": "json_schema", "json_schema": {
            "name": name, "schema": schema, "strict": False}}}
    if mode == "json_object":
        return {"response_format": {"type": "json_object", "schema": schema}}
    if mode == "ollama_format":
        return {"extra_body": {"format": schema}}
    if mode == "none":
        return {}
    raise ValueError(f"unknown structured_output mode {mode!r}; concrete modes: "
                     f"{', '.join(NEGOTIATION_ORDER)}")


def names_format(body: str) -> bool:
    """Whether an error body is about the structured-output field of the request."""
    return bool(_FORMAT_WORDS.search(body or ""))


def is_invalid_request(status: int, body: str) -> bool:
    """Whether HTTP ``status`` with ``body`` rejects the request itself (retrying cannot help).

    Every 4xx except 401/403 (credentials) and 408/409/429 (retried), and a 5xx whose body is a validation error or names the
    structured-output field (llama.cpp's Python server answers an unknown ``response_format``
    with HTTP 500 *"Input should be 'text' or 'json_object'"*).
    """
    if status in _NOT_INVALID_STATUS or status < 400:
        return False
    if status < 500:
        return True
    return names_format(body) or bool(_INVALID_WORDS.search(body or ""))


class Negotiator:
    """The structured-output mode of one backend: the current form and why earlier ones failed.

    Thread-safe; concurrent calls that are all rejected in the same mode move it on only once.

    Parameters
    ----------
    requested
        ``auto`` or a concrete mode (kept even if rejected).
    """

    def __init__(self, requested: str = "auto") -> None:
        STRUCTURED_OUTPUT.get(requested)
        self.requested = requested
        self._order = NEGOTIATION_ORDER if requested == "auto" else (requested,)
        self._index = 0
        self._accepted = False
        self.rejected: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def mode(self) -> str:
        """The form the next request uses."""
        return self._order[self._index]

    @property
    def settled(self) -> bool:
        """Whether the server has accepted a request in the current mode."""
        return self._accepted

    def accept(self, mode: str) -> None:
        """Note that the server answered a request sent in ``mode``."""
        with self._lock:
            if mode == self.mode:
                self._accepted = True

    def reject(self, mode: str, status: int, body: str) -> bool:
        """Note a rejection of a request sent in ``mode``; True if the caller should resend.

        Falls back only under ``auto`` and only when the body names the format; a rejection of a
        mode that another call already left just resends in the current mode.
        """
        if self.requested != "auto" or not names_format(body):
            return False
        with self._lock:
            if mode != self.mode:
                return True
            if self._index + 1 >= len(self._order):
                return False
            self.rejected.append({"mode": mode, "status": int(status),
                                  "error": " ".join(str(body).split())[:300]})
            self._index += 1
            self._accepted = False
            return True

    def summary(self) -> dict[str, Any]:
        """Requested mode, the mode in use, and the rejections that led to it (for manifests)."""
        with self._lock:
            return {"requested": self.requested, "mode": self.mode, "accepted": self._accepted,
                    "rejected": [dict(r) for r in self.rejected]}
