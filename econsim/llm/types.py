"""Data types and errors of the LLM layer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Message = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RawReply:
    """What a backend returns for one request: text, token usage, served model, SDK retries."""

    text: str
    input_tokens: int
    output_tokens: int
    model: str
    retries: int = 0
    structured: str = ""


@dataclass(frozen=True, slots=True)
class Completion:
    """The result of one agent call after parsing, re-asks and fallback.

    Attributes
    ----------
    text
        The reply text used (the fallback's JSON when ``fallback`` is True).
    parsed
        The validated pydantic reply (the fallback action when ``fallback`` is True; ``None`` only
        if there was no fallback and the caller asked not to raise).
    input_tokens, output_tokens
        Usage summed over all attempts of this call.
    latency_s
        Decision latency: wall time of the whole call, including waiting for a free slot under
        the concurrency limit and every re-ask (about 0 for store hits).
    model
        The model the server says it served (``"replay"``-independent: taken from the record).
    reasks, retries
        Re-asks after invalid replies; transport retries done by the SDK.
    fallback, cached
        Whether the fallback action was used; whether every attempt came from the call store.
    error
        The last parse error (fallback rows).
    raw_text
        The model's own last reply text, also on fallback rows.
    request_latency_s
        Time spent in requests to the server, summed over attempts (0 for store hits).
    structured
        Structured-output form the (last) request used (:mod:`econsim.llm.structured`).
    clipped
        What was clipped or snapped to the schema's bounds ("" if nothing), e.g.
        ``LABOR 193.82 -> 100``.
    """

    call_id: str
    text: str
    parsed: Any
    input_tokens: int
    output_tokens: int
    latency_s: float
    model: str
    reasks: int = 0
    retries: int = 0
    fallback: bool = False
    cached: bool = False
    error: str | None = None
    raw_text: str = ""
    request_latency_s: float = 0.0
    structured: str = ""
    clipped: str = ""


@dataclass(frozen=True, eq=False)
class LocalCompletions(Sequence[Completion]):
    """Completions of one phase decided in this process (the offline stand-in), held as columns:
    no request, no re-ask, no transport, so most fields are the same for every call and nothing
    per call is built until someone asks for ``done[i]``. :func:`parsed_replies` and the run
    recorder read the columns."""

    call_ids: Sequence[str]
    texts: Sequence[str]
    parsed: Sequence[Any]
    input_tokens: Sequence[int]
    output_tokens: Sequence[int]
    latency_s: float
    model: str
    clipped: Sequence[str]

    def __len__(self) -> int:
        return len(self.call_ids)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence's int | slice protocol
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return Completion(self.call_ids[i], self.texts[i], self.parsed[i], self.input_tokens[i],
                          self.output_tokens[i], self.latency_s, self.model,
                          raw_text=self.texts[i], request_latency_s=self.latency_s,
                          clipped=self.clipped[i])


def parsed_replies(done: Sequence[Completion]) -> Sequence[Any]:
    """The parsed reply of every completion, in order."""
    if isinstance(done, LocalCompletions):
        return done.parsed
    return [d.parsed for d in done]


class LLMError(RuntimeError):
    """Base class of errors raised by the LLM layer."""


class TransportError(LLMError):
    """The server could not be reached, timed out or kept failing after the SDK's retries."""


class RequestRejected(TransportError):
    """The server rejected the request itself (HTTP 4xx, or a 5xx naming an invalid field).

    Never retried as a network fault. ``status`` and ``body`` let the caller react, e.g. fall back
    to another structured-output form (:mod:`econsim.llm.structured`).
    """

    def __init__(self, message: str, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class ReplayMissError(LLMError):
    """Replay mode found no recorded reply for a call (never falls back to a live request)."""


class ParseFailure(LLMError):
    """Every attempt returned invalid output and no fallback action was available."""


class BudgetExceeded(LLMError):
    """The configured budget (calls or USD) is used up; catch it at a checkpoint and stop."""
