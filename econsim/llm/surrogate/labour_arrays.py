"""A whole phase of paper-style labour calls decided at once, from arrays.

The worker rule (:func:`econsim.llm.surrogate.agents.decide_labour`) reads, per call, the
observations shown in the history window: labour level, rates and score of each step line. Here
what the rule needs is kept in arrays of shape (workers, H), oldest step first, filled as each
step enters the workers' windows:

* the level (labour / 10), rates id and score of each step *as the prompt shows them*: the numbers
  a reader gets back from the step line (:func:`econsim.prompts.numbers.shown_and_len`, equal to
  parsing the formatted text), checked each phase against the text reader on one rendered line;
* the length of each step line (one line rendered per phase, the others from the lengths of the
  numbers that differ, :data:`econsim.prompts.paper.STEP_LINE_FIELDS`) and the raw objective.

For one phase the rule is then a few array operations over all workers: per labour level, the
sum of the scores of the steps under the current rates (or of all steps if there are none) added
one at a time, oldest first, as the text rule adds them (``np.add.at`` in time order), their mean,
the best level, the untried neighbours and the exploration draws (:func:`~econsim.llm.surrogate.
draws.uniforms`, the same stream the text path draws from call by call). Each prompt's length is
one rendered frame's (the lines around the history) corrected by what differs between workers:
the system message, the history lines, and the average, best-steps and reflection lines (their
numbers' lengths from :mod:`econsim.prompts.numbers`, one reflection rendered per wording).

Equivalence with the text path holds by construction (same numbers, same sums in the same order,
same draws) and is checked on whole runs by ``tests/test_standin.py``. A phase that does not fit —
a persona that repeats a prompt marker the reader looks for, a labour level off the menu, workers
whose windows are not one step further than last time, a reference line read otherwise — returns
``None``, and the caller decides it call by call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from econsim.llm.surrogate import agents
from econsim.llm.surrogate import reader as rd
from econsim.llm.surrogate.draws import call_keys, uniforms
from econsim.prompts import StepRecord, WorkerBatch, WorkerView, paper
from econsim.prompts import common as c
from econsim.prompts.numbers import shown_and_len, shown_len

_LEVELS = len(agents.MENU)
#: Texts a persona must not contain for the frame-free reading below to equal the text reader's
#: (they are what it looks for in a prompt; the system message comes first).
_MARKERS = ("RATES_PCT ", "Current tax rates: ")


@dataclass(slots=True)
class _Worker:
    """Per worker: what its system message tells the reader, and its sizes."""

    score: str
    regular: bool
    system_len: int
    skill_len: int
    what: str
    bounded: bool


class PaperLabour:
    """Labour phases of ``paper`` prompts decided from arrays (module docstring).

    Parameters
    ----------
    style
        The ``paper`` prompt style.
    seed
        The surrogate's seed (the draws' keys are ``blake2b(f"{seed}:{call_id}")``).
    """

    def __init__(self, style: paper.PaperStyle, seed: int) -> None:
        self.style = style
        self.seed = int(seed)
        self._names: list[str] = []
        self._workers: dict[tuple, _Worker] = {}
        self._last: int | None = None  # step of the newest record in the windows
        self._rates: dict[tuple[float, ...], int] = {}
        self._replies: dict[int, str] = {}
        self.H = self.L = 0  # window capacity and steps shown
        self._cols: tuple | None = None
        self._names_of: object = None  # the names column the windows were built for
        self._wordings: dict[tuple, tuple[int]] = {}
        self._phase_workers: list[_Worker] = []

    # -- one phase ---------------------------------------------------------------------------
    def decide(self, batch: WorkerBatch, call_ids: Sequence[str]
               ) -> tuple[list[str], list[int]] | None:
        """Reply texts and prompt characters of one phase, or ``None`` if it does not fit."""
        if not len(batch):
            return [], []
        v0 = batch[0]
        workers = self._workers_of(batch)
        if not all(w.regular for w in workers):
            return None
        if not self._advance(batch, workers):
            return None
        varying, summary0 = self._varying(batch, workers)
        system, before, after = self.style.worker_frame(v0, summary0)
        step, total = rd.step_progress("\n".join(before))
        cur = self._rates_id(rd.current_rates("\n".join(before)))
        hours = self._rule(cur, batch.exploit, step, total, call_ids)
        # every prompt: system + before + history + after, the user lines joined by newlines;
        # they differ only in the system message, the history and the varying after-lines
        shared = sum(map(len, before)) + sum(map(len, after)) - varying[0] \
            + len(before) + self.L + len(after) - 1
        history = self._len[:, self.H - self.L:].sum(axis=1).tolist()
        chars = [w.system_len + shared + h + var
                 for w, h, var in zip(workers, history, varying, strict=True)]
        return [self._reply(h) for h in hours.tolist()], chars

    def _varying(self, batch: WorkerBatch, workers: Sequence[_Worker]
                 ) -> tuple[list[int], c.WindowSummary | None]:
        """Per worker, the characters of its after-lines that differ between workers (average,
        best steps, reflection); and the first worker's summary (for the shared frame).

        The reflection is rendered per worker; the other two are the first worker's lines
        corrected by the lengths of what differs (:data:`~econsim.prompts.paper.
        AVERAGE_LINE_NUMBERS`, the best steps' entries, the objective's name)."""
        reflection = self._reflections(batch, workers)
        if not self.L:
            return reflection.tolist(), None
        lo, L = self.H - self.L, self.L
        obj = self._obj[:, lo:]
        # c.sequential_sum: (0.0 + v0) + v1 + ..., one addition at a time (labour: whole hours,
        # exact in any order)
        start = np.zeros((len(obj), 1))
        means = (self._lab[:, lo:].sum(axis=1) / L,
                 np.add.accumulate(np.concatenate([start, obj], axis=1), axis=1)[:, -1] / L)
        best = self._best(batch.best_k)
        what = np.array([len(w.what) for w in workers])
        hist0 = c.window(batch.histories[0], batch.H)
        s0 = c.WindowSummary(L, float(means[0][0]), float(means[1][0]),
                             [hist0[j] for j in best[0]])
        rows = np.arange(len(workers))[:, None]
        lengths = (len(paper.average_line(s0, workers[0].what)) + what - what[0]
                   + len(paper.best_line([paper.best_entry(r, batch.utility_types[0],
                                                           workers[0].what) for r in s0.best])))
        for mean, (d, commas) in zip(means, paper.AVERAGE_LINE_NUMBERS, strict=True):
            n = shown_len(mean, d, commas)
            lengths += n - n[0]
        entries = self._entry[:, lo:][rows, np.asarray(best)].sum(axis=1)
        lengths += entries - entries[0]
        return (lengths + reflection).tolist(), s0

    def _reflections(self, batch: WorkerBatch, workers: Sequence[_Worker]) -> np.ndarray:
        """Per worker, the length of its reflection line (:func:`~econsim.prompts.paper.
        reflection_line` on its last two steps shown).

        The line's wording depends on the signs of the objective's and the labour's change and
        on the objective's name; its numbers are the two labour levels and the objective's
        change. One line of each wording is rendered (from two made-up steps) and the numbers'
        lengths are swapped in."""
        if self.L < 2:
            shapes = [(u, w.bounded, 0, 0) for u, w in zip(batch.utility_types, workers,
                                                           strict=True)]
            return np.array([self._wording(*k)[0] for k in shapes])
        obj, lab = self._obj[:, -2:], self._lab[:, -2:]
        du = obj[:, 1] - obj[:, 0]
        dl = lab[:, 1] - lab[:, 0]
        sign_u, sign_l = np.sign(du).astype(int).tolist(), np.sign(dl).astype(int).tolist()
        base = np.array([self._wording(u, w.bounded, su, sl)[0] for u, w, su, sl in zip(
            batch.utility_types, workers, sign_u, sign_l, strict=True)])
        _, n_a = shown_and_len(lab[:, 0], 0, False)
        _, n_b = shown_and_len(lab[:, 1], 0, False)
        _, n_du = shown_and_len(np.abs(du), 2, False)
        moved = dl != 0
        return base + n_b + np.where(moved, n_a, 0) + np.where(du != 0, n_du, 0)

    def _wording(self, utility_type: str, bounded: bool, sign_u: int, sign_l: int
                 ) -> tuple[int]:
        """The length of a reflection line of one wording without its numbers (``sign_l`` 0
        and ``sign_u`` 0 with no second step: the "no comparison yet" line, for ``L < 2``)."""
        key = (utility_type, bounded, sign_u, sign_l, self.L < 2)
        n = self._wordings.get(key)
        if n is None:
            if self.L < 2:
                n = (len(paper.reflection_line((), utility_type, bounded)),)
            else:
                # two steps with labour 20 → 20 + 10·sign_l h (two digits each) and an
                # objective change of sign_u ("1.00")
                a = StepRecord(0, (), 20.0, 0.0, 0.0, 0.0, 0.0, 0.0, adjusted_utility=0.0,
                               swf=0.0)
                u = float(sign_u) * (-1.0 if utility_type == "adversarial" else 1.0)
                b = StepRecord(1, (), 20.0 + 10.0 * sign_l, 0.0, 0.0, 0.0, 0.0, u,
                               adjusted_utility=u, swf=u)
                text = paper.reflection_line((a, b), utility_type, bounded)
                numbers = 2 + (2 if sign_l else 0) + (4 if sign_u else 0)  # "10", "20", "1.00"
                n = (len(text) - numbers,)
            self._wordings[key] = n
        return n

    # -- the rule on arrays --------------------------------------------------------------------
    def _rule(self, cur: int, exploit: bool, step: int, total: int,
              call_ids: Sequence[str]) -> np.ndarray:
        """Hours per worker: :func:`~econsim.llm.surrogate.agents.decide_labour`, vectorised."""
        n = len(call_ids)
        u = uniforms(call_keys(self.seed, call_ids), 3)
        if self.L == 0:  # no history: 40 h with p = 1/2, else 30 or 50
            return np.where(u[:, 0] < 0.5, 40, np.where((u[:, 1] * 2).astype(int) == 0, 30, 50))
        lo = self.H - self.L
        lev, score = self._lev[:, lo:].T, self._score[:, lo:].T  # (L, n): step by step
        under = self._rid[:, lo:].T == cur
        use = np.where(under.any(axis=0), under, True)
        # one bin per (worker, level); the used steps in time order (rows of the (L, n) arrays)
        # and np.add.at, which adds them one at a time in that order, from 0.0: the text rule's
        # sums, bit for bit
        bins = (np.arange(n) * _LEVELS + lev)[use]
        sums = np.zeros(n * _LEVELS)
        np.add.at(sums, bins, score[use])
        sums = sums.reshape(n, _LEVELS)
        counts = np.bincount(bins, minlength=n * _LEVELS).reshape(n, _LEVELS)
        present = counts > 0
        means = np.where(present, sums / np.maximum(counts, 1), -np.inf)
        best = means.argmax(axis=1)  # first maximum: the fewest hours among ties
        if exploit:
            return best * 10
        rows = np.arange(n)
        below, above = best - 1, best + 1
        lo_ok = (below >= 0) & ~present[rows, np.maximum(below, 0)]
        hi_ok = (above < _LEVELS) & ~present[rows, np.minimum(above, _LEVELS - 1)]
        n_untried = lo_ok.astype(int) + hi_ok
        pick = (u[:, 0] * np.maximum(n_untried, 1)).astype(int)
        untried = np.where(lo_ok & (pick == 0), below, above)
        eps = 0.05 + 0.45 * max(0.0, 1.0 - step / (0.8 * total))
        anywhere = (u[:, 2] * _LEVELS).astype(int)
        # the menu levels within two of the best, in menu order
        near_all = best[:, None] + np.array([-2, -1, 1, 2])
        near_ok = (near_all >= 0) & (near_all < _LEVELS)
        k = (u[:, 2] * near_ok.sum(axis=1)).astype(int)
        first_ok = np.argsort(~near_ok, axis=1, kind="stable")  # valid ones first, in order
        near = near_all[rows, first_ok[rows, k]]
        explore = np.where(u[:, 1] < 0.2, anywhere, near)
        level = np.where(n_untried > 0, untried, np.where(u[:, 0] < eps, explore, best))
        return level * 10

    def _best(self, k: int) -> list[list[int]]:
        """Per worker, the window indices of :func:`~econsim.prompts.common.best_steps`: the
        ``k`` highest raw objectives, ties to the latest step."""
        newest_first = self._obj[:, self.H - self.L:][:, ::-1]
        # a stable sort of the newest-first objectives, highest first: ties go to the latest
        order = np.argsort(-newest_first, axis=1, kind="stable")[:, :k]
        return (self.L - 1 - order).tolist()

    # -- windows -------------------------------------------------------------------------------
    def _advance(self, batch: WorkerBatch, workers: Sequence[_Worker]) -> bool:
        """Bring the arrays to the phase's windows: one new step for every worker (the usual
        case), or rebuilt from the histories. ``False`` if they cannot hold them."""
        H, histories = batch.H, batch.histories
        n_all = len(histories[0])
        if set(map(len, histories)) != {n_all}:
            return False
        n_shown = min(n_all, H)
        newest = [h[-1] for h in histories] if n_all else []
        last = newest[0].step if n_all else None
        if n_all and any(r.step != last for r in newest):
            return False
        slide = (n_shown and self._last is not None and last == self._last + 1
                 and n_shown == min(self.L + 1, self.H) and self.H == H
                 and (batch.names is self._names_of or self._names == list(batch.names)))
        if slide:
            for arr in self._arrays():
                arr[:, :-1] = arr[:, 1:]
            if not self._ingest(batch, workers, newest, self.H - 1):
                self._names, self._names_of = [], None
                return False
            self.L, self._last = n_shown, last
            return True
        return self._rebuild(batch, workers, n_shown, last)

    def _rebuild(self, batch: WorkerBatch, workers: Sequence[_Worker], n_shown: int,
                 last: int | None) -> bool:
        n, H = len(batch), batch.H
        self.H, self.L = H, n_shown
        self._lev = np.zeros((n, H), dtype=np.int64)
        self._rid = np.full((n, H), -1, dtype=np.int64)
        self._score = np.zeros((n, H))
        self._len = np.zeros((n, H), dtype=np.int64)
        self._lab = np.zeros((n, H))
        self._obj = np.zeros((n, H))
        self._entry = np.zeros((n, H), dtype=np.int64)
        self._names, self._last, self._names_of = [], None, None
        hists = [c.window(h, H) for h in batch.histories]
        for j in range(n_shown):
            if any(h[j].step != hists[0][j].step for h in hists) or not self._ingest(
                    batch, workers, [h[j] for h in hists], H - n_shown + j):
                return False
        self._names, self._last, self._names_of = list(batch.names), last, batch.names
        return True

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return self._lev, self._rid, self._score, self._len, self._lab, self._obj, self._entry

    def _ingest(self, batch: WorkerBatch, workers: Sequence[_Worker],
                recs: Sequence[StepRecord], col: int) -> bool:
        """Write one step of every worker into column ``col``: the numbers its line shows, the
        line's length, the raw objective; ``False`` if the step does not fit the arrays."""
        r0 = recs[0]
        if any(r.rates != r0.rates or r.step != r0.step for r in recs):
            return False
        raw: dict[str, list] = {}
        for f, _, _ in paper.STEP_LINE_FIELDS:
            column = [getattr(r, f) for r in recs]
            missing = column.count(None)
            if missing == 0:
                raw[f] = column
            elif missing != len(column):  # a field shown for some workers only
                return False
        objectives = [c.objective(rec, u) for rec, u in zip(recs, batch.utility_types,
                                                            strict=True)]
        # every number of the line (and the entry's objective), one rounding per format
        fields = [(f, d, commas) for f, d, commas in paper.STEP_LINE_FIELDS if f in raw]
        fields.append(("objective", *paper.BEST_ENTRY_NUMBERS[1]))
        raw["objective"] = objectives
        values, lengths = {}, {}
        for fmt in dict.fromkeys((d, commas) for _, d, commas in fields):
            names = [f for f, d, commas in fields if (d, commas) == fmt]
            v, n = shown_and_len(np.array([raw[f] for f in names], dtype=np.float64), *fmt)
            values.update(zip(names, v, strict=True))
            lengths.update(zip(names, n, strict=True))
        labour = values["labour"]
        level = labour / 10
        if not (np.array_equal(labour, raw["labour"]) and np.all(level == np.rint(level))
                and level.min() >= 0 and level.max() < _LEVELS):
            return False
        u = values["adjusted_utility" if "adjusted_utility" in raw else "utility"]
        r = values["satisfaction"] if "satisfaction" in raw else 1.0
        swf = values["swf"] if "swf" in raw else np.zeros(len(recs))
        scores = {"ego": u - r * values["rebate"], "alt": swf, "adv": -swf}
        score = np.array([scores[w.score][i] for i, w in enumerate(workers)])
        # one line rendered and read as the text path reads it: its rates, and a check
        line0 = self.style.unit_lines(self._view0, [r0])
        obs = rd.observations_from_lines(line0, cached=False)
        if len(line0) != 1 or len(obs) != 1 or obs[0].labour != labour[0] \
                or getattr(obs[0], workers[0].score) != score[0]:
            return False
        skill = np.array([w.skill_len for w in workers], dtype=np.int64)
        line = len(line0[0]) + skill - skill[0]
        for f, _, _ in fields[:-1]:
            line += lengths[f] - lengths[f][0]
        # a best-steps entry: the first one rendered, the others from what differs
        what = np.array([len(w.what) for w in workers], dtype=np.int64)
        entry = len(paper.best_entry(r0, batch.utility_types[0], workers[0].what)) \
            + what - what[0]
        for f in ("labour", "objective"):  # paper.BEST_ENTRY_NUMBERS: the line's formats
            entry += lengths[f] - lengths[f][0]
        self._lev[:, col] = level
        self._rid[:, col] = self._rates_id(obs[0].rates)
        self._score[:, col] = score
        self._len[:, col] = line
        self._lab[:, col] = raw["labour"]
        self._obj[:, col] = objectives
        self._entry[:, col] = entry
        return True

    # -- per worker ----------------------------------------------------------------------------
    def _workers_of(self, batch: WorkerBatch) -> list[_Worker]:
        """The phase's workers, in order (the same list while the population's columns are the
        same objects); also keeps the first view (its skill renders the reference line)."""
        cols = (batch.names, batch.personas, batch.utility_types, batch.skills)
        if self._cols is None or any(a is not b for a, b in zip(cols, self._cols, strict=True)) \
                or len(self._phase_workers) != len(batch) or self.H != batch.H:
            self._phase_workers = [self._worker(batch[i]) for i in range(len(batch))]
            self._cols = cols
        self._view0 = batch[0]
        return self._phase_workers

    def _worker(self, v: WorkerView) -> _Worker:
        key = (v.name, v.persona, v.utility_type, v.skill, v.H)
        w = self._workers.get(key)
        if w is None:
            system = self.style.worker_frame(v)[0]  # once per worker
            regular = (rd._STEP.search(system) is None
                       and not agents.exploit_of(system)
                       and not any(m in system for m in _MARKERS))
            bounded = v.persona is not None
            w = self._workers[key] = _Worker(
                agents._SCORE[agents.goal_of(system)], regular, len(system),
                len(f"{v.skill:,.2f}"), c.objective_name(v.utility_type, bounded), bounded)
        return w

    def _rates_id(self, rates: tuple[float, ...]) -> int:
        rid = self._rates.get(rates)
        if rid is None:
            rid = self._rates[rates] = len(self._rates)
        return rid

    def _reply(self, hours: int) -> str:
        text = self._replies.get(hours)
        if text is None:
            text = self._replies[hours] = f'{{"LABOR": {hours}}}'
        return text
