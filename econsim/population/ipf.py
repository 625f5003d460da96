r"""Iterative proportional fitting (IPF) of a multi-way table to published margins.

Given a seed table :math:`X^{(0)}` and target margins :math:`m_k` over axis subsets :math:`A_k`,
IPF cycles through the margins and rescales the table so that each one holds in turn:

.. math:: X \leftarrow X \cdot \frac{m_k}{\sum_{\text{axes} \notin A_k} X}

With a uniform seed and consistent margins the limit is the table with those margins and no
higher-order interaction (the maximum-entropy table; Bishop, Fienberg & Holland 1975, ch. 3).
Published margins that are rounded independently disagree slightly on their shared totals; IPF
then settles into a cycle in which the margin fitted last holds exactly and the others hold to
within the size of the disagreement. :func:`ipf` reports the largest deviation of every margin.

References
----------
Deming & Stephan (1940), *On a least squares adjustment of a sampled frequency table when the
expected marginal totals are known*, Ann. Math. Statist. 11(4).
Bishop, Fienberg & Holland (1975), *Discrete Multivariate Analysis*, MIT Press, ch. 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class Margin:
    """A target margin: the sums of the table over every axis *not* in ``axes``.

    Parameters
    ----------
    axes
        The table axes the margin keeps, in increasing order (e.g. ``(0, 2)``).
    target
        Array whose shape is the table's shape restricted to ``axes``.
    name
        Label used in error messages and reports.
    """

    axes: tuple[int, ...]
    target: NDArray[np.float64]
    name: str = ""


@dataclass(frozen=True)
class IPFResult:
    """Fitted table plus convergence diagnostics."""

    table: NDArray[np.float64]
    iterations: int
    converged: bool
    max_abs_deviation: dict[str, float]


def _other_axes(ndim: int, keep: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(ax for ax in range(ndim) if ax not in keep)


def check_margins(shape: tuple[int, ...], margins: Sequence[Margin],
                  total_rtol: float = 1e-3) -> None:
    """Raise ``ValueError`` if a margin has the wrong shape, is negative, or disagrees on the total.

    ``total_rtol`` is the relative disagreement of grand totals tolerated (rounding of published
    tables makes totals differ slightly; a larger gap means the margins describe different
    populations).
    """
    if not margins:
        raise ValueError("ipf needs at least one margin")
    totals = []
    for m in margins:
        label = m.name or str(m.axes)
        if not m.axes or sorted(set(m.axes)) != list(m.axes) or max(m.axes) >= len(shape):
            raise ValueError(f"margin {label}: axes must be increasing table axes < {len(shape)}; "
                             f"got {m.axes}")
        want = tuple(shape[ax] for ax in m.axes)
        target = np.asarray(m.target, dtype=float)
        if target.shape != want:
            raise ValueError(f"margin {label}: expected shape {want} for axes {m.axes}, "
                             f"got {target.shape}")
        if not (np.isfinite(target).all() and (target >= 0).all()):
            raise ValueError(f"margin {label}: targets must be finite and >= 0")
        totals.append(float(target.sum()))
    lo, hi = min(totals), max(totals)
    if hi > 0 and (hi - lo) / hi > total_rtol:
        names = ", ".join(f"{m.name or m.axes}={t:,.1f}" for m, t in zip(margins, totals,
                                                                        strict=True))
        raise ValueError(f"margins disagree on the grand total by more than {total_rtol:.2%}: "
                         f"{names}")


def margin_of(table: ArrayLike, axes: tuple[int, ...]) -> NDArray[np.float64]:
    """Sum ``table`` over every axis not in ``axes``."""
    arr = np.asarray(table, dtype=float)
    return arr.sum(axis=_other_axes(arr.ndim, axes))


def ipf(seed: ArrayLike, margins: Sequence[Margin], *, tol: float = 1e-9,
        max_iter: int = 10_000, total_rtol: float = 1e-3) -> IPFResult:
    """Fit ``seed`` to ``margins`` by iterative proportional fitting.

    Parameters
    ----------
    seed
        Non-negative starting table (a uniform table of ones gives the no-interaction fit).
    margins
        Target margins, fitted in the given order in every cycle.
    tol
        Stop when no cell changes by more than ``tol`` (relative to the table total) in a cycle.
    max_iter
        Upper bound on the number of full cycles.
    total_rtol
        Relative disagreement of the margins' grand totals that is accepted (see
        :func:`check_margins`).

    Returns
    -------
    IPFResult
        The fitted table, cycles run, whether ``tol`` was reached, and for each margin the
        largest absolute deviation between fitted and target cells.
    """
    table = np.array(seed, dtype=float, copy=True)
    if not (np.isfinite(table).all() and (table >= 0).all()):
        raise ValueError("seed table must be finite and >= 0")
    check_margins(table.shape, margins, total_rtol)
    scale = max(float(table.sum()), 1e-300)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 — `it` is reported
        before = table.copy()
        for m in margins:
            current = margin_of(table, m.axes)
            ratio = np.divide(m.target, current, out=np.zeros_like(current), where=current > 0)
            shape = [table.shape[ax] if ax in m.axes else 1 for ax in range(table.ndim)]
            table *= ratio.reshape(shape)
        scale = max(float(table.sum()), 1e-300)
        if np.abs(table - before).max() <= tol * scale:
            converged = True
            break
    deviations = {
        (m.name or str(m.axes)): float(np.abs(margin_of(table, m.axes) - m.target).max())
        for m in margins
    }
    return IPFResult(table=table, iterations=it, converged=converged,
                     max_abs_deviation=deviations)
