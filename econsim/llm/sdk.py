"""What the SDK adapters share: one SDK call with its errors translated, and the key check.

Kept apart from :mod:`econsim.llm.backends` (the registry) so adapters never import the registry
that imports them.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from typing import Any

from econsim.llm.redact import redact
from econsim.llm.structured import is_invalid_request
from econsim.llm.types import RequestRejected, TransportError


async def _no_retry_when_invalid(response: Any) -> None:
    """httpx response hook: a 5xx that rejects the request itself gets ``x-should-retry: false``.

    Both SDKs obey that header, so a request the server called invalid (llama.cpp's Python server
    answers an unknown ``response_format`` with HTTP 500) is not resent ``max_retries`` times as
    if it were a network fault.
    """
    if response.status_code >= 500:
        await response.aread()
        if is_invalid_request(response.status_code, response.text):
            response.headers["x-should-retry"] = "false"


#: The longest wait between retries a server may ask for (``Retry-After``), in seconds: the
#: SDKs' own longest back-off. A server asking for more (the SDKs honour up to 60 s) is clamped,
#: so a proxy cannot stretch a run's retries without bound.
MAX_RETRY_AFTER_S = 8.0


async def _clamp_retry_after(response: Any) -> None:
    """httpx response hook: ``retry-after`` / ``retry-after-ms`` above :data:`MAX_RETRY_AFTER_S`
    are lowered to it (values that are not numbers are left to the SDK, which then backs off by
    its own schedule)."""
    for name, scale in (("retry-after", 1.0), ("retry-after-ms", 1000.0)):
        value = response.headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        if seconds > MAX_RETRY_AFTER_S:
            response.headers[name] = f"{MAX_RETRY_AFTER_S * scale:g}"


def call_deadline(timeout: float, max_retries: int) -> float:
    """The most one call may take, retries included: every attempt's timeout plus the longest
    back-off before each retry, plus one second of slack."""
    return timeout * (max_retries + 1) + MAX_RETRY_AFTER_S * max_retries + 1.0


def http_client(sdk: Any) -> Any:
    """The SDK's default async HTTP client with :func:`_no_retry_when_invalid` and
    :func:`_clamp_retry_after` installed."""
    return sdk.DefaultAsyncHttpxClient(
        event_hooks={"response": [_no_retry_when_invalid, _clamp_retry_after]})


def _attempts(exc: Exception) -> int | None:
    """Requests sent for the failed call: the SDKs number their retries in the request header
    ``x-stainless-retry-count``, so the last request's count + 1 (None when unknown)."""
    request = getattr(exc, "request", None)
    if request is None:
        response = getattr(exc, "response", None)
        request = getattr(response, "request", None)
    try:
        return int(request.headers.get("x-stainless-retry-count", "0")) + 1
    except (AttributeError, RuntimeError, TypeError, ValueError):
        return None


def _tries(n: int | None) -> str:
    if n is None:
        return "after the SDK's retries"
    return "on the only attempt" if n == 1 else f"on all {n} attempts"


async def sdk_call(sdk: Any, create: Any, kwargs: dict[str, Any], *, url: str, timeout: float,
                   max_retries: int) -> Any:
    """Call an official SDK's ``with_raw_response.create`` and translate its errors.

    Both SDKs (``openai``, ``anthropic``) retry 408/409/429/5xx and connection errors themselves
    (``max_retries``) and raise the same-named exceptions when they give up; those become one
    :class:`TransportError` naming the URL and how many requests were really sent (an HTTP 401
    is not retried: "on the only attempt"). Messages pass through
    :func:`~econsim.llm.redact.redact`, so a key echoed by a server never reaches them.
    """
    deadline = call_deadline(timeout, max_retries)
    try:
        raw = await asyncio.wait_for(create(**kwargs), deadline)
        resp = raw.parse()
        if inspect.isawaitable(resp):  # async raw responses parse asynchronously
            resp = await resp
    except TimeoutError:
        raise TransportError(redact(f"no reply within the call's deadline of {deadline:g} s "
                                    f"(request_timeout {timeout:g} s x {max_retries + 1} "
                                    f"attempts + back-off), calling {url}")) from None
    except sdk.APITimeoutError as exc:
        raise TransportError(redact(f"timed out after {timeout:g} s per attempt, "
                                    f"{_tries(_attempts(exc))} (max_retries={max_retries}), "
                                    f"calling {url}")) from None
    except sdk.APIConnectionError as exc:
        raise TransportError(redact(f"cannot reach {url} {_tries(_attempts(exc))} "
                                    f"(max_retries={max_retries}): {exc}")) from None
    except sdk.APIStatusError as exc:
        message = redact(f"{url} answered HTTP {exc.status_code} {_tries(_attempts(exc))} "
                         f"(max_retries={max_retries}): {exc.message}")
        body = _body_text(exc)
        if is_invalid_request(exc.status_code, body):
            raise RequestRejected(message + " (the request itself was rejected: not retried)",
                                  exc.status_code, redact(body)) from None
        raise TransportError(message) from None
    return resp, raw


def _body_text(exc: Any) -> str:
    try:
        return exc.response.text
    except Exception:  # a streamed or closed response: the SDK's message is what is left
        return str(exc.message)


def require_env(var: str, backend: str) -> None:
    """Raise if ``var`` is unset — at backend creation, before a run starts (value not read)."""
    if not os.environ.get(var):
        raise ValueError(f"backend {backend!r} needs the environment variable {var} "
                         f"(the API key); set it before starting the run")


def resolve_base_url(given: str | None, env_var: str, default: str) -> tuple[str, str]:
    """The server URL an SDK client will use and where it came from, decided as the SDKs do
    (the URL given, else the environment variable ``env_var``, else the vendor's ``default``;
    an empty variable counts as unset). The adapter hands the URL to the SDK explicitly, so the
    URL recorded is the one used."""
    if given:
        return given, "backend string"
    from_env = os.environ.get(env_var, "").strip()
    if from_env:
        return from_env, f"environment variable {env_var}"
    return default, "vendor default"
