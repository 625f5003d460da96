"""The offline surrogate's worker rule as array operations over a whole population.

:func:`econsim.llm.surrogate.agents.labour` reads one worker's prompt and applies optimistic
hill-climbing with decaying exploration to the observations it shows. This module applies the same
rule to N workers at once, from per-agent statistics instead of prompt text:

* the last ``H`` observations of every worker (labour level, score) are kept in a ring buffer —
  exactly the window a prompt shows;
* running sums and counts per (worker, labour level) over that window, for all observations and
  for those made under the rates now in force ("observations under the current rates if any,
  else all shown");
* the choice rule: no history → 40 h with p = 1/2, else 30 or 50 h; "choose the best" step (last
  step of a tax year, last 10 % of the episode) → the level with the best mean score (ties → fewer
  hours); otherwise an untried neighbour (±10 h) of the best, then with probability
  ``eps = 0.05 + 0.45·max(0, 1 − t/(0.8·T))`` (t 1-based) a random level within ±20 h of the best
  (one in five explorations anywhere on the menu), else the best;
* scores: egotistical ``r·u − r·rebate`` (``u − rebate`` without satisfaction), altruistic the
  step's objective (SWF), adversarial minus it;
* satisfaction (bounded scenario): P(YES) = σ(0.3 + 1.5·a + 3·(rebate − tax)/max(z, 1000)) with
  ``a`` the agent's tax attitude (+1 pro-redistribution, 0 pragmatic, −1 anti-tax), r = 1 or 0.5.

What differs from the text-reading surrogate: its random draws come from a counter-based hash of
(seed, step, stream, agent) rather than ``blake2b(seed:call_id)``, and it scores exact floats where
a prompt shows rounded numbers. The two are therefore the same rule with different random streams:
statistically equivalent, not draw-for-draw identical (tested in ``tests/test_scale.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from econsim.prompts import UTILITY_TYPES

Array = NDArray[np.float64]
MENU = np.arange(0.0, 101.0, 10.0)
N_LEVELS = MENU.size
#: Offsets (menu steps) of the "near the best" exploration, in menu order.
NEAR = np.array([-2, -1, 1, 2])

_GOLDEN = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1


def _mix_scalar(*values: int) -> int:
    """splitmix64 of a tuple of integers (a Python-int key for :func:`agent_uniforms`)."""
    z = 0
    for v in values:
        z = (z + (int(v) & _MASK) + _GOLDEN) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        z ^= z >> 31
    return z


def agent_uniforms(seed: int, step: int, stream: int, n: int) -> Array:
    """Uniform [0, 1) draws, one per agent, from a counter-based hash (splitmix64).

    Draw ``i`` depends only on ``(seed, step, stream, i)``: every agent has its own stream, the
    draws need no state (nothing to checkpoint) and an agent's draws do not depend on N.
    """
    z = np.arange(n, dtype=np.uint64) * np.uint64(_GOLDEN) + np.uint64(_mix_scalar(seed, step,
                                                                                   stream))
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def rates_key(rates: Array) -> tuple[float, ...]:
    """Rates as a prompt shows them (percent, 0.1 pp): the "same rates" comparison key."""
    return tuple(round(float(r) * 100.0, 1) for r in rates)


@dataclass
class VectorSurrogateWorkers:
    """Per-agent learning statistics of N surrogate workers (see the module docstring).

    Parameters
    ----------
    types
        Utility type code per agent (index into :data:`~econsim.prompts.UTILITY_TYPES`).
    attitude
        Tax attitude per agent in {−1, 0, 1} (used in the bounded scenario).
    H, K, n_steps, seed, bounded
        History window, tax-year length, episode length, seed, whether satisfaction is asked.
    """

    types: NDArray[np.int8]
    attitude: NDArray[np.float32]
    H: int
    K: int
    n_steps: int
    seed: int
    bounded: bool
    ring_lab: NDArray[np.int8] = field(init=False)
    ring_score: NDArray[np.float32] = field(init=False)
    ring_rates: list[tuple[float, ...] | None] = field(init=False)
    all_sum: Array = field(init=False)
    all_cnt: NDArray[np.int32] = field(init=False)
    same_sum: Array = field(init=False)
    same_cnt: NDArray[np.int32] = field(init=False)
    same_rates: tuple[float, ...] | None = None
    filled: int = 0

    def __post_init__(self) -> None:
        n = self.types.size
        self.ring_lab = np.zeros((self.H, n), dtype=np.int8)
        self.ring_score = np.zeros((self.H, n), dtype=np.float32)
        self.ring_rates = [None] * self.H
        self.all_sum = np.zeros((n, N_LEVELS))
        self.all_cnt = np.zeros((n, N_LEVELS), dtype=np.int32)
        self.same_sum = np.zeros((n, N_LEVELS))
        self.same_cnt = np.zeros((n, N_LEVELS), dtype=np.int32)

    @classmethod
    def build(cls, utility_types: list[str] | NDArray, attitude: Array, *, H: int, K: int,
              n_steps: int, seed: int, bounded: bool) -> VectorSurrogateWorkers:
        codes = {name: i for i, name in enumerate(UTILITY_TYPES)}
        types = np.array([codes[t] for t in utility_types], dtype=np.int8) \
            if not isinstance(utility_types, np.ndarray) else utility_types.astype(np.int8)
        return cls(types, np.asarray(attitude, dtype=np.float32), H, K, n_steps, seed, bounded)

    @property
    def n(self) -> int:
        return int(self.types.size)

    # -- choosing ---------------------------------------------------------------------------------
    def choose(self, t: int, rates: Array) -> NDArray[np.int64]:
        """Menu index (0..10) chosen by every agent at step ``t`` under ``rates``."""
        n = self.n
        u = [agent_uniforms(self.seed, t, s, n) for s in range(3)]
        if self.filled == 0:
            other = np.where(u[1] < 0.5, 3, 5)
            return np.where(u[0] < 0.5, 4, other).astype(np.int64)
        self._sync_same(rates_key(rates))
        has_same = self.same_cnt.any(axis=1)
        if has_same.all():
            cnt, sums = self.same_cnt, self.same_sum
        else:
            cnt = np.where(has_same[:, None], self.same_cnt, self.all_cnt)
            sums = np.where(has_same[:, None], self.same_sum, self.all_sum)
        tried = cnt > 0
        mean = np.where(tried, sums / np.maximum(cnt, 1), -np.inf)
        best = np.argmax(mean, axis=1)  # first maximum: ties go to fewer hours
        if t % self.K == self.K - 1 or t >= 0.9 * self.n_steps:
            return best
        rows = np.arange(n)
        lo, hi = best - 1, best + 1
        lo_new = (lo >= 0) & ~tried[rows, np.clip(lo, 0, N_LEVELS - 1)]
        hi_new = (hi < N_LEVELS) & ~tried[rows, np.clip(hi, 0, N_LEVELS - 1)]
        untried = np.where(lo_new & hi_new, np.where(u[0] < 0.5, lo, hi),
                           np.where(lo_new, lo, hi))
        eps = 0.05 + 0.45 * max(0.0, 1.0 - (t + 1) / (0.8 * self.n_steps))
        near_ok = (best[:, None] + NEAR >= 0) & (best[:, None] + NEAR < N_LEVELS)
        k = np.floor(u[2] * near_ok.sum(axis=1)).astype(np.int64)
        pick = np.argmax(np.cumsum(near_ok, axis=1) > k[:, None], axis=1)
        near = best + NEAR[pick]
        anywhere = np.minimum(np.floor(u[2] * N_LEVELS).astype(np.int64), N_LEVELS - 1)
        explore = np.where(u[1] < 0.2, anywhere, near)
        choice = np.where(u[0] < eps, explore, best)
        return np.where(lo_new | hi_new, untried, choice)

    # -- learning ---------------------------------------------------------------------------------
    def satisfaction(self, t: int, income: Array, tax: Array, rebate: float) -> Array:
        """r per agent: 1.0 (YES) or 0.5 (NO); all 1.0 outside the bounded scenario."""
        if not self.bounded:
            return np.ones(self.n)
        x = 0.3 + 1.5 * self.attitude + 3.0 * (rebate - tax) / np.maximum(income, 1000.0)
        p = 1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))
        return np.where(agent_uniforms(self.seed, t, 3, self.n) < p, 1.0, 0.5)

    def scores(self, utility: Array, rebate: float, satisfaction: Array,
               objective: float) -> Array:
        """What each agent's rule maximises, for one step's outcome."""
        ego = satisfaction * utility - satisfaction * rebate if self.bounded \
            else utility - rebate
        return np.select([self.types == 1, self.types == 2], [objective, -objective], ego)

    def observe(self, t: int, menu_index: NDArray[np.integer], score: Array,
                rates: Array) -> None:
        """Add step ``t``'s observations (taken under ``rates``) to the window."""
        key = rates_key(rates)
        self._sync_same(key)
        slot = t % self.H
        rows = np.arange(self.n) * N_LEVELS
        if self.filled == self.H:
            old = rows + self.ring_lab[slot]
            old_score = self.ring_score[slot].astype(np.float64)
            self.all_sum.reshape(-1)[old] -= old_score
            self.all_cnt.reshape(-1)[old] -= 1
            if self.ring_rates[slot] == key:
                self.same_sum.reshape(-1)[old] -= old_score
                self.same_cnt.reshape(-1)[old] -= 1
        lab = np.asarray(menu_index, dtype=np.int8)
        s32 = score.astype(np.float32)
        self.ring_lab[slot], self.ring_score[slot], self.ring_rates[slot] = lab, s32, key
        new = rows + lab
        s64 = s32.astype(np.float64)  # the window keeps float32; add exactly what is removed
        for sums, cnt in ((self.all_sum, self.all_cnt), (self.same_sum, self.same_cnt)):
            sums.reshape(-1)[new] += s64
            cnt.reshape(-1)[new] += 1
        self.filled = min(self.filled + 1, self.H)

    def _sync_same(self, key: tuple[float, ...]) -> None:
        """Rebuild the "under the current rates" statistics when the rates change."""
        if key == self.same_rates:
            return
        self.same_sum.fill(0.0)
        self.same_cnt.fill(0)
        rows = np.arange(self.n) * N_LEVELS
        for slot, rk in enumerate(self.ring_rates):
            if rk == key:
                idx = rows + self.ring_lab[slot]
                self.same_sum.reshape(-1)[idx] += self.ring_score[slot].astype(np.float64)
                self.same_cnt.reshape(-1)[idx] += 1
        self.same_rates = key

    def nbytes(self) -> int:
        """Bytes held by the statistics arrays."""
        return sum(a.nbytes for a in (self.types, self.attitude, self.ring_lab, self.ring_score,
                                      self.all_sum, self.all_cnt, self.same_sum, self.same_cnt))


def bytes_per_agent(H: int) -> int:
    """Memory of :class:`VectorSurrogateWorkers` per agent (for the memory guard)."""
    return 1 + 4 + H * (1 + 4) + 2 * N_LEVELS * (8 + 4)
