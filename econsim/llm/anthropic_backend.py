"""Anthropic through the official ``anthropic`` SDK (async client); structured output by tool use.

The reply schema is offered as the single tool ``reply_<kind>`` and forced with ``tool_choice``;
its ``input`` is the reply. Retries and timeouts are the SDK's own (``max_retries``, ``timeout``).
The key is read from ``ANTHROPIC_API_KEY`` when the per-event-loop SDK client is created (never
stored in configuration, results or the call store).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from typing import Any

import anthropic

from econsim.llm.redact import register_key_env, url_without_credentials
from econsim.llm.schemas import Reply
from econsim.llm.sdk import require_env, resolve_base_url, sdk_call
from econsim.llm.types import Message, RawReply

CALL_ID_HEADER = "X-Econsim-Call-Id"
DEFAULT_URL = "https://api.anthropic.com"
#: The environment variable the ``anthropic`` SDK reads a server URL from.
BASE_URL_ENV = "ANTHROPIC_BASE_URL"


class AnthropicBackend:
    """Adapter for ``anthropic/<model>``."""

    kind = "anthropic"

    def __init__(self, model: str, *, base_url: str | None = None, timeout: float = 60.0,
                 max_retries: int = 4, api_key_env: str = "ANTHROPIC_API_KEY",
                 send_temperature: bool = True, **_: Any) -> None:
        require_env(api_key_env, f"anthropic/{model}")
        self.model = model
        # resolved as the SDK would (ANTHROPIC_BASE_URL when no URL is given) and handed to it
        self._base_url, self.url_source = resolve_base_url(base_url, BASE_URL_ENV,
                                                           DEFAULT_URL)
        self.url = url_without_credentials(self._base_url)
        self._env = api_key_env
        register_key_env(api_key_env)  # its value is redacted from every message
        self._timeout = float(timeout)
        self._max_retries = int(max_retries)
        self._send_temperature = bool(send_temperature)
        self._clients: dict[int, anthropic.AsyncAnthropic] = {}

    def _client(self) -> anthropic.AsyncAnthropic:
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None:
            key = os.environ.get(self._env)
            if not key:
                raise ValueError(f"environment variable {self._env} is not set")
            client = anthropic.AsyncAnthropic(api_key=key, base_url=self._base_url,
                                              timeout=self._timeout,
                                              max_retries=self._max_retries)
            self._clients[loop] = client
        return client

    async def request(self, messages: Sequence[Message], *, schema: type[Reply], call_id: str,
                      temperature: float, max_tokens: int) -> RawReply:
        system = "\n\n".join(str(m["content"]) for m in messages if m["role"] == "system")
        chat = [{"role": m["role"], "content": m["content"]} for m in messages
                if m["role"] != "system"]
        tool = f"reply_{schema.KIND}"
        kwargs: dict[str, Any] = {
            "model": self.model, "messages": chat, "max_tokens": max_tokens,
            "tools": [{"name": tool, "description": "Give your answer.",
                       "input_schema": schema.json_schema_for_llm()}],
            "tool_choice": {"type": "tool", "name": tool},
            "extra_headers": {CALL_ID_HEADER: call_id},
        }
        if system:
            kwargs["system"] = system
        if self._send_temperature:
            # The installed SDK (2.x) has no temperature argument; the Messages API field is
            # sent in the body. Pass send_temperature=False for models that reject it.
            kwargs["extra_body"] = {"temperature": temperature}
        resp, raw = await sdk_call(anthropic, self._client().messages.with_raw_response.create, kwargs, url=self.url,
                                   timeout=self._timeout, max_retries=self._max_retries)
        text = ""
        for block in resp.content:
            if block.type == "tool_use":
                text = json.dumps(block.input)
                break
            if block.type == "text":
                text += block.text
        return RawReply(text, resp.usage.input_tokens, resp.usage.output_tokens,
                        resp.model or self.model, int(getattr(raw, "retries_taken", 0)), "tool_use")

    async def aclose(self) -> None:
        loop = id(asyncio.get_running_loop())
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.close()
