"""Lean census-calibrated populations: a few bytes per agent, sampled in chunks.

Every random quantity of agent ``i`` is a counter-based hash of ``(seed, stream, i)``
(:func:`uniforms_range`), so agent ``i`` is the same whatever the chunk size, the number of shards
or the machine that samples it, and any single agent can be re-created on demand. An agent keeps
two numbers in memory:

* ``skill`` (``float32``, 4 bytes): :math:`s = Q_{GB2}(p)/40` with :math:`p` the agent's income
  percentile (the paper's GB2 prior, :mod:`econsim.economy.skills`), computed from a tabulated
  :math:`\\log Q` on a uniform grid in :math:`\\operatorname{logit} p` (relative error < 1e-6,
  tested against scipy);
* ``cell`` (``uint16``, 2 bytes): ``attitude * SKILL_BINS + floor(p * SKILL_BINS)``, the tax
  attitude drawn from :func:`econsim.population.attitudes.tax_attitude_probs` at ``p`` (the same
  law as :meth:`econsim.population.Population.sample`) and the skill-percentile bin. The cluster
  of an agent is a table lookup of its cell (:class:`LeanClusters`).

The census demographics (occupation group × sex × age band in proportion to the CPS 2023 table,
age, risk tolerance, household) are defined for every agent by the same counter streams but only
materialised where they are read: the cluster representatives' personas
(:func:`demographics_of`). With the paper's ``gb2`` skills they do not change skill, so the hot
arrays need not hold them.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from econsim.economy.skills import ACS_2023_GB2, HOURS_AT_REFERENCE, UNIFORM_SKILL_RANGE
from econsim.population.attitudes import (
    ATTITUDE_FIELDS,
    HOUSEHOLD_PROBS,
    TAX_ATTITUDES,
    risk_probs,
)
from econsim.population.census import AGE_BANDS, AGE_RANGES, OCCUPATIONS, SEXES, load_census_table
from econsim.population.personas import write_persona
from econsim.scale.surrogate_vec import _GOLDEN, _mix_scalar

Array = NDArray[np.float64]
#: Skill-percentile bins of the cluster cells (cells = attitudes × bins).
SKILL_BINS = 1000
#: Bytes every agent keeps: skill (float32) + cell (uint16).
BYTES_PER_AGENT = 6
#: Default agents per chunk (and per Dask shard).
DEFAULT_CHUNK = 1 << 20
# Counter-stream ids of the population (steps use small non-negative step numbers, so the
# population lives at a step number no run reaches).
_POP_STEP = (1 << 62) + 17
_S_SKILL, _S_ATT, _S_CELL, _S_AGE, _S_RISK, _S_HOUSE, _S_VARIANT, _S_TYPE = range(8)
_GRID = 16385
_LOGIT_MAX = 21.0


def uniforms_range(seed: int, step: int, stream: int, start: int, stop: int) -> Array:
    """Uniform [0, 1) draws of agents ``start..stop-1`` from a counter-based hash (splitmix64).

    Equal to :func:`econsim.scale.surrogate_vec.agent_uniforms` restricted to the range: draw
    ``i`` depends only on ``(seed, step, stream, i)``.
    """
    z = np.arange(start, stop, dtype=np.uint64)
    z *= np.uint64(_GOLDEN)
    z += np.uint64(_mix_scalar(seed, step, stream))
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    z >>= np.uint64(11)
    out = z.astype(np.float64)
    out *= 1.0 / (1 << 53)
    return out


@lru_cache(maxsize=1)
def _quantile_table() -> tuple[float, float, Array, Array]:
    x = np.linspace(-_LOGIT_MAX, _LOGIT_MAX, _GRID)
    p = 1.0 / (1.0 + np.exp(-x))
    q = ACS_2023_GB2.quantile(p) / HOURS_AT_REFERENCE
    return float(x[0]), float(x[1] - x[0]), q, np.append(np.diff(q), 0.0)


def gb2_skill_from_percentile(p: Array) -> Array:
    """Skill :math:`Q_{GB2}(p)/40` by linear interpolation on a uniform grid in logit space.

    Percentiles beyond logit ±21 (p < 7.6e-10 or > 1 − 7.6e-10) are clamped to the grid's ends.
    """
    x0, dx, q, dq = _quantile_table()
    x = 1.0 - p
    np.divide(p, x, out=x)
    np.log(x, out=x)
    x -= x0
    x *= 1.0 / dx
    np.clip(x, 0.0, _GRID - 1.000001, out=x)
    i = x.astype(np.intp)
    x -= i
    x *= dq[i]
    x += q[i]
    return x


def _percentiles(seed: int, start: int, stop: int) -> Array:
    u = uniforms_range(seed, _POP_STEP, _S_SKILL, start, stop)
    # keep p inside (0, 1): u = 0 occurs with probability 2^-53
    return np.clip(u, 0.5 / (1 << 53), 1.0 - 2.0 ** -53)


def sample_chunk(seed: int, start: int, stop: int, skills: str = "gb2"
                 ) -> tuple[NDArray[np.float32], NDArray[np.uint16]]:
    """Skills (float32) and cluster cells (uint16) of agents ``start..stop-1``."""
    p = _percentiles(seed, start, stop)
    if skills == "gb2":
        skill = gb2_skill_from_percentile(p).astype(np.float32)
    else:
        lo, hi = UNIFORM_SKILL_RANGE
        skill = (lo + p * (hi - lo)).astype(np.float32)
    u = uniforms_range(seed, _POP_STEP, _S_ATT, start, stop)
    pro = 0.35 + 0.15 * (0.5 - p)  # tax_attitude_probs, inlined to avoid an (n, 3) array
    att = (u >= pro).astype(np.uint16)
    att += u >= pro + 0.35
    cell = np.minimum((p * SKILL_BINS).astype(np.uint16), SKILL_BINS - 1)
    cell += att * np.uint16(SKILL_BINS)
    return skill, cell


def cell_counts(cell: NDArray[np.uint16]) -> NDArray[np.int64]:
    """Agents per cluster cell (length ``3 * SKILL_BINS``)."""
    return np.bincount(cell, minlength=len(TAX_ATTITUDES) * SKILL_BINS).astype(np.int64)


def _categorical_draw(probs: Array, u: Array) -> NDArray[np.int64]:
    cdf = np.cumsum(probs, axis=1)
    return np.minimum((u[:, None] >= cdf).sum(axis=1), probs.shape[1] - 1)


def demographics_of(seed: int, agents: NDArray[np.int64], skills: str = "gb2") -> pd.DataFrame:
    """Every census field of the given agents, re-created from their counter streams.

    Columns as :meth:`econsim.population.Population.sample` (``occupation``, ``sex``,
    ``age_band``, ``age``, ``skill``, ``income_percentile``, ``tax_attitude``,
    ``risk_tolerance``, ``household``, ``persona_variant``).
    """
    rows = []
    table = load_census_table()
    cdf = np.cumsum(table.probabilities().ravel())
    cdf[-1] = 1.0
    n_sex, n_age = len(SEXES), len(AGE_BANDS)
    for i in np.asarray(agents, dtype=np.int64).tolist():
        def u(stream: int, i: int = i) -> float:
            return float(uniforms_range(seed, _POP_STEP, stream, i, i + 1)[0])

        skill, cell = sample_chunk(seed, i, i + 1, skills)
        p = float(_percentiles(seed, i, i + 1)[0])
        c = int(min(np.searchsorted(cdf, u(_S_CELL), side="right"), cdf.size - 1))
        band = c % n_age
        lo, hi = AGE_RANGES[AGE_BANDS[band]]
        age = lo + min(int(u(_S_AGE) * (hi - lo + 1)), hi - lo)
        risk = _categorical_draw(risk_probs(np.array([age])), np.array([u(_S_RISK)]))[0]
        house = _categorical_draw(HOUSEHOLD_PROBS[[band]], np.array([u(_S_HOUSE)]))[0]
        rows.append({
            "agent": i, "occupation": OCCUPATIONS[c // (n_sex * n_age)],
            "sex": SEXES[(c // n_age) % n_sex], "age_band": AGE_BANDS[band], "age": age,
            "skill": float(skill[0]), "income_percentile": p,
            "tax_attitude": TAX_ATTITUDES[int(cell[0]) // SKILL_BINS],
            "risk_tolerance": ATTITUDE_FIELDS["risk_tolerance"][risk],
            "household": ATTITUDE_FIELDS["household"][house],
            "persona_variant": int(u(_S_VARIANT) * 2**31)})
    return pd.DataFrame(rows)


def personas_of(demo: pd.DataFrame) -> list[str]:
    """Offline persona texts of :func:`demographics_of` rows."""
    return [write_persona(age=r.age, sex=r.sex, occupation=r.occupation,
                          income=r.skill * HOURS_AT_REFERENCE, percentile=r.income_percentile,
                          tax_attitude=r.tax_attitude, risk_tolerance=r.risk_tolerance,
                          household=r.household, variant=r.persona_variant)
            for r in demo.itertuples()]


def utility_types_of(seed: int, agents: NDArray[np.int64], mix: dict[str, float],
                     types: tuple[str, ...]) -> list[str]:
    """Each agent's utility type, drawn from its counter stream in the ``mix`` percentages."""
    shares = np.cumsum([float(mix.get(t, 0.0)) for t in types]) / 100.0
    out = []
    for i in np.asarray(agents, dtype=np.int64).tolist():
        u = float(uniforms_range(seed, _POP_STEP, _S_TYPE, i, i + 1)[0])
        out.append(types[int(min(np.searchsorted(shares, u, side="right"), len(types) - 1))])
    return out


