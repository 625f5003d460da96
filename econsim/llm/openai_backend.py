"""OpenAI and OpenAI-compatible servers through the official ``openai`` SDK (async client).

Retries (408/409/429/5xx and connection errors, honouring ``retry-after``) and timeouts are the
SDK's own, configured by ``max_retries`` and ``timeout``. The API key is given to the SDK as an
async callable that reads the environment at each request, so it is never held in configuration.
Structured output: ``response_format`` JSON schema by default, ``json_object`` or none on request.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

import openai

from econsim.llm.redact import register_key_env
from econsim.llm.schemas import Reply
from econsim.llm.sdk import require_env, sdk_call
from econsim.llm.types import Message, RawReply, TransportError

STRUCTURED_MODES = ("json_schema", "json_object", "none")
CALL_ID_HEADER = "X-Econsim-Call-Id"


class OpenAIBackend:
    """Adapter for ``openai/<model>`` and ``openai-compatible/<model>@<url>``."""

    def __init__(self, model: str, *, compatible: bool, base_url: str | None = None,
                 timeout: float = 60.0, max_retries: int = 4, structured: str = "json_schema",
                 api_key_env: str = "OPENAI_API_KEY", **_: Any) -> None:
        if structured not in STRUCTURED_MODES:
            raise ValueError(f"structured must be one of {', '.join(STRUCTURED_MODES)}; "
                             f"got {structured!r}")
        if not compatible:
            require_env(api_key_env, f"openai/{model}")
        self.kind = "openai-compatible" if compatible else "openai"
        self.model = model
        self.url = base_url or "https://api.openai.com/v1"
        self._base_url = base_url
        self._compatible = compatible
        self._env = api_key_env
        register_key_env(api_key_env)  # its value is redacted from every message
        self._timeout = float(timeout)
        self._max_retries = int(max_retries)
        self._structured = structured
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
                                        timeout=self._timeout, max_retries=self._max_retries)
            self._clients[loop] = client
        return client

    def _format(self, schema: type[Reply]) -> dict[str, Any] | None:
        if self._structured == "json_schema":
            return {"type": "json_schema", "json_schema": {
                "name": schema.KIND, "schema": schema.json_schema_for_llm(), "strict": False}}
        if self._structured == "json_object":
            return {"type": "json_object"}
        return None

    async def request(self, messages: Sequence[Message], *, schema: type[Reply], call_id: str,
                      temperature: float, max_tokens: int) -> RawReply:
        kwargs: dict[str, Any] = {"model": self.model, "messages": list(messages),
                                  "temperature": temperature,
                                  "extra_headers": {CALL_ID_HEADER: call_id}}
        # Current OpenAI models take max_completion_tokens; compatible servers know max_tokens.
        kwargs["max_tokens" if self._compatible else "max_completion_tokens"] = max_tokens
        fmt = self._format(schema)
        if fmt is not None:
            kwargs["response_format"] = fmt
        resp, raw = await sdk_call(openai, self._client().chat.completions.with_raw_response.create, kwargs, url=self.url,
                                   timeout=self._timeout, max_retries=self._max_retries)
        if not resp.choices:
            raise TransportError(f"{self.url} returned no choices")
        text = resp.choices[0].message.content or ""
        usage = resp.usage
        return RawReply(text, usage.prompt_tokens if usage else 0,
                        usage.completion_tokens if usage else 0, resp.model or self.model,
                        int(getattr(raw, "retries_taken", 0)))

    async def aclose(self) -> None:
        loop = id(asyncio.get_running_loop())
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.close()
