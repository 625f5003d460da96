"""The offline stand-in deciding a whole phase from the views prompts are rendered from.

:class:`~econsim.llm.surrogate.Surrogate` reads one rendered prompt per call: building a worker
prompt of up to 16,000 characters and parsing it back costs far more than the decision. The stand-in
here takes the same :mod:`econsim.prompts` views and gives, for each call of a phase, the reply the
text-reading surrogate would give and the characters of the prompt it would have read (the ledger's
token estimate, characters / 4) — without building or parsing the whole text:

* **labour** — a worker prompt is ``system + before + history + after``
  (``worker_frame`` / ``history_units`` / ``unit_lines`` of the prompt style). A history piece (a
  step in the ``paper`` style, a tax year in ``compact``) is rendered and read once and kept for as
  long as it stays in the worker's window (up to ``H`` prompts), so each call renders only its
  frame. The observations come from the same line reader the text path uses, and the frame from the
  same text functions, so every number is the rounded number the prompt shows: identical decisions
  by construction, and proved on whole runs by ``tests/test_standin.py``.
  In the ``paper`` style a whole phase is decided at once from arrays
  (:mod:`econsim.llm.surrogate.labour_arrays`); the call-by-call path above serves the ``compact``
  style and the phases that do not fit the arrays.
* **satisfaction** — its prompt is short: rendered (for its length) and read with the same reader;
  the persona's attitude is read once per worker; the phase's draws are computed at once.
* **planner, leader, vote, run** — once per tax year or election: rendered and decided by the
  text rule, in this process, with no client in between.

Random draws are the text path's: the counter-based stream of each call id
(:mod:`econsim.llm.surrogate.draws`), computed for a whole phase at once.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.llm.surrogate import Surrogate, agents, prompt_text
from econsim.llm.surrogate import reader as rd
from econsim.llm.surrogate.draws import Draws, call_keys, uniforms
from econsim.llm.surrogate.labour_arrays import PaperLabour
from econsim.prompts import (
    PROMPT_STYLES,
    SatisfactionBatch,
    StepRecord,
    WorkerBatch,
    WorkerView,
    build,
    paper,
)
from econsim.prompts import common as c
from econsim.prompts.numbers import shown_and_len


@dataclass(frozen=True, slots=True)
class _Piece:
    """A piece of a worker's shown history: its records' steps, rendered size, observations."""

    uid: int
    first: int
    last: int
    chars: int
    lines: int
    obs: list[rd.Obs]


class _Window:
    """A worker's shown history as pieces, with their observations in one list (oldest first)
    and their total size; updated piece by piece as the window slides."""

    __slots__ = ("pieces", "obs", "chars", "lines")

    def __init__(self) -> None:
        self.pieces: deque[_Piece] = deque()
        self.obs: list[rd.Obs] = []
        self.chars = self.lines = 0

    def clear(self) -> None:
        self.__init__()

    def drop_first(self) -> None:
        p = self.pieces.popleft()
        del self.obs[:len(p.obs)]
        self.chars -= p.chars
        self.lines -= p.lines

    def append(self, p: _Piece) -> None:
        self.pieces.append(p)
        self.obs.extend(p.obs)
        self.chars += p.chars
        self.lines += p.lines

    def replace(self, end: int, p: _Piece) -> None:
        """Replace the first (``end`` 0) or the last (``end`` −1) piece by ``p``."""
        old = self.pieces[end]
        self.pieces[end] = p
        if end == 0:
            self.obs[:len(old.obs)] = p.obs
        else:
            self.obs[len(self.obs) - len(old.obs):] = p.obs
        self.chars += p.chars - old.chars
        self.lines += p.lines - old.lines


class StandIn:
    """Replies and prompt sizes of the text-reading surrogate, for whole phases of calls.

    Parameters
    ----------
    surrogate
        The text surrogate whose seed (and so whose random draws) the stand-in shares.
    style
        The prompt style the text path would render (``paper`` or ``compact``).
    """

    def __init__(self, surrogate: Surrogate, style: str) -> None:
        self.surrogate = surrogate
        self.style_name = style
        self.style = PROMPT_STYLES.get(style)
        self._windows: dict[str, _Window] = {}  # per worker: its shown history, in pieces
        self._attitude: dict[tuple[str, str | None], float] = {}
        self._system_len: dict[tuple[str, str | None], int] = {}
        self._sat_cols: tuple | None = None  # the columns _sat_info was read for
        self._sat_info: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0, dtype=int))
        self._arrays = PaperLabour(self.style, surrogate.seed) if style == "paper" else None

    def decide(self, kind: str, views: Sequence[Any], call_ids: Sequence[str]
               ) -> tuple[list[str], list[int]]:
        """Reply texts (the JSON the surrogate backend would send) and prompt characters (all
        message contents, as the backend counts them) for one phase of ``kind`` calls."""
        if kind == "worker" and self._arrays is not None and isinstance(views, WorkerBatch):
            done = self._arrays.decide(views, call_ids)
            if done is not None:
                return done
        if kind == "satisfaction":
            return self._satisfaction_phase(views, call_ids)
        one = self._labour if kind == "worker" else self._rendered
        texts, chars = [], []
        for view, cid in zip(views, call_ids, strict=True):
            reply, n = one(kind, view, cid)
            texts.append(_reply_text(reply))
            chars.append(n)
        return texts, chars

    def _rng(self, call_id: str) -> Draws:
        """The text path's draws of this call."""
        return self.surrogate.rng(call_id)

    # -- labour: frame + cached history pieces ------------------------------------------------
    def _labour(self, kind: str, v: WorkerView, call_id: str) -> tuple[dict, int]:
        system, before, after = self.style.worker_frame(v)
        history_chars, history_lines, obs = self._history(v)
        frame = "\n".join((system, *before, *after))
        step, total = rd.step_progress(frame)
        reading = agents.LabourReading(obs, rd.current_rates(frame), agents.goal_of(frame),
                                       agents.exploit_of(frame), step, total)
        n_lines = len(before) + history_lines + len(after)
        # the frame joins system, before and after with one newline each; the prompt is the
        # system message and the user lines before + history + after, joined by newlines
        chars = len(frame) - len(before) - len(after) + history_chars + n_lines - 1
        return agents.decide_labour(reading, self._rng(call_id)), chars

    def _history(self, v: WorkerView) -> tuple[int, int, list[rd.Obs]]:
        """Characters, line count and observations of ``v``'s shown history.

        The window slides by one step per call: pieces that left it are dropped, the piece cut at
        its start and the piece that grew at its end are rendered again, new pieces rendered once;
        the rest are kept from earlier calls."""
        hist = c.window(v.history, v.H)
        win = self._windows.get(v.name)
        if win is None:
            win = self._windows[v.name] = _Window()
        if not hist:
            win.clear()
            return 0, 0, win.obs
        first, last = hist[0].step, hist[-1].step
        pieces = win.pieces
        while pieces and pieces[0].last < first:
            win.drop_first()
        if pieces and pieces[-1].last > last:
            win.clear()  # not a slide (the window went back): start again
        known = pieces[-1].last if pieces else first - 1
        unit = self.style.unit_of
        if pieces and pieces[0].first != first:
            # the oldest piece lost records: render it again from what is left of it
            uid = pieces[0].uid
            win.replace(0, self._piece(v, [r for r in hist if unit(v, r) == uid]))
        k = last - known  # one record per step: the new records are the last k
        new = hist[len(hist) - k:] if 0 < k <= len(hist) and hist[len(hist) - k].step == known + 1 \
            else [r for r in hist if r.step > known]
        for r in new:
            uid = unit(v, r)
            if pieces and pieces[-1].uid == uid:
                win.replace(-1, self._piece(v, [x for x in hist if unit(v, x) == uid]))
            else:
                win.append(self._piece(v, [r]))
        return win.chars, win.lines, win.obs

    def _piece(self, v: WorkerView, records: list[StepRecord]) -> _Piece:
        lines = self.style.unit_lines(v, records)
        return _Piece(self.style.unit_of(v, records[0]), records[0].step, records[-1].step,
                      sum(map(len, lines)), len(lines),
                      rd.observations_from_lines(lines, cached=False))

    # -- satisfaction: short prompt, attitude read once per worker ---------------------------
    def _satisfaction_phase(self, views: Sequence[Any], call_ids: Sequence[str]
                            ) -> tuple[list[str], list[int]]:
        """:func:`~econsim.llm.surrogate.agents.decide_satisfaction` per call, its one draw
        computed for the phase at once."""
        u = uniforms(call_keys(self.surrogate.seed, call_ids), 1)[:, 0].tolist()
        if self.style_name == "paper" and isinstance(views, SatisfactionBatch):
            done = self._satisfaction_arrays(views, u)
            if done is not None:
                return done
        texts, chars = [], []
        for view, draw in zip(views, u, strict=True):
            messages = build(self.style_name, "satisfaction", view)
            text = prompt_text(messages)
            key = (view.name, view.persona)
            a = self._attitude.get(key)
            if a is None:
                a = self._attitude[key] = agents.attitudes(text)[0]
            z, tax, reb = rd.last_outcome(text)
            reply = agents.decide_satisfaction(a, z, tax, reb, _Fixed(draw))
            texts.append(_reply_text(reply))
            chars.append(_chars(messages))
        return texts, chars

    def _satisfaction_arrays(self, views: SatisfactionBatch, u: list[float]
                             ) -> tuple[list[str], list[int]] | None:
        """A ``paper`` satisfaction phase without a prompt per call: the numbers read are those
        shown (:func:`econsim.prompts.numbers.shown`, checked against the text reader on the
        first prompt), each prompt's length the first one's corrected by the system message and
        the numbers that differ (:data:`econsim.prompts.paper.SATISFACTION_FIELDS`); ``None``
        if the phase does not fit (then it is decided call by call)."""
        v0 = views[0]
        cols = (views.names, views.personas)
        if self._sat_cols is None or any(a is not b for a, b in zip(cols, self._sat_cols,
                                                                      strict=True)):
            info = [self._satisfier(views, i) for i in range(len(views))]
            self._sat_info = (np.array([a for a, _ in info]), np.array([n for _, n in info]))
            self._sat_cols = cols
        attitude, system_len = self._sat_info
        lasts = views.lasts
        fields = paper.SATISFACTION_FIELDS
        shown_values, chars = {}, system_len - system_len[0]
        for fmt in dict.fromkeys((d, commas) for _, d, commas in fields):
            names = [f for f, d, commas in fields if (d, commas) == fmt]
            v, n = shown_and_len([[getattr(r, f) for r in lasts] for f in names], *fmt)
            shown_values.update(zip(names, v, strict=True))
            chars += (n - n[:, :1]).sum(axis=0)
        z, tax, reb = (shown_values[f] for f in ("income", "tax", "rebate"))
        messages = build("paper", "satisfaction", v0)
        if rd.last_outcome(prompt_text(messages)) != (z[0], tax[0], reb[0]):
            return None
        chars += _chars(messages)
        # decide_satisfaction's argument, in its order of operations; σ by the same function
        x = 0.3 + 1.5 * attitude + 3.0 * (reb - tax) / np.maximum(z, 1000.0)
        sigmoid = agents._sigmoid
        yes, no = _reply_text({"SATISFIED": "YES"}), _reply_text({"SATISFIED": "NO"})
        texts = [yes if draw < sigmoid(xi) else no for draw, xi in zip(u, x.tolist(), strict=True)]
        return texts, chars.tolist()

    def _satisfier(self, batch: SatisfactionBatch, i: int) -> tuple[float, int]:
        """A worker's attitude (read once from its first satisfaction prompt, as the call-by-call
        path does) and the length of its satisfaction system message."""
        key = (batch.names[i], batch.personas[i])
        a = self._attitude.get(key)
        n = self._system_len.get(key)
        if a is None or n is None:
            messages = build(self.style_name, "satisfaction", batch[i])
            if a is None:
                a = self._attitude[key] = agents.attitudes(prompt_text(messages))[0]
            n = self._system_len[key] = len(messages[0]["content"])
        return a, n

    # -- rare calls: rendered and read ---------------------------------------------------------
    def _rendered(self, kind: str, view: Any, call_id: str) -> tuple[dict, int]:
        messages = build(self.style_name, kind, view)
        return self.surrogate.decide(messages, call_id, _RULE_KIND[kind]), _chars(messages)


