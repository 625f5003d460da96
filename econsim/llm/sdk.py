"""What the SDK adapters share: one SDK call with its errors translated, and the key check.

Kept apart from :mod:`econsim.llm.backends` (the registry) so adapters never import the registry
that imports them.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from econsim.llm.types import TransportError


async def sdk_call(sdk: Any, create: Any, kwargs: dict[str, Any], *, url: str, timeout: float,
                   max_retries: int) -> Any:
    """Call an official SDK's ``with_raw_response.create`` and translate its errors.

    Both SDKs (``openai``, ``anthropic``) retry 408/409/429/5xx and connection errors themselves
    (``max_retries``) and raise the same-named exceptions when they give up; those become one
    :class:`TransportError` naming the URL.
    """
    try:
        raw = await create(**kwargs)
        resp = raw.parse()
        if inspect.isawaitable(resp):  # async raw responses parse asynchronously
            resp = await resp
    except sdk.APITimeoutError as exc:
        raise TransportError(f"timed out after {timeout:g} s (and {max_retries} retries) "
                             f"calling {url}") from exc
    except sdk.APIConnectionError as exc:
        raise TransportError(f"cannot reach {url}: {exc}") from exc
    except sdk.APIStatusError as exc:
        raise TransportError(f"{url} answered HTTP {exc.status_code} after {max_retries} "
                             f"retries: {exc.message}") from exc
    return resp, raw


def require_env(var: str, backend: str) -> None:
    """Raise if ``var`` is unset — at backend creation, before a run starts (value not read)."""
    if not os.environ.get(var):
        raise ValueError(f"backend {backend!r} needs the environment variable {var} "
                         f"(the API key); set it before starting the run")
