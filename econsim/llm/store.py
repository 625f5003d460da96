"""SQLite call store: every request and reply, for audit, resumption and exact replay.

One row per request actually answered (re-asks are separate rows with call ids ``<id>#reask<n>``),
keyed by ``sha256(backend, model, messages, temperature, max_tokens, schema, call_id)``.
Modes: ``off`` (no store), ``record`` (write every reply; a key already present is answered from
the store, so an interrupted run resumes without paying twice) and ``replay`` (answer only from
the store; a miss raises :class:`~econsim.llm.types.ReplayMissError` naming the call id).

The database uses WAL journaling with ``synchronous=NORMAL`` and a 30 s busy timeout: several
processes may write at once, each row is committed before the call returns, and a killed process
loses nothing it reported written (power loss may drop the last transactions; pass
``durable=True`` for ``synchronous=FULL``). No API key is ever part of a request written here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from econsim.llm.types import LLMError
from econsim.registry import Registry

STORE_MODES: Registry[str] = Registry("call store mode")
for _m, _d in (("off", "no store"), ("record", "write every reply; reuse present keys"),
               ("replay", "answer only from the store; a miss is an error")):
    STORE_MODES.register(_m, _d)

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS calls (
    key TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    served_model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    latency_s REAL NOT NULL,
    retries INTEGER NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_call_id ON calls(call_id);
"""


#: The columns a store's ``calls`` table must have (a file without them is not a call store).
COLUMNS = ("key", "call_id", "backend", "model", "request", "response", "served_model",
           "input_tokens", "output_tokens", "latency_s", "retries", "created")


class StoreError(LLMError):
    """A call store that cannot be used: not an SQLite file, damaged, a folder, not writable,
    or an SQLite file of another kind; the message names the file and what to do."""


