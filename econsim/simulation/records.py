"""Tidy records of a run, written in tax-year chunks so an interrupted run loses nothing.

Tables (long format): ``steps`` (one row per step), ``agents`` (per agent-step), ``calls`` (per
LLM call: prompt, the reply used, the model's raw reply — kept on fallback rows too —, usage,
decision latency ``latency_s`` (queueing and re-asks included) and request latency
``request_latency_s``, structured-output form, clipped values, fallback) and ``elections`` (per voter and election). During a
run each tax year is written to ``chunks/<table>_<year>.parquet`` (atomically: temporary file,
then rename); :meth:`Recorder.finalize` joins them into ``<table>.parquet``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from econsim.llm.types import LocalCompletions, parsed_replies
from econsim.simulation.run_folder import removed_on_error, sha256_file

TABLES = ("steps", "agents", "calls", "elections")


class Recorder:
    """Buffers rows in memory and writes them per tax year (or keeps them, without a folder)."""

    def __init__(self, folder: Path | None, record_prompts: bool = True,
                 record_calls: bool = True) -> None:
        self.folder = folder
        self.record_prompts = record_prompts
        self.record_calls = record_calls
        self._buf: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
        self._kept: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
        #: SHA-256 of every chunk written (checked on resume and before the run is complete)
        self.digests: dict[str, str] = {}
        if folder is not None:
            (folder / "chunks").mkdir(parents=True, exist_ok=True)

    # -- collecting ---------------------------------------------------------------------------
    def step_row(self, row: dict[str, Any]) -> None:
        self._buf["steps"].append(row)

    def fill_steps(self, columns: dict[str, np.ndarray]) -> None:
        """Set ``columns`` (one value per row) in the last buffered ``steps`` rows, in order."""
        m = len(next(iter(columns.values())))
        rows = self._buf["steps"][len(self._buf["steps"]) - m:]
        if len(rows) != m:
            raise RuntimeError(f"{m} step rows to fill, {len(rows)} buffered")
        for name, values in columns.items():
            for row, v in zip(rows, values.tolist(), strict=True):
                row[name] = v

    def agent_rows(self, step: int, columns: dict[str, np.ndarray]) -> None:
        """Every agent's row of ``step`` (``columns``: one array per column, agent order)."""
        n = len(next(iter(columns.values())))
        self.agent_columns(step, np.arange(n, dtype=np.int64), columns)

    def agent_columns(self, step: int, agents: np.ndarray, columns: dict[str, np.ndarray]
                      ) -> None:
        """Rows of ``step`` for the agents ``agents`` (a sample of them, say)."""
        # kept as arrays and framed once per tax year: a DataFrame per step cost more than the
        # step itself in small runs
        self._buf["agents"].append({"step": np.full(len(agents), step, dtype=np.int64),
                                    "agent": np.asarray(agents),
                                    **{k: np.asarray(v) for k, v in columns.items()}})

    def call_rows(self, kind: str, step: int, agents: Iterable[int],
                  requests: Sequence[Any] | None, completions: Sequence[Any]) -> None:
        """One row per call; ``requests`` is ``None`` for calls decided without a prompt text
        (the offline stand-in), whose ``prompt`` is then empty. Kept as columns, one block per
        phase."""
        if not self.record_calls:
            return
        done, n = completions, len(completions)
        keep = self.record_prompts
        prompts = [json.dumps(list(r.messages)) for r in requests] if keep and requests is not None \
            else [None] * n
        agents = [int(a) for a in agents]
        if len(agents) != n:
            raise ValueError(f"{len(agents)} agents for {n} calls")
        if isinstance(done, LocalCompletions):  # decided in this process: columns as they are
            self._buf["calls"].append({
                "call_id": done.call_ids, "step": [step] * n, "agent": agents,
                "kind": [kind] * n, "prompt": prompts,
                "reply": done.texts if keep else [None] * n, "raw_reply": done.texts,
                "parsed": _parsed_json(done), "input_tokens": done.input_tokens,
                "output_tokens": done.output_tokens, "latency_s": [done.latency_s] * n,
                "request_latency_s": [done.latency_s] * n, "model": [done.model] * n,
                "structured_output": [""] * n, "reasks": [0] * n, "retries": [0] * n,
                "fallback": [False] * n, "clipped": done.clipped, "cached": [False] * n,
                "error": [None] * n})
            return
        self._buf["calls"].append({
            "call_id": [d.call_id for d in done], "step": [step] * n, "agent": agents,
            "kind": [kind] * n, "prompt": prompts,
            "reply": [d.text for d in done] if keep else [None] * n,
            "raw_reply": [d.raw_text for d in done],
            "parsed": _parsed_json(done),
            "input_tokens": [d.input_tokens for d in done],
            "output_tokens": [d.output_tokens for d in done],
            "latency_s": [d.latency_s for d in done],
            "request_latency_s": [d.request_latency_s for d in done],
            "model": [d.model for d in done], "structured_output": [d.structured for d in done],
            "reasks": [d.reasks for d in done], "retries": [d.retries for d in done],
            "fallback": [d.fallback for d in done], "clipped": [d.clipped for d in done],
            "cached": [d.cached for d in done], "error": [d.error for d in done]})

    def election_rows(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            self._buf["elections"].append({**r, "platform": None if r["platform"] is None
                                           else json.dumps(r["platform"])})

    # -- writing ------------------------------------------------------------------------------
    def _frame(self, table: str) -> pd.DataFrame | None:
        items = self._buf[table]
        if not items:
            return None
        if table == "agents":  # per-step column arrays
            return pd.DataFrame({k: np.concatenate([item[k] for item in items])
                                 for k in items[0]})
        if table == "calls":  # per-phase column lists
            return pd.DataFrame({k: [x for item in items for x in item[k]] for k in items[0]})
        return pd.DataFrame(items)

    def flush(self, year: int) -> None:
        """Write (or keep) everything buffered as tax year ``year``."""
        for table in TABLES:
            frame = self._frame(table)
            self._buf[table] = []
            if frame is None:
                continue
            if self.folder is None:
                self._kept[table].append(frame)
                continue
            path = self.folder / "chunks" / f"{table}_{year:06d}.parquet"
            tmp = path.with_suffix(".parquet.tmp")
            with removed_on_error(tmp):  # e.g. a full disk: no half-written chunk is left
                frame.to_parquet(tmp, index=False)
                self.digests[path.name] = sha256_file(tmp)
                tmp.replace(path)

    def discard_after(self, year: int) -> None:
        """Delete chunks of tax years after ``year`` (written after the last checkpoint)."""
        if self.folder is None:
            return
        for path in (self.folder / "chunks").glob("*.parquet*"):
            stem = path.name.split(".")[0]
            if int(stem.rsplit("_", 1)[1]) > year or path.suffix == ".tmp":
                path.unlink()
                self.digests.pop(path.name, None)

    def tables(self) -> dict[str, pd.DataFrame]:
        """All tables so far (read back from the chunks when writing to a folder)."""
        out = {}
        for table in TABLES:
            if self.folder is None:
                parts = self._kept[table]
            else:
                parts = [pd.read_parquet(p) for p in
                         sorted((self.folder / "chunks").glob(f"{table}_*.parquet"))]
            out[table] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return out

    def finalize(self) -> dict[str, pd.DataFrame]:
        """Join the chunks into one parquet file per table and return the tables."""
        tables = self.tables()
        if self.folder is not None:
            for table, frame in tables.items():
                path = self.folder / f"{table}.parquet"
                tmp = path.with_suffix(".parquet.tmp")
                with removed_on_error(tmp):
                    frame.to_parquet(tmp, index=False)
                    tmp.replace(path)
        return tables


def _parsed_json(done: Sequence[Any]) -> list[str | None]:
    """Each completion's parsed reply as JSON; replies of one phase share a schema, so equal
    texts parse to equal replies and each distinct text is dumped once."""
    texts = done.texts if isinstance(done, LocalCompletions) else [d.text for d in done]
    dumped: dict[str, str | None] = {}
    out = []
    for text, parsed in zip(texts, parsed_replies(done), strict=True):
        j = dumped.get(text, _NONE)
        if j is _NONE:
            j = dumped[text] = parsed.model_dump_json() if parsed is not None else None
        out.append(j)
    return out


_NONE = object()
