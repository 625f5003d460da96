"""Backend strings → backend objects, through a registry of small adapters.

Accepted forms (see docs/llm.md):

* ``surrogate`` — the offline in-context learner (option ``seed``);
* ``openai/<model>`` — OpenAI through the official SDK (``OPENAI_API_KEY``);
* ``openai-compatible/<model>@<base url>`` — any OpenAI-compatible server (vLLM, Ollama, llama.cpp,
  LM Studio, OpenRouter, ``econsim serve``); ``OPENAI_API_KEY`` if set, else a placeholder key;
* ``anthropic/<model>`` — Anthropic through the official SDK (``ANTHROPIC_API_KEY``);
* ``llamacpp/<model>`` — a GGUF model in-process through llama.cpp (``smollm2`` is the packaged
  SmolLM2-135M-Instruct; anything else is a file path); needs the ``local`` extra;
* ``replay:<store path or pack folder>`` — answers only from a recorded call store or a replay
  pack (see :mod:`econsim.llm.client` and :mod:`econsim.llm.pack`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from econsim.llm.schemas import Reply
from econsim.llm.surrogate import SERVED_MODEL, Surrogate
from econsim.llm.types import Message, RawReply
from econsim.registry import Registry

ACCEPTED_FORMS = ("surrogate", "openai/<model>", "openai-compatible/<model>@http://host:port/v1",
                  "anthropic/<model>", "llamacpp/<smollm2 or GGUF path>",
                  "replay:<store path>", "replay:<pack folder>")


class Backend(Protocol):
    """A provider adapter: one request in, one :class:`RawReply` out (no parsing, no store)."""

    kind: str
    model: str
    url: str | None

    async def request(self, messages: Sequence[Message], *, schema: type[Reply], call_id: str,
                      temperature: float, max_tokens: int) -> RawReply: ...

    async def aclose(self) -> None: ...


class SurrogateBackend:
    """The surrogate as a backend (in-process; token counts estimated as characters / 4)."""

    kind = "surrogate"
    url = None

    def __init__(self, seed: int = 0, **_: Any) -> None:
        self.surrogate = Surrogate(seed)
        self.model = f"surrogate-seed{int(seed)}"

    async def request(self, messages: Sequence[Message], *, schema: type[Reply], call_id: str,
                      temperature: float, max_tokens: int) -> RawReply:
        text = self.surrogate.reply(messages, call_id, schema.KIND)
        n_in = sum(len(str(m.get("content", ""))) for m in messages) // 4
        return RawReply(text, n_in, len(text) // 4 + 1, SERVED_MODEL)

    async def aclose(self) -> None:
        return None


def _make_surrogate(rest: str, **opts: Any) -> Backend:
    if rest:
        raise ValueError("the surrogate backend string is just 'surrogate' (pass seed=...)")
    return SurrogateBackend(**opts)


def _make_openai(rest: str, **opts: Any) -> Backend:
    from econsim.llm.openai_backend import OpenAIBackend

    return OpenAIBackend(rest, compatible=False, **opts)


def _make_compatible(rest: str, **opts: Any) -> Backend:
    from econsim.llm.openai_backend import OpenAIBackend

    model, sep, url = rest.partition("@")
    if not sep or not model or not url.startswith(("http://", "https://")):
        raise ValueError("openai-compatible backend strings look like "
                         "'openai-compatible/<model>@http://host:port/v1'; got "
                         f"'openai-compatible/{rest}'")
    return OpenAIBackend(model, compatible=True, base_url=url, **opts)


def _make_anthropic(rest: str, **opts: Any) -> Backend:
    from econsim.llm.anthropic_backend import AnthropicBackend

    return AnthropicBackend(rest, **opts)


def _make_llamacpp(rest: str, **opts: Any) -> Backend:
    from econsim.llm.llamacpp_backend import LlamaCppBackend

    return LlamaCppBackend(rest, **opts)


#: Backend factories by prefix (``prefix/rest``; the surrogate has no rest).
BACKENDS: Registry[Callable[..., Backend]] = Registry("backend")
BACKENDS.register("surrogate", _make_surrogate)
BACKENDS.register("openai", _make_openai)
BACKENDS.register("openai-compatible", _make_compatible)
BACKENDS.register("anthropic", _make_anthropic)
BACKENDS.register("llamacpp", _make_llamacpp)


def reaches_model(spec: str) -> bool:
    """Whether calls of backend string ``spec`` go to a model server, so their latency is a
    measurement worth reporting: not for the in-process ``surrogate`` nor for ``replay:``
    stores (a surrogate served over HTTP, ``openai-compatible/…@url``, does reach a server)."""
    return not (spec == "surrogate" or spec.startswith("replay:"))


def make_backend(spec: str, **options: Any) -> Backend:
    """Create the backend named by ``spec`` (``replay:`` is handled by :func:`make_client`).

    Options go to the adapter: ``seed`` (surrogate); ``timeout``, ``max_retries``, ``base_url``,
    ``structured`` (``auto``, ``json_schema``, ``json_object``, ``ollama_format`` or ``none``;
    see :mod:`econsim.llm.structured`) for OpenAI and OpenAI-compatible servers;
    ``timeout``, ``max_retries``, ``base_url`` for Anthropic; ``seed``, ``structured``
    (``auto`` = ``json_schema``, or ``none``), ``prefix_cache``, ``n_ctx``, ``n_threads`` for
    llamacpp.
    """
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"backend must be a non-empty string; accepted forms: "
                         f"{', '.join(ACCEPTED_FORMS)}")
    prefix, _, rest = spec.partition("/")
    if prefix not in BACKENDS or (prefix != "surrogate" and not rest):
        raise ValueError(f"unknown backend {spec!r}; accepted forms: {', '.join(ACCEPTED_FORMS)}")
    return BACKENDS.get(prefix)(rest, **options)


def check_backend_spec(spec: str) -> None:
    """Check a backend string's form without creating a client: a known prefix, a model, and for
    ``openai-compatible/<model>@<url>`` an http(s) URL with a host and a port in 1–65535."""
    forms = ", ".join(ACCEPTED_FORMS)
    if spec.startswith("replay:"):
        if not spec[len("replay:"):]:
            raise ValueError("replay backend strings look like 'replay:<store path or pack "
                             "folder>'")
        return
    prefix, _, rest = spec.partition("/")
    if prefix not in BACKENDS or (prefix != "surrogate" and not rest) or (
            prefix == "surrogate" and rest):
        raise ValueError(f"unknown backend {spec!r}; accepted forms: {forms}")
    if prefix == "openai-compatible":
        model, sep, url = rest.partition("@")
        bad = f"backend {spec!r}: expected 'openai-compatible/<model>@http://host:port/v1'"
        if not sep or not model:
            raise ValueError(bad)
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"{bad}; the port must be a number in 1-65535") from None
        if (parts.scheme not in ("http", "https") or not parts.hostname
                or any(c.isspace() for c in url)):
            raise ValueError(f"{bad}; {url!r} is not an http(s) URL with a host")
        if port == 0:
            raise ValueError(f"{bad}; the port must be a number in 1-65535")
        if parts.username is not None or parts.password is not None:
            # a credential in the URL would be written to config.yaml, manifests and logs
            raise ValueError(f"backend openai-compatible/{model}@{parts.scheme}://<credentials>@"
                             f"{parts.hostname}...: credentials in the URL are refused (they "
                             "would be written to config.yaml and manifest.json); put the key in "
                             "the environment (OPENAI_API_KEY) instead")