def call_key(backend: str, model: str, messages: Sequence[dict[str, Any]], temperature: float,
             max_tokens: int, schema_id: str, call_id: str) -> str:
    """The store key of one request."""
    blob = json.dumps([backend, model, messages, float(temperature), int(max_tokens), schema_id,
                       call_id], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class CallStore:
    """An SQLite file of recorded calls.

    Parameters
    ----------
    path
        Database file (created with its folder if missing, except in replay mode).
    mode
        One of :data:`STORE_MODES` other than ``off``.
    durable
        ``synchronous=FULL`` instead of ``NORMAL``.
    readonly
        Replay only: open the file as immutable (no journal or lock files are created next to
        it), for committed stores such as replay packs (:mod:`econsim.llm.pack`).
    """

    def __init__(self, path: str | Path, mode: str = "record", durable: bool = False,
                 readonly: bool = False) -> None:
        STORE_MODES.get(mode)
        if mode == "off":
            raise ValueError("mode='off' means no store: pass store=None instead")
        self.path = Path(path)
        self.mode = mode
        if mode == "replay" and not self.path.exists():
            raise FileNotFoundError(f"replay store {self.path} does not exist")
        if self.path.is_dir():
            raise StoreError(f"call store {self.path} is a folder, not an SQLite file: give the "
                             "path of a file (e.g. calls.sqlite) or a pack folder as "
                             "replay:<folder>")
        self._lock = threading.Lock()
        with self._guard("be opened"):
            self._open(mode, durable, readonly)

    def _open(self, mode: str, durable: bool, readonly: bool) -> None:
        if readonly:
            if mode != "replay":
                raise ValueError("readonly=True is only valid in replay mode")
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            self._con = sqlite3.connect(uri, uri=True, check_same_thread=False,
                                        isolation_level=None)
            self._check_existing()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        existing = self.path.exists() and self.path.stat().st_size > 0
        self._con = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False,
                                    isolation_level=None)
        self._con.execute("PRAGMA busy_timeout=30000")
        if existing:  # read before anything is written: another file is refused unchanged
            self._check_existing()
        # two processes opening one new store at once: switching to WAL and creating the table
        # can report "locked" without waiting on the busy handler; retry them for a while
        deadline = time.monotonic() + 30.0
        while True:
            try:
                self._con.execute("PRAGMA journal_mode=WAL")
                self._con.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                self._con.executescript(_SCHEMA_SQL)
                break
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _check_existing(self) -> None:
        """Refuse a file that is not a call store (an SQLite file whose ``calls`` table is
        missing or lacks a column) or is damaged, reading only."""
        try:
            have = {r[1] for r in self._con.execute("PRAGMA table_info(calls)")}
            missing = [c for c in COLUMNS if c not in have]
            if missing:
                what = "has no calls table" if not have else \
                    f"has a calls table without {', '.join(missing)}"
                raise StoreError(f"call store {self.path} is an SQLite file but not a call "
                                 f"store (it {what}): choose another --store, or move it away")
            # reads every page of the (small) call-id index: damage is found here, before the
            # run folder is touched, rather than at a later call
            self._con.execute("SELECT COUNT(*) FROM calls").fetchone()
        except BaseException:
            self._con.close()
            raise

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn SQLite and file-system failures into one :class:`StoreError` line naming the
        file and what to do."""
        try:
            yield
        except sqlite3.DatabaseError as err:
            text = str(err)
            if "not a database" in text or "malformed" in text or "corrupt" in text:
                raise StoreError(f"call store {self.path} is damaged or not an SQLite file "
                                 f"({text}); it cannot {action}: move it away and record "
                                 "again, or choose another --store") from None
            if "readonly" in text or "read-only" in text or "unable to open" in text:
                raise StoreError(f"call store {self.path} cannot {action} ({text}): the file or "
                                 "its folder is not writable; choose a writable --store "
                                 "(or --pack folder)") from None
            if "disk is full" in text or "disk I/O" in text:
                raise StoreError(f"call store {self.path} cannot {action} ({text}): free space "
                                 "on its file system or choose another --store") from None
            raise StoreError(f"call store {self.path} cannot {action}: {text}") from None
        except OSError as err:
            raise StoreError(f"call store {self.path} cannot {action} ({err.strerror or err}): "
                             "choose a writable --store (or --pack folder)") from None

    def get(self, key: str) -> dict[str, Any] | None:
        """The recorded row for ``key`` (reply, usage, structured-output form), or None."""
        with self._lock, self._guard("be read"):
            cur = self._con.execute(
                "SELECT response, served_model, input_tokens, output_tokens, latency_s, retries, "
                "created, request FROM calls WHERE key = ?", (key,))
            row = cur.fetchone()
        return None if row is None else self._row(row)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The recorded rows of several keys (as :meth:`get` gives them) in one query per 500
        keys; missing keys are absent from the result."""
        out: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 500):
            part = unique[i:i + 500]
            with self._lock, self._guard("be read"):
                rows = self._con.execute(
                    "SELECT key, response, served_model, input_tokens, output_tokens, latency_s, "
                    f"retries, created, request FROM calls WHERE key IN ({','.join('?' * len(part))})",
                    part).fetchall()
            for row in rows:
                out[row[0]] = self._row(row[1:])
        return out

    @staticmethod
    def _row(row: Sequence[Any]) -> dict[str, Any]:
        out = dict(zip(("response", "served_model", "input_tokens", "output_tokens",
                        "latency_s", "retries", "created"), row[:7], strict=True))
        # the structured-output form the recorded request used (absent in older stores)
        out["structured_output"] = str(json.loads(row[7]).get("structured_output", ""))
        return out

    def find_request(self, call_id: str, backend: str, model: str,
                     messages: Sequence[dict[str, Any]], temperature: float,
                     max_tokens: int) -> dict[str, Any] | None:
        """The recorded row of the same request — call id, backend, model, messages and
        decoding settings all equal — whatever reply schema it was sent with, or None.

        Replay uses it when the exact key misses because only the schema's JSON changed since
        the recording (e.g. bounds added): the prompt is the same, so the recorded reply is what
        the model answered to it.
        """
        with self._lock, self._guard("be read"):
            rows = self._con.execute(
                "SELECT key, request FROM calls WHERE call_id = ? AND backend = ? AND model = ?",
                (call_id, backend, model)).fetchall()
        want = json.loads(json.dumps(list(messages), ensure_ascii=False))
        for key, text in rows:
            req = json.loads(text)
            if (req.get("messages") == want and float(req.get("temperature")) == float(temperature)
                    and int(req.get("max_tokens")) == int(max_tokens)):
                return self.get(key)
        return None

    def put(self, key: str, *, call_id: str, backend: str, model: str, request: dict[str, Any],
            response: str, served_model: str, input_tokens: int, output_tokens: int,
            latency_s: float, retries: int) -> None:
        """Write one reply and commit before returning."""
        if self.mode != "record":
            raise ValueError(f"cannot write to a store opened in mode {self.mode!r}")
        req = json.dumps(request, ensure_ascii=False, separators=(",", ":"))
        with self._lock, self._guard("be written"):
            self._con.execute(
                "INSERT OR REPLACE INTO calls VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (key, call_id, backend, model, req, response, served_model, int(input_tokens),
                 int(output_tokens), float(latency_s), int(retries), time.time()))

    def backends(self) -> list[tuple[str, str]]:
        """Distinct (backend, model) pairs recorded."""
        with self._lock, self._guard("be read"):
            return [tuple(r) for r in self._con.execute(
                "SELECT DISTINCT backend, model FROM calls ORDER BY backend, model")]

    def __len__(self) -> int:
        with self._lock, self._guard("be read"):
            return int(self._con.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def rows(self) -> list[dict[str, Any]]:
        """Every row, oldest first (for calls tables and audits)."""
        with self._lock, self._guard("be read"):
            cur = self._con.execute("SELECT * FROM calls ORDER BY created")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> CallStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
