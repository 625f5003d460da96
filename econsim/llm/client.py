"""The one interface agents call: :class:`LLMClient` — backend + call store + ledger + re-asks.

>>> client = make_client("surrogate", seed=0)
>>> from econsim.llm.schemas import LabourChoice
>>> msgs = [{"role": "user", "content": 'STEP 1/10\\nANSWER {"LABOR": <hours>}'}]
>>> client.complete_sync(msgs, schema=LabourChoice, call_id="w0/t0").parsed.LABOR in (30, 40, 50)
True

Flow of one call: look the request up in the store (record mode reuses a hit, replay mode must
hit); otherwise send it under the backend's concurrency limit, count it in the ledger and write it
to the store; parse the reply leniently (keys required; values clipped to the schema's bounds are
counted as ``clipped``); if invalid, re-ask with the validation error appended
(call id ``<id>#reask<n>``) up to ``max_reasks`` times; then use the fallback action (the caller's
``fallback``, e.g. the agent's last action, or the schema's default) and count it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import threading
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from econsim.llm.backends import Backend, make_backend
from econsim.llm.ledger import Budget, Ledger
from econsim.llm.pack import is_pack, open_pack
from econsim.llm.parsing import ReplyError
from econsim.llm.redact import redact
from econsim.llm.schemas import Reply, parse_checked
from econsim.llm.store import STORE_MODES, CallStore, call_key
from econsim.llm.types import (
    Completion,
    LLMError,
    LocalCompletions,
    Message,
    ParseFailure,
    RawReply,
    ReplayMissError,
)

T = TypeVar("T")
REASK_TEMPLATE = ("Your reply could not be used: {error}. Reply again with only the JSON object "
                  "in the requested format.")


@dataclass(frozen=True)
class Request:
    """One agent call of a phase (see :meth:`LLMClient.complete_many`)."""

    messages: Sequence[Message]
    schema: type[Reply]
    call_id: str
    fallback: Reply | None = None
    temperature: float | None = None
    max_tokens: int | None = None


@lru_cache(maxsize=1 << 14)
def _parse_memo(text: str, schema: type[Reply]) -> tuple[Any, tuple[str, ...]]:
    """:func:`parse_checked` of a reply text, remembered: the stand-in's replies repeat (eleven
    labour levels, two satisfaction answers) and parsed replies are immutable."""
    parsed, notes = parse_checked(text, schema)
    return parsed, tuple(notes)


@lru_cache(maxsize=1024)
def _schema_id(schema: type[Reply]) -> str:
    import json

    return schema.KIND + ":" + json.dumps(schema.json_schema_for_llm(), sort_keys=True)


class _LoopThread:
    """One background event loop shared by all sync calls (keeps SDK connection pools alive)."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None or cls._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="econsim-llm-loop",
                                 daemon=True).start()
                cls._loop = loop
            return cls._loop


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code — also inside Jupyter.

    The coroutine runs on a dedicated background event loop thread, so this works whether or not
    the calling thread already runs an event loop (Jupyter does), and SDK connection pools survive
    between phases.
    """
    fut = asyncio.run_coroutine_threadsafe(coro, _LoopThread.loop())
    try:
        return fut.result()
    except KeyboardInterrupt:
        fut.cancel()
        raise
    except concurrent.futures.CancelledError as exc:
        raise LLMError("call cancelled") from exc


class LLMClient:
    """Backend + store + ledger + re-ask/fallback policy + per-backend concurrency limit.

    Parameters
    ----------
    backend
        A backend object (see :func:`make_client` to build one from a string), or None for a
        pure replay client.
    store
        A :class:`CallStore` or None (mode ``off``).
    ledger
        Usage counters and budget; a fresh :class:`Ledger` by default.
    concurrency
        Maximum requests in flight to the backend at once.
    max_reasks
        Re-asks after an invalid reply before the fallback.
    temperature, max_tokens
        Default decoding parameters (paper: temperature 0.7).
    """

    def __init__(self, backend: Backend | None, *, store: CallStore | None = None,
                 ledger: Ledger | None = None, concurrency: int = 32, max_reasks: int = 2,
                 temperature: float = 0.7, max_tokens: int = 256,
                 replay_key: tuple[str, str] | None = None) -> None:
        if backend is None and (store is None or store.mode != "replay"):
            raise ValueError("backend=None is only valid with a store in replay mode")
        if concurrency < 1 or max_reasks < 0:
            raise ValueError("concurrency must be >= 1 and max_reasks >= 0")
        self.backend = backend
        self.store = store
        self.ledger = ledger or Ledger()
        self.concurrency = int(concurrency)
        self.max_reasks = int(max_reasks)
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        if backend is not None:
            self.key_backend, self.key_model = backend.kind, backend.model
        elif replay_key is not None:
            self.key_backend, self.key_model = replay_key
        else:
            self.key_backend, self.key_model = _only_backend(store)
        self._sems: dict[int, asyncio.Semaphore] = {}
        #: Store rows created at or after this time (``time.time()``) were paid for by this run
        #: (after its last checkpoint, before an interruption): a resume counts their hits as
        #: calls, not cache hits. Set by :meth:`Simulation.resume
        #: <econsim.simulation.Simulation.resume>`.
        self.paid_since: float | None = None
        self._phase_rows: dict[str, dict[str, Any]] = {}  # the current phase's stored replies
        if self.ledger.budget.max_usd is not None and backend is not None:
            self.ledger.require_price(self.key_model)

    @property
    def spec(self) -> str:
        """``backend/model`` used in the store keys."""
        return f"{self.key_backend}/{self.key_model}"

    def _sem(self) -> asyncio.Semaphore:
        loop = id(asyncio.get_running_loop())
        sem = self._sems.get(loop)
        if sem is None:
            sem = self._sems[loop] = asyncio.Semaphore(self.concurrency)
        return sem

    async def _raw(self, messages: Sequence[Message], schema: type[Reply], call_id: str,
                   temperature: float, max_tokens: int) -> tuple[RawReply, bool, float]:
        """One attempt: (reply, from the store?, request latency in s — 0 for store hits)."""
        key = None
        if self.store is not None:
            key = call_key(self.key_backend, self.key_model, messages, temperature, max_tokens,
                           _schema_id(schema), call_id)
            row = self._phase_rows.pop(key, None) or self.store.get(key)
            if row is None and self.store.mode == "replay":  # same prompt, schema JSON changed
                row = self.store.find_request(call_id, self.key_backend, self.key_model,
                                              messages, temperature, max_tokens)
            if row is not None:
                if self.paid_since is not None and row["created"] >= self.paid_since:
                    # recorded by this run after its last checkpoint: paid, not a free hit
                    self.ledger.add_call(row["served_model"] or self.key_model,
                                         row["input_tokens"], row["output_tokens"],
                                         row["latency_s"], row["retries"], self.key_model)
                else:
                    self.ledger.bump("cache_hits")
                return RawReply(row["response"], row["input_tokens"], row["output_tokens"],
                                row["served_model"], row["retries"],
                                row["structured_output"]), True, 0.0
            if self.store.mode == "replay":
                raise ReplayMissError(f"no recorded reply for call id {call_id!r} "
                                      f"({self.spec}) in {self.store.path}")
        assert self.backend is not None
        async with self._sem():
            t0 = time.perf_counter()
            try:
                raw = await self.backend.request(messages, schema=schema, call_id=call_id,
                                                 temperature=temperature, max_tokens=max_tokens)
            except Exception:
                self.ledger.bump("errors")
                raise
            latency = time.perf_counter() - t0
        if redact(raw.text) != raw.text:  # a server echoed a key: never store or parse it
            raw = dataclasses.replace(raw, text=redact(raw.text))
        self.ledger.add_call(raw.model or self.key_model, raw.input_tokens, raw.output_tokens,
                             latency, raw.retries, self.key_model)
        if self.store is not None and key is not None:
            self.store.put(key, call_id=call_id, backend=self.key_backend, model=self.key_model,
                           request={"messages": list(messages), "temperature": temperature,
                                    "max_tokens": max_tokens, "schema": schema.__name__,
                                    "structured_output": raw.structured},
                           response=raw.text, served_model=raw.model, input_tokens=raw.input_tokens,
                           output_tokens=raw.output_tokens, latency_s=latency,
                           retries=raw.retries)
        return raw, False, latency

    async def complete(self, messages: Sequence[Message], *, schema: type[Reply], call_id: str,
                       temperature: float | None = None, max_tokens: int | None = None,
                       fallback: Reply | None = None) -> Completion:
        """One agent call: see the module docstring for the flow.

        Raises
        ------
        TransportError
            The backend failed after the SDK's retries (or timed out).
        ReplayMissError
            Replay mode and the call was never recorded.
        ParseFailure
            Every attempt was invalid and neither ``fallback`` nor a schema default exists.
        """
        temp = self.temperature if temperature is None else float(temperature)
        mtok = self.max_tokens if max_tokens is None else int(max_tokens)
        msgs = list(messages)
        t0 = time.perf_counter()
        n_in = n_out = retries = 0
        request_s = 0.0
        all_cached = True
        raw: RawReply | None = None
        error = ""
        for attempt in range(self.max_reasks + 1):
            cid = call_id if attempt == 0 else f"{call_id}#reask{attempt}"
            raw, cached, latency = await self._raw(msgs, schema, cid, temp, mtok)
            all_cached &= cached
            request_s += latency
            n_in, n_out, retries = n_in + raw.input_tokens, n_out + raw.output_tokens, \
                retries + raw.retries
            try:
                parsed, notes = parse_checked(raw.text, schema)
            except ReplyError as exc:
                error = str(exc)
                self.ledger.bump("parse_failures")
                if attempt == self.max_reasks:
                    break
                self.ledger.bump("reasks")
                msgs = msgs + [{"role": "assistant", "content": raw.text},
                               {"role": "user", "content": REASK_TEMPLATE.format(error=error)}]
                continue
            if notes:
                self.ledger.bump("clipped")
            return self._done(Completion(
                call_id, raw.text, parsed, n_in, n_out, time.perf_counter() - t0, raw.model,
                attempt, retries, False, all_cached, None, raw.text, request_s, raw.structured,
                "; ".join(notes)))
        action = fallback if fallback is not None else schema.fallback()
        if action is None:
            raise ParseFailure(f"call {call_id!r}: {self.max_reasks + 1} invalid replies "
                               f"(last error: {error}) and no fallback action")
        self.ledger.bump("fallbacks")
        assert raw is not None
        return self._done(Completion(
            call_id, action.model_dump_json(), action, n_in, n_out, time.perf_counter() - t0,
            raw.model, self.max_reasks, retries, True, all_cached, error, raw.text, request_s,
            raw.structured))

    def complete_local(self, call_ids: Sequence[str], texts: Sequence[str],
                       input_chars: Sequence[int], *, schema: type[Reply], model: str,
                       latency_s: float = 0.0) -> LocalCompletions:
        """Completions of replies decided in this process without a request (the offline
        stand-in, :mod:`econsim.llm.surrogate.standin`), parsed and counted in the ledger as the
        surrogate backend's requests are: ``input_chars // 4`` prompt tokens, ``len(text) // 4
        + 1`` completion tokens, ``latency_s`` shared equally. Such replies are valid by
        construction; one that is not raises :class:`ParseFailure` (there is nobody to re-ask)."""
        n = len(texts)
        share = latency_s / max(n, 1)
        parsed, clipped = [], []
        for cid, text in zip(call_ids, texts, strict=True):
            try:
                p, notes = _parse_memo(text, schema)
            except ReplyError as exc:
                raise ParseFailure(f"call {cid!r}: the stand-in's reply {text!r} is invalid: "
                                   f"{exc}") from exc
            parsed.append(p)
            clipped.append("; ".join(notes) if notes else "")
        done = LocalCompletions(list(call_ids), list(texts), parsed,
                                [c // 4 for c in input_chars], [len(t) // 4 + 1 for t in texts],
                                share, model, clipped)
        self.ledger.add_calls(model, done.input_tokens, done.output_tokens, share,
                              self.key_model)
        n_clipped = sum(1 for c in clipped if c)
        if n_clipped:
            self.ledger.bump("clipped", n_clipped)
        self.ledger.bump("decision_latency_s", share * n)
        return done

    def _done(self, done: Completion) -> Completion:
        self.ledger.bump("decision_latency_s", done.latency_s)
        return done

    async def complete_many(self, requests: Sequence[Request], *,
                            check_budget: bool = True) -> list[Completion]:
        """All calls of one phase, concurrently under the limit; results in request order.

        With ``check_budget`` the ledger's budget is checked first: if it is used up,
        :class:`~econsim.llm.types.BudgetExceeded` is raised before any call of the phase is sent.
        """
        if check_budget:
            self.ledger.check()
        if self.store is not None:
            # one query for the phase's recorded replies instead of one per call
            temp, mtok = self.temperature, self.max_tokens
            keys = [call_key(self.key_backend, self.key_model, list(r.messages),
                             temp if r.temperature is None else float(r.temperature),
                             mtok if r.max_tokens is None else int(r.max_tokens),
                             _schema_id(r.schema), r.call_id) for r in requests]
            self._phase_rows.update(self.store.get_many(keys))
        return list(await asyncio.gather(*(
            self.complete(r.messages, schema=r.schema, call_id=r.call_id,
                          temperature=r.temperature, max_tokens=r.max_tokens,
                          fallback=r.fallback) for r in requests)))

    def complete_sync(self, messages: Sequence[Message], **kwargs: Any) -> Completion:
        """Blocking :meth:`complete` (works in notebooks; see :func:`run_sync`)."""
        return run_sync(self.complete(messages, **kwargs))

    def complete_many_sync(self, requests: Sequence[Request], **kwargs: Any) -> list[Completion]:
        """Blocking :meth:`complete_many` (works in notebooks; see :func:`run_sync`)."""
        return run_sync(self.complete_many(requests, **kwargs))

    def structured_output(self) -> dict[str, Any] | None:
        """The backend's structured-output negotiation (requested mode, mode in use, rejected
        forms), or None for backends that do not negotiate (surrogate, Anthropic, replay)."""
        negotiator = getattr(self.backend, "negotiator", None)
        return negotiator.summary() if negotiator is not None else None

    def close(self) -> None:
        """Close SDK clients and the store."""
        if self.backend is not None:
            run_sync(self.backend.aclose())
        if self.store is not None:
            self.store.close()


def _only_backend(store: CallStore | None) -> tuple[str, str]:
    pairs = store.backends() if store is not None else []
    if len(pairs) != 1:
        listed = ", ".join(f"{b}/{m}" for b, m in pairs) or "none"
        raise ValueError(f"replay store {getattr(store, 'path', None)} holds {len(pairs)} "
                         f"backend/model pairs ({listed}); choose one: replay_backend='<backend>/<model>' "
                         "(econsim run --replay-backend)")
    return pairs[0]


def make_client(backend: str = "surrogate", *, store: str | Path | None = None,
                store_mode: str = "record", budget: Budget | None = None,
                prices: dict[str, tuple[float, float]] | None = None, concurrency: int = 32,
                max_reasks: int = 2, temperature: float = 0.7, max_tokens: int = 256,
                replay_backend: str | None = None, **backend_options: Any) -> LLMClient:
    """Build a client from a backend string (see :mod:`econsim.llm.backends`).

    Parameters
    ----------
    backend
        ``surrogate``, ``openai/<model>``, ``openai-compatible/<model>@<url>``,
        ``anthropic/<model>``, ``llamacpp/<model>``, ``replay:<store path>`` or
        ``replay:<pack folder>`` (:mod:`econsim.llm.pack`).
    store, store_mode
        Call store file and mode (``record`` or ``replay``; ``off`` or ``store=None`` for none).
    budget, prices
        Optional budget and price table for the ledger.
    replay_backend
        For ``replay:`` stores holding several backends: which ``<backend>/<model>`` to replay.
    backend_options
        Passed to the adapter (``seed``, ``timeout``, ``max_retries``, ``base_url``,
        ``structured`` — the structured-output mode of OpenAI-compatible servers, see
        :mod:`econsim.llm.structured`, ...).
    """
    STORE_MODES.get(store_mode)
    ledger = Ledger(budget=budget or Budget())
    if prices is not None:
        ledger.prices = dict(prices)
    common = dict(ledger=ledger, concurrency=concurrency, max_reasks=max_reasks,
                  temperature=temperature, max_tokens=max_tokens)
    if isinstance(backend, str) and backend.startswith("replay:"):
        path = backend[len("replay:"):]
        if not path:
            raise ValueError("replay backend strings look like 'replay:<store path or pack "
                             "folder>'")
        key = tuple(replay_backend.split("/", 1)) if replay_backend else None
        if is_pack(path):
            pack_store, manifest = open_pack(path)
            if key is None and len(manifest["keys"]) == 1:
                key = tuple(manifest["keys"][0].split("/", 1))
            return LLMClient(None, store=pack_store, replay_key=key, **common)
        replay = CallStore(path, "replay")
        seed = backend_options.get("seed")
        if key is None and seed is not None:
            # a store recorded with several seeds holds one model name per seed (the surrogate's
            # is "surrogate-seed<N>"): replay the run's own seed
            pairs = replay.backends()
            mine = [p for p in pairs if p[1].endswith(f"seed{int(seed)}")]
            if len(pairs) > 1 and len(mine) == 1:
                key = mine[0]
        return LLMClient(None, store=replay, replay_key=key, **common)
    be = make_backend(backend, **backend_options)
    st = None if store is None or store_mode == "off" else CallStore(store, store_mode)
    return LLMClient(be, store=st, **common)
