"""OpenAI and OpenAI-compatible servers through the official ``openai`` SDK (async client).

Retries (408/409/429/5xx and connection errors, honouring ``retry-after``) and timeouts are the
SDK's own, configured by ``max_retries`` and ``timeout``. The API key is given to the SDK as an
async callable that reads the environment at each request, so it is never held in configuration.
Structured output: ``structured`` (config key ``structured_output``) is ``auto`` by default for
OpenAI-compatible servers — negotiated once per backend, see :mod:`econsim.llm.structured` — and
``json_schema`` for OpenAI itself. A request the server rejects as invalid is not retried.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

import openai

from econsim.llm.redact import register_key_env, url_without_credentials
from econsim.llm.schemas import Reply
from econsim.llm.sdk import http_client, require_env, resolve_base_url, sdk_call
from econsim.llm.structured import STRUCTURED_OUTPUT, Negotiator, request_fields
from econsim.llm.types import Message, RawReply, RequestRejected, TransportError

STRUCTURED_MODES = tuple(STRUCTURED_OUTPUT)
CALL_ID_HEADER = "X-Econsim-Call-Id"
#: Where the SDK sends requests when neither the backend string nor the environment says.
DEFAULT_URL = "https://api.openai.com/v1"
#: The environment variable the ``openai`` SDK reads a server URL from.
BASE_URL_ENV = "OPENAI_BASE_URL"


class OpenAIBackend:
    """Adapter for ``openai/<model>`` and ``openai-compatible/<model>@<url>``."""

    def __init__(self, model: str, *, compatible: bool, base_url: str | None = None,
                 timeout: float = 60.0, max_retries: int = 4, structured: str | None = None,
                 api_key_env: str = "OPENAI_API_KEY", **_: Any) -> None:
        if structured is None:  # OpenAI itself takes json_schema; other servers: negotiate
            structured = "auto" if compatible else "json_schema"
        if structured not in STRUCTURED_MODES:
            raise ValueError(f"unknown structured_output mode {structured!r}; valid: "
                             f"{', '.join(STRUCTURED_MODES)}")
        if not compatible:
            require_env(api_key_env, f"openai/{model}")
        self.kind = "openai-compatible" if compatible else "openai"
        self.model = model
        # the SDK itself would read OPENAI_BASE_URL when no URL is given: resolved here and
        # handed to it, so errors and the manifest name where the traffic actually goes
        self._base_url, self.url_source = resolve_base_url(base_url, BASE_URL_ENV,
                                                           DEFAULT_URL)
        self.url = url_without_credentials(self._base_url)
        self._compatible = compatible
        self._env = api_key_env
        register_key_env(api_key_env)  # its value is redacted from every message
        self._timeout = float(timeout)
        self._max_retries = int(max_retries)
        self.negotiator = Negotiator(structured)
        self._clients: dict[int, openai.AsyncOpenAI] = {}

    async def _key(self) -> str:
        key = os.environ.get(self._env)
        if not key and not self._compatible:
            raise ValueError(f"environment variable {self._env} is not set")
        return key or "not-needed"

    def _client(self) -> openai.AsyncOpenAI:
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None:
            client = openai.AsyncOpenAI(api_key=self._key, base_url=self._base_url,
                                        timeout=self._timeout, max_retries=self._max_retries,
                                        http_client=http_client(openai))
            self._clients[loop] = client
        return client

    async def request(self, messages: Sequence[Message], *, schema: type[Reply], call_id: str,
                      temperature: float, max_tokens: int) -> RawReply:
        kwargs: dict[str, Any] = {"model": self.model, "messages": list(messages),
                                  "temperature": temperature,
                                  "extra_headers": {CALL_ID_HEADER: call_id}}
        # Current OpenAI models take max_completion_tokens; compatible servers know max_tokens.
        kwargs["max_tokens" if self._compatible else "max_completion_tokens"] = max_tokens
        json_schema = schema.json_schema_for_llm()
        while True:
            mode = self.negotiator.mode
            try:
                resp, raw = await sdk_call(
                    openai, self._client().chat.completions.with_raw_response.create,
                    kwargs | request_fields(mode, schema.KIND, json_schema), url=self.url,
                    timeout=self._timeout, max_retries=self._max_retries)
            except RequestRejected as exc:
                if self.negotiator.reject(mode, exc.status, exc.body):
                    continue  # the server refused this structured-output form: next one
                raise
            self.negotiator.accept(mode)
            break
        if not resp.choices:
            raise TransportError(f"{self.url} returned no choices")
        text = resp.choices[0].message.content or ""
        usage = resp.usage
        return RawReply(text, usage.prompt_tokens if usage else 0,
                        usage.completion_tokens if usage else 0, resp.model or self.model,
                        int(getattr(raw, "retries_taken", 0)), mode)

    async def aclose(self) -> None:
        loop = id(asyncio.get_running_loop())
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.close()
