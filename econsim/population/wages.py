r"""Occupation-conditional wage distributions from the OEWS May 2023 percentiles.

For occupation :math:`o` BLS publishes annual-wage percentiles :math:`q_{o,k}` at
:math:`p_k \in \{0.10, 0.25, 0.50, 0.75, 0.90\}`. We interpolate :math:`\ln w` piecewise-linearly
in the normal score :math:`z = \Phi^{-1}(p)` through the knots :math:`(z_k, \ln q_{o,k})` and
extrapolate the two end segments linearly into the tails:

.. math:: \ln Q_o(p) = \ln q_{o,k} + \frac{\ln q_{o,k+1} - \ln q_{o,k}}{z_{k+1} - z_k}
          \,(\Phi^{-1}(p) - z_k)

A log-normal wage distribution is the special case where the knots are collinear. Legal
occupations' p90 is top-coded by BLS (≥ $239,200); it is imputed by extending the p50–p75 segment
and taking at least the top-code.

The population wage distribution is the mixture :math:`F(w) = \sum_o \pi_o F_o(w)` with the census
occupation shares :math:`\pi_o`.

References
----------
BLS, Occupational Employment and Wage Statistics, May 2023 national estimates,
https://www.bls.gov/oes/2023/may/oes_nat.htm.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from econsim.population.census import DATA_DIR, OCCUPATIONS, WAGES_FILE, check_labels

PERCENTILES = np.array([0.10, 0.25, 0.50, 0.75, 0.90])
_PCOLS = ("p10", "p25", "p50", "p75", "p90")
#: Normal scores of the published percentiles.
Z_KNOTS = np.sqrt(2.0) * special.erfinv(2.0 * PERCENTILES - 1.0)


def norm_cdf(z: ArrayLike) -> NDArray[np.float64]:
    return 0.5 * special.erfc(-np.asarray(z, dtype=float) / np.sqrt(2.0))


@dataclass(frozen=True, eq=False)
class OccupationWages:
    """Per-occupation log-wage knots (shape ``(len(OCCUPATIONS), 5)``), annual USD."""

    log_knots: NDArray[np.float64]
    imputed: NDArray[np.bool_]

    def __post_init__(self) -> None:
        k = np.asarray(self.log_knots, dtype=float)
        if k.shape != (len(OCCUPATIONS), PERCENTILES.size):
            raise ValueError(f"wage knots must have shape {(len(OCCUPATIONS), PERCENTILES.size)}")
        if not np.isfinite(k).all() or not (np.diff(k, axis=1) > 0).all():
            raise ValueError("wage percentiles must be finite and strictly increasing per occupation")

    @property
    def medians(self) -> NDArray[np.float64]:
        return np.exp(self.log_knots[:, 2])

    def _slopes(self) -> NDArray[np.float64]:
        return np.diff(self.log_knots, axis=1) / np.diff(Z_KNOTS)

    def log_wage_at_z(self, occupation: NDArray[np.integer], z: ArrayLike) -> NDArray[np.float64]:
        """:math:`\\ln Q_o(\\Phi(z))` for each agent's occupation code and normal score ``z``."""
        occ = np.asarray(occupation, dtype=np.intp)
        zz = np.asarray(z, dtype=float)
        seg = np.clip(np.searchsorted(Z_KNOTS, zz, side="right") - 1, 0, Z_KNOTS.size - 2)
        slope = self._slopes()[occ, seg]
        return self.log_knots[occ, seg] + slope * (zz - Z_KNOTS[seg])

    def quantile(self, occupation: NDArray[np.integer], p: ArrayLike) -> NDArray[np.float64]:
        """Annual wage quantile :math:`Q_o(p)`."""
        pp = np.asarray(p, dtype=float)
        if pp.size and not ((pp > 0) & (pp < 1)).all():
            raise ValueError("p must be probabilities in the open interval (0, 1)")
        z = np.sqrt(2.0) * special.erfinv(2.0 * pp - 1.0)
        return np.exp(self.log_wage_at_z(occupation, z))

    def cdf_matrix(self, log_wage: ArrayLike) -> NDArray[np.float64]:
        """:math:`F_o(w)` for every occupation (rows) at every ``log_wage`` (columns)."""
        lw = np.asarray(log_wage, dtype=float)
        out = np.empty((len(OCCUPATIONS), lw.size))
        slopes = self._slopes()
        for o in range(len(OCCUPATIONS)):  # 22 occupations; each row is vectorised
            kn = self.log_knots[o]
            seg = np.clip(np.searchsorted(kn, lw, side="right") - 1, 0, kn.size - 2)
            z = Z_KNOTS[seg] + (lw - kn[seg]) / slopes[o, seg]
            out[o] = norm_cdf(z)
        return out

    def mixture_cdf(self, log_wage: ArrayLike, shares: ArrayLike) -> NDArray[np.float64]:
        """Population CDF :math:`\\sum_o \\pi_o F_o(w)` with occupation ``shares`` (sum to 1)."""
        pi = np.asarray(shares, dtype=float)
        if pi.shape != (len(OCCUPATIONS),) or (pi < 0).any() or not np.isclose(pi.sum(), 1.0):
            raise ValueError(f"shares must be {len(OCCUPATIONS)} non-negative weights summing to 1")
        return (pi[:, None] * self.cdf_matrix(log_wage)).sum(axis=0)  # no BLAS: thread-independent

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> OccupationWages:
        """Build from the project's wage table (columns ``occupation``, ``p10`` … ``p90``)."""
        need = ["occupation", *_PCOLS]
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise ValueError(f"wage table is missing column(s) {missing}; required: {need}")
        rows = frame[frame["occupation"].isin(OCCUPATIONS)]
        check_labels(frame["occupation"][~frame["occupation"].isin(["All occupations"])],
                     OCCUPATIONS, "occupation")
        absent = sorted(set(OCCUPATIONS) - set(rows["occupation"]))
        if absent:
            raise ValueError(f"wage table lacks occupation(s) {absent}")
        rows = rows.set_index("occupation").loc[list(OCCUPATIONS)]
        q = rows[list(_PCOLS)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        if np.isnan(q[:, :4]).any():
            raise ValueError("wage percentiles p10..p75 must be published for every occupation")
        imputed = np.isnan(q[:, 4])
        if imputed.any():
            lq = np.log(q[imputed])
            slope = (lq[:, 3] - lq[:, 2]) / (Z_KNOTS[3] - Z_KNOTS[2])
            ext = np.exp(lq[:, 3] + slope * (Z_KNOTS[4] - Z_KNOTS[3]))
            bound = (pd.to_numeric(rows["p90_lower_bound"], errors="coerce").to_numpy(float)
                     [imputed] if "p90_lower_bound" in rows else np.zeros(imputed.sum()))
            q[imputed, 4] = np.fmax(ext, np.nan_to_num(bound))
        return cls(np.log(q), imputed)


def load_occupation_wages(path: str | Path | None = None) -> OccupationWages:
    """The OEWS May 2023 wage model (default: the project's ``data/`` copy)."""
    return OccupationWages.from_frame(pd.read_csv(path or DATA_DIR / WAGES_FILE))