class _Fixed:
    """The one draw a satisfaction decision uses, computed with the rest of its phase."""

    __slots__ = ("u",)

    def __init__(self, u: float) -> None:
        self.u = u

    def random(self) -> float:
        u, self.u = self.u, None
        if u is None:
            raise RuntimeError("only the first draw of this call was computed")
        return u


#: Prompt kind → reply kind of the surrogate's rules.
_RULE_KIND = {"planner": "delta", "leader": "delta", "vote": "vote", "run": "run",
              "satisfaction": "satisfaction", "worker": "labor", "persona": "persona"}


def _reply_text(reply: dict) -> str:
    """``json.dumps(reply)``, remembered for the one-key replies that repeat (labour levels,
    satisfaction answers)."""
    if len(reply) == 1:
        (key, value), = reply.items()
        if isinstance(value, (int, str)):
            text = _REPLIES.get((key, value))
            if text is None:
                text = _REPLIES[(key, value)] = json.dumps(reply)
            return text
    return json.dumps(reply)


_REPLIES: dict[tuple[str, int | str], str] = {}


def _chars(messages: Sequence[dict[str, Any]]) -> int:
    """Characters of all message contents, as the surrogate backend counts them."""
    return sum(len(str(m.get("content", ""))) for m in messages)


__all__ = ["StandIn"]