@dataclass(frozen=True, eq=False)
class LeanClusters:
    """K clusters as ranges of skill-percentile bins within a tax attitude.

    Starting groups are the 30 cells (tax attitude × skill-percentile decile, with agents); while
    there are fewer than K groups the most populous (ties: the first) splittable group is split at
    the bin boundary nearest its median agent. Labels are ordered by (attitude, first bin). The
    representative of a group is the lowest-index agent of the bin holding its median agent.

    Attributes
    ----------
    lut
        Cluster of every cell (``uint16``, length ``3 * SKILL_BINS``).
    sizes
        Agents per cluster.
    median_cells
        The cell holding each cluster's median agent (where its representative is found).
    """

    lut: NDArray[np.uint16]
    sizes: NDArray[np.int64]
    median_cells: NDArray[np.int64]

    @property
    def k(self) -> int:
        return int(self.sizes.size)

    @classmethod
    def build(cls, counts: NDArray[np.int64], k: int) -> LeanClusters:
        """Group cells with ``counts`` agents into ``k`` clusters."""
        groups: list[tuple[int, int, int]] = []  # (attitude, first bin, stop bin)
        per = counts.reshape(len(TAX_ATTITUDES), SKILL_BINS)
        for a in range(per.shape[0]):
            for d in range(10):
                lo, hi = d * SKILL_BINS // 10, (d + 1) * SKILL_BINS // 10
                if per[a, lo:hi].sum() > 0:
                    groups.append((a, lo, hi))
        max_k = int((counts > 0).sum())
        if not 1 <= k <= max_k:
            raise ValueError(f"n_clusters must be in [1, {max_k}] for this lean population "
                             f"(non-empty cells of tax attitude x skill percentile); got {k}")
        if k < len(groups):  # fewer clusters than starting cells: merge deciles into k runs
            groups = _merge(groups, per, k)
        heap = [(-int(per[a, lo:hi].sum()), a, lo, hi) for a, lo, hi in groups]
        heapq.heapify(heap)
        done: list[tuple[int, int, int]] = []
        while len(heap) + len(done) < k:
            _, a, lo, hi = heapq.heappop(heap)
            cut = _median_bin(per[a, lo:hi])
            left = lo + max(1, cut if per[a, lo:lo + cut].sum() > 0 else cut + 1)
            if hi - lo < 2 or per[a, lo:left].sum() == 0 or per[a, left:hi].sum() == 0:
                done.append((a, lo, hi))
                continue
            for g in ((a, lo, left), (a, left, hi)):
                heapq.heappush(heap, (-int(per[g[0], g[1]:g[2]].sum()), *g))
        final = sorted(done + [(a, lo, hi) for _, a, lo, hi in heap])
        lut = np.zeros(counts.size, dtype=np.uint16)
        sizes = np.zeros(len(final), dtype=np.int64)
        medians = np.zeros(len(final), dtype=np.int64)
        for j, (a, lo, hi) in enumerate(final):
            lut[a * SKILL_BINS + lo:a * SKILL_BINS + hi] = j
            sizes[j] = per[a, lo:hi].sum()
            medians[j] = a * SKILL_BINS + lo + _median_bin(per[a, lo:hi])
        return cls(lut, sizes, medians)


def _median_bin(c: NDArray[np.int64]) -> int:
    """Offset of the bin holding the median agent of counts ``c``."""
    cum = np.cumsum(c)
    return int(np.searchsorted(cum, (cum[-1] + 1) // 2))


def _merge(groups: list[tuple[int, int, int]], per: NDArray[np.int64], k: int
           ) -> list[tuple[int, int, int]]:
    """Fewer than 30 clusters: within each attitude, join adjacent deciles (largest first)."""
    while len(groups) > k:
        best = None
        for j in range(len(groups) - 1):
            (a, lo, hi), (b, lo2, hi2) = groups[j], groups[j + 1]
            if a == b and hi == lo2:
                size = per[a, lo:hi2].sum()
                if best is None or size < best[0]:
                    best = (size, j)
        if best is None:  # one group per attitude left: join attitudes is not possible
            raise ValueError(f"n_clusters must be >= {len(groups)} for a lean population "
                             "(one cluster per tax attitude at least)")
        j = best[1]
        a, lo, _ = groups[j]
        groups[j:j + 2] = [(a, lo, groups[j + 1][2])]
    return groups
