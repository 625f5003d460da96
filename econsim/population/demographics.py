"""Sample (occupation, sex, age) in proportion to the census table.

Each agent's cell (occupation group, sex, age band) is drawn with probability proportional to the
employed-persons count of that cell; the age is then a uniform integer within the band
(:data:`econsim.population.census.AGE_RANGES`; 65+ is capped at 75).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econsim.population.census import AGE_BANDS, AGE_RANGES, SEXES, CensusTable
from econsim.validation import check_positive_int


@dataclass(frozen=True)
class Demographics:
    """Integer codes into :data:`OCCUPATIONS`, :data:`SEXES`, :data:`AGE_BANDS`, plus ages."""

    occupation: NDArray[np.int16]
    sex: NDArray[np.int8]
    age_band: NDArray[np.int8]
    age: NDArray[np.int16]


def sample_demographics(n: int, rng: np.random.Generator, table: CensusTable) -> Demographics:
    """Draw ``n`` agents' demographic cells and ages.

    Parameters
    ----------
    n
        Number of agents (>= 1).
    rng
        Seeded generator; the same generator state gives the same agents.
    table
        Census table whose cell counts are the sampling weights.

    Notes
    -----
    Cells are drawn by inverse-CDF lookup on the flattened cell probabilities
    (``searchsorted`` of uniforms), O(n log C) for C = 308 cells.
    """
    n = check_positive_int(n, "n")
    p = table.probabilities().ravel()
    cdf = np.cumsum(p)
    cdf[-1] = 1.0
    cell = np.searchsorted(cdf, rng.random(n), side="right")
    cell = np.minimum(cell, p.size - 1)
    n_sex, n_age = len(SEXES), len(AGE_BANDS)
    occupation = (cell // (n_sex * n_age)).astype(np.int16)
    sex = ((cell // n_age) % n_sex).astype(np.int8)
    band = (cell % n_age).astype(np.int8)
    lo = np.array([AGE_RANGES[b][0] for b in AGE_BANDS])
    hi = np.array([AGE_RANGES[b][1] for b in AGE_BANDS])
    age = rng.integers(lo[band], hi[band] + 1).astype(np.int16)
    return Demographics(occupation, sex, band, age)


def age_band_of(age: NDArray[np.integer] | int) -> NDArray[np.int8]:
    """Age-band code of integer ages (raises for ages outside 16–75)."""
    a = np.asarray(age)
    lo = np.array([AGE_RANGES[b][0] for b in AGE_BANDS])
    top = AGE_RANGES[AGE_BANDS[-1]][1]
    if a.size and ((a < lo[0]).any() or (a > top).any()):
        raise ValueError(f"ages must be in [{lo[0]}, {top}]; got {a.min()}..{a.max()}")
    return (np.searchsorted(lo, a, side="right") - 1).astype(np.int8)
