"""Group N agents into K clusters for batching LLM calls at large N.

Algorithm (deterministic, O(N log N)):

1. Order agents lexicographically by the features in priority order
   skill decile → tax attitude → occupation group (ranked by OEWS median wage) → age band →
   risk tolerance → skill. Every cell of any prefix of these features is then a contiguous run.
2. Take the longest prefix whose number of non-empty cells is at most K; its cells are the
   starting groups (with no prefix, the whole population is one group).
3. While there are fewer than K groups, split the largest group (ties: the earliest) at its
   middle position. Because the run is sorted by the remaining features, the split separates
   them in priority order (e.g. high- from low-wage occupations, then age bands, then skill).

Each cluster is reported with its size, representative agent (the member with the median
skill), majority values of the categorical features, and within-cluster dispersion (skill
coefficient of variation, share of the majority attitude, ...).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from econsim.validation import check_positive_int

#: Categorical features reported per cluster.
REPORTED = ("occupation", "age_band", "sex", "tax_attitude", "risk_tolerance", "household")


@dataclass(frozen=True, eq=False)
class ClusterGrouping:
    """Result of :func:`group_into_clusters`.

    Attributes
    ----------
    labels
        Cluster index (0..K-1) of every agent, in the population's order.
    representatives
        Row position of each cluster's representative agent (median skill in the group).
    summary
        One row per cluster: size, share, skill median/mean/CV, modal categorical values and
        their shares, the prefix level used, representative row.
    level
        Feature prefix used for the starting cells (names).
    """

    labels: NDArray[np.int64]
    representatives: NDArray[np.int64]
    summary: pd.DataFrame
    level: tuple[str, ...]

    @property
    def k(self) -> int:
        return int(self.representatives.size)


def _codes(col: pd.Series) -> NDArray[np.int64]:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(np.int64)
    return pd.factorize(col, sort=True)[0].astype(np.int64)


def skill_deciles(skill: NDArray[np.float64]) -> NDArray[np.int64]:
    """Decile (0..9) of each skill within the population (rank-based, ties by position)."""
    n = skill.size
    ranks = np.empty(n, dtype=np.int64)
    ranks[np.argsort(skill, kind="stable")] = np.arange(n)
    return (ranks * 10 // n).astype(np.int64)


def group_into_clusters(agents: pd.DataFrame, k: int,
                          occupation_rank: NDArray[np.int64] | None = None
                          ) -> ClusterGrouping:
    """Partition ``agents`` into ``k`` clusters (see module docstring).

    Parameters
    ----------
    agents
        Frame with columns ``skill``, ``occupation``, ``age_band``, ``tax_attitude``,
        ``risk_tolerance`` (categoricals or labels).
    k
        Number of clusters, 1 <= k <= len(agents).
    occupation_rank
        Optional rank of each occupation category code (e.g. by median wage); default: code order.
    """
    need = ["skill", "occupation", "age_band", "tax_attitude", "risk_tolerance"]
    missing = [c for c in need if c not in agents.columns]
    if missing:
        raise ValueError(f"agents frame lacks column(s) {missing} needed for clusters")
    n = len(agents)
    if n == 0:
        raise ValueError("cannot group an empty population")
    k = check_positive_int(k, "k")
    if k > n:
        raise ValueError(f"k = {k} clusters exceeds the population size N = {n}; need k <= N")
    skill = agents["skill"].to_numpy(float)
    occ = _codes(agents["occupation"])
    if occupation_rank is not None:
        occ = np.asarray(occupation_rank)[occ]
    features = {
        "skill_decile": skill_deciles(skill),
        "tax_attitude": _codes(agents["tax_attitude"]),
        "occupation": occ,
        "age_band": _codes(agents["age_band"]),
        "risk_tolerance": _codes(agents["risk_tolerance"]),
    }
    names = list(features)
    order = np.lexsort([skill, *[features[f] for f in reversed(names)]])
    sorted_feats = np.column_stack([features[f][order] for f in names])
    # boundaries of prefix cells: a new cell starts where any prefix feature changes
    level, starts = 0, np.array([0])
    changed = np.zeros(n - 1, dtype=bool)
    for depth in range(1, len(names) + 1):
        changed |= sorted_feats[1:, depth - 1] != sorted_feats[:-1, depth - 1]
        cand = np.concatenate([[0], np.flatnonzero(changed) + 1])
        if cand.size > k:
            break
        level, starts = depth, cand
    ends = np.append(starts[1:], n)
    heap = [(-(e - s), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]
    heapq.heapify(heap)
    while len(heap) < k:
        neg, s, e = heapq.heappop(heap)
        mid = s + (e - s) // 2
        heapq.heappush(heap, (-(mid - s), s, mid))
        heapq.heappush(heap, (-(e - mid), mid, e))
    segments = sorted((s, e) for _, s, e in heap)
    seg_of_sorted = np.repeat(np.arange(k), [e - s for s, e in segments])
    labels = np.empty(n, dtype=np.int64)
    labels[order] = seg_of_sorted
    summary, reps = _summarise(agents, labels, k)
    return ClusterGrouping(labels, reps, summary, tuple(names[:level]))


def _summarise(agents: pd.DataFrame, labels: NDArray[np.int64], k: int
               ) -> tuple[pd.DataFrame, NDArray[np.int64]]:
    skill = agents["skill"].to_numpy(float)
    size = np.bincount(labels, minlength=k)
    mean = np.bincount(labels, weights=skill, minlength=k) / size
    var = np.bincount(labels, weights=skill**2, minlength=k) / size - mean**2
    cv = np.sqrt(np.maximum(var, 0.0)) / mean
    # representative: median-skill member (order by label, then skill)
    by = np.lexsort([skill, labels])
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    reps = by[first + (size - 1) // 2]
    out = pd.DataFrame({"cluster": np.arange(k), "size": size, "share": size / labels.size,
                        "skill_median": skill[reps], "skill_mean": mean, "skill_cv": cv,
                        "representative_row": reps})
    for col in REPORTED:
        if col not in agents.columns:
            continue
        series = agents[col]
        codes = _codes(series)
        cats = (list(series.cat.categories) if isinstance(series.dtype, pd.CategoricalDtype)
                else list(pd.factorize(series, sort=True)[1]))
        m = len(cats)
        counts = np.bincount(labels * m + codes, minlength=k * m).reshape(k, m)
        mode = counts.argmax(axis=1)
        out[f"{col}_majority"] = np.asarray(cats, dtype=object)[mode]
        out[f"{col}_majority_share"] = counts.max(axis=1) / size
    return out, reps.astype(np.int64)
