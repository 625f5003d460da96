r"""Social welfare functions and inequality measures over a population's outcomes.

All functions take arrays of utilities ``u``, pre-tax incomes ``z`` and post-tax incomes
``z_tilde`` (one entry per worker) and return a float. Objectives a planner may maximise are
registered in :data:`WELFARE_FUNCTIONS`; every entry of the registry is also recorded as a metric.

References
----------
Karten et al. (2025), *LLM Economist*, arXiv 2507.15815 — the paper's SWF :math:`\sum_i u_i/\max(z_i,1)`.
Atkinson (1970), *On the measurement of inequality*, JET 2(3).
Theil (1967), *Economics and Information Theory*.
Zheng et al. (2022), *The AI Economist*, Science Advances 8 — equality × productivity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.registry import Registry
from econsim.validation import check_finite, check_range, check_same_shape

Array = NDArray[np.float64]


def _people(name: str, nonempty: bool = False, **arrays: ArrayLike) -> list[Array]:
    """Finite float arrays of equal shape, one entry per person; ``name`` is the metric's name."""
    out = [check_finite(a, f"{name}: {n}") for n, a in arrays.items()]
    check_same_shape(**dict(zip(arrays, out, strict=True)))
    if nonempty and out[0].size == 0:
        raise ValueError(f"{name} needs at least one person (got an empty {next(iter(arrays))})")
    return out


def _post_tax_floor(name: str, z_tilde: ArrayLike) -> Array:
    """Post-tax incomes floored at 0 for inequality measures (checked finite before flooring)."""
    return np.maximum(_people(name, z_tilde=z_tilde)[0], 0.0)


def _inverse_income_weights(z: Array) -> Array:
    return 1.0 / np.maximum(z, 1.0)


def _row(a: Array) -> Array:
    """One population as a (1, n) block, so a 1-D metric and a block of steps share one kernel."""
    return a.reshape(1, -1)


# -- row kernels: each formula once, over a (steps, people) block of checked arrays; reductions
# along the last axis give, row by row, the same bits as on that row alone ---------------------
def _paper_swf_rows(u: Array, z: Array) -> Array:
    return np.sum(u * _inverse_income_weights(z), axis=-1)


def _inverse_income_rows(u: Array, z: Array) -> Array:
    w = _inverse_income_weights(z)
    return np.sum(w * u, axis=-1) / w.sum(axis=-1)  # not a dot product: BLAS threads change bits


def _gini_rows(y: Array) -> Array:
    y = np.sort(y, axis=-1)
    n, total = y.shape[-1], y.sum(axis=-1)
    if n == 0:
        return np.zeros(y.shape[0])
    ranks = np.arange(1, n + 1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2.0 * np.sum(ranks * y, axis=-1) / (n * total) - (n + 1.0) / n
    # G >= 0 exactly; the difference of two near-equal terms rounds to -2.2e-16 for equal
    # incomes (e.g. seven of 3.3), outside the index's support
    return np.where(total > 0, np.maximum(g, 0.0), 0.0)


def _theil_rows(y: Array) -> Array:
    if y.shape[-1] == 0:
        return np.zeros(y.shape[0])
    mu = y.mean(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = y / mu
        terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return np.where(mu[:, 0] > 0, terms.mean(axis=-1), 0.0)


def _ede_rows(y: Array, eps: float) -> Array:
    """Equally-distributed-equivalent of non-negative incomes per row (0 for a row with an
    income of zero when eps >= 1: the limit drags it there)."""
    zero = (y <= 0).any(axis=-1)
    if eps >= 1.0:
        safe = np.where(zero[:, None], 1.0, y)
    else:
        safe = y
    if eps == 1.0:
        ede = np.exp(np.mean(np.log(safe), axis=-1))
    else:
        ede = np.mean(np.power(safe, 1.0 - eps), axis=-1) ** (1.0 / (1.0 - eps))
    return np.where(zero, 0.0, ede) if eps >= 1.0 else ede


def _equality_productivity_rows(z: Array, zt: Array) -> Array:
    n = zt.shape[-1]
    equality = 1.0 - (n / (n - 1.0) if n > 1 else 1.0) * _gini_rows(np.maximum(zt, 0.0))
    return equality * z.mean(axis=-1)


def paper_swf(u: ArrayLike, z: ArrayLike, z_tilde: ArrayLike | None = None) -> float:
    r"""The paper's social welfare :math:`\sum_i u_i / \max(z_i, 1)` (a sum, as in the v1 code).

    Rewards near-confiscatory taxes and explodes when a worker earns nothing (its weight is 1);
    see MODEL.md §8. Reported for fidelity; compare with the normalised version.
    """
    u_, z_ = _people("paper_swf", u=u, z=z)
    return float(_paper_swf_rows(_row(u_), _row(z_))[0])


def inverse_income_swf(u: ArrayLike, z: ArrayLike, z_tilde: ArrayLike | None = None) -> float:
    r"""Inverse-income weighted mean utility with weights normalised to sum to one (USD).

    .. math:: W = \sum_i \omega_i u_i, \quad \omega_i = \frac{1/\max(z_i,1)}{\sum_j 1/\max(z_j,1)}
    """
    u_, z_ = _people("inverse_income_swf", nonempty=True, u=u, z=z)
    return float(_inverse_income_rows(_row(u_), _row(z_))[0])


def utilitarian(u: ArrayLike, z: ArrayLike | None = None, z_tilde: ArrayLike | None = None
                ) -> float:
    r"""Mean utility :math:`\frac1N \sum_i u_i` (the utilitarian sum per worker)."""
    return float(np.mean(_row(_people("utilitarian", nonempty=True, u=u)[0]), axis=-1)[0])


def rawlsian(u: ArrayLike, z: ArrayLike | None = None, z_tilde: ArrayLike | None = None) -> float:
    r"""Utility of the worst-off worker, :math:`\min_i u_i`."""
    return float(np.min(_row(_people("rawlsian", nonempty=True, u=u)[0]), axis=-1)[0])


def gini(y: ArrayLike) -> float:
    r"""Gini coefficient of non-negative incomes.

    .. math:: G = \frac{2 \sum_{i=1}^N i\, y_{(i)}}{N \sum_i y_i} - \frac{N+1}{N}

    with :math:`y_{(i)}` sorted ascending; 0 when all incomes are equal (or all zero). The
    result lies in :math:`[0, (N-1)/N]`: a rounding below 0 is returned as 0.
    """
    y_ = _row(_people("gini", y=y)[0])
    if y_.size and y_.min() < 0:
        raise ValueError("gini needs non-negative incomes (allowed range [0, inf))")
    return float(_gini_rows(y_)[0])


def theil(y: ArrayLike) -> float:
    r"""Theil T index :math:`\frac1N \sum_i \frac{y_i}{\mu} \ln \frac{y_i}{\mu}` (with 0 ln 0 = 0)."""
    y_ = _row(_people("theil", y=y)[0])
    if y_.size and y_.min() < 0:
        raise ValueError("theil needs non-negative incomes (allowed range [0, inf))")
    return float(_theil_rows(y_)[0])


def atkinson_index(y: ArrayLike, epsilon: float = 1.0) -> float:
    r"""Atkinson inequality index with inequality aversion :math:`\varepsilon \ge 0`.

    .. math:: A_\varepsilon = 1 - \frac{1}{\mu}\Big(\frac1N\sum_i y_i^{1-\varepsilon}\Big)^{1/(1-\varepsilon)},
        \qquad A_1 = 1 - \frac{\exp(\frac1N \sum_i \ln y_i)}{\mu}

    Incomes must be positive when :math:`\varepsilon \ge 1`.
    """
    eps = check_range(epsilon, "epsilon", 0.0, np.inf, high_open=True)
    y_ = _row(_people("atkinson_index", y=y)[0])
    if y_.size == 0 or (y_ < 0).any():
        raise ValueError("atkinson needs a non-empty array of incomes >= 0")
    mu = y_.mean()
    if mu <= 0:
        return 0.0
    return 1.0 - float(_ede_rows(y_, eps)[0]) / mu


def atkinson_welfare(u: ArrayLike, z: ArrayLike, z_tilde: ArrayLike, epsilon: float = 1.0
                     ) -> float:
    r"""Equally-distributed-equivalent post-tax income :math:`\mu (1 - A_\varepsilon)` (USD)."""
    zt = _people("atkinson_welfare", nonempty=True, z_tilde=z_tilde)[0]
    return float(_ede_rows(_row(np.maximum(zt, 0.0)), float(epsilon))[0])


def equality_times_productivity(u: ArrayLike, z: ArrayLike, z_tilde: ArrayLike) -> float:
    r"""The AI Economist objective: equality × productivity.

    .. math:: \Big(1 - \frac{N}{N-1} G(\tilde z)\Big) \cdot \frac1N \sum_i z_i

    Productivity is mean pre-tax income (a full rebate keeps it equal to mean post-tax income).
    """
    z_, zt = _people("equality_times_productivity", nonempty=True, z=z, z_tilde=z_tilde)
    return float(_equality_productivity_rows(_row(z_), _row(zt))[0])


@dataclass(frozen=True)
class WelfareFunction:
    """A named objective ``func(u, z, z_tilde) -> float`` with its reading direction; ``rows``
    is the same formula over a (steps, people) block of checked arrays, one value per row."""

    name: str
    func: Callable[..., float]
    rows: Callable[[Array, Array, Array], Array]
    label: str
    higher_is_better: bool = True
    objective: bool = True  # may a planner maximise it?

    def __call__(self, u: ArrayLike, z: ArrayLike, z_tilde: ArrayLike) -> float:
        # all three arrays describe the same people, even for a metric that reads only one
        return self.func(*_people(self.name, u=u, z=z, z_tilde=z_tilde))


WELFARE_FUNCTIONS: Registry[WelfareFunction] = Registry("welfare function")
for _wf in (
    WelfareFunction("paper_swf", paper_swf, lambda u, z, zt: _paper_swf_rows(u, z),
                    "paper SWF Σu/max(z,1)"),
    WelfareFunction("inverse_income", inverse_income_swf,
                    lambda u, z, zt: _inverse_income_rows(u, z),
                    "inverse-income weighted mean u (USD)"),
    WelfareFunction("utilitarian", utilitarian, lambda u, z, zt: np.mean(u, axis=-1),
                    "mean utility (USD)"),
    WelfareFunction("rawlsian", rawlsian, lambda u, z, zt: np.min(u, axis=-1),
                    "min utility (USD)"),
    WelfareFunction("atkinson", atkinson_welfare,
                    lambda u, z, zt: _ede_rows(np.maximum(zt, 0.0), 1.0),
                    "Atkinson ε=1 EDE post-tax income (USD)"),
    WelfareFunction("equality_productivity", equality_times_productivity,
                    lambda u, z, zt: _equality_productivity_rows(z, zt),
                    "equality × mean income (USD)"),
    WelfareFunction("gini", lambda u, z, zt: gini(_post_tax_floor("gini", zt)),
                    lambda u, z, zt: _gini_rows(np.maximum(zt, 0.0)),
                    "Gini of post-tax income", higher_is_better=False, objective=False),
    WelfareFunction("theil", lambda u, z, zt: theil(_post_tax_floor("theil", zt)),
                    lambda u, z, zt: _theil_rows(np.maximum(zt, 0.0)),
                    "Theil T of post-tax income", higher_is_better=False, objective=False),
):
    WELFARE_FUNCTIONS.register(_wf.name, _wf)

OBJECTIVES: tuple[str, ...] = tuple(n for n in WELFARE_FUNCTIONS if WELFARE_FUNCTIONS.get(n).objective)


def get_objective(name: str) -> WelfareFunction:
    """A welfare function a planner may maximise; unknown names list the valid ones."""
    if name in WELFARE_FUNCTIONS and not WELFARE_FUNCTIONS.get(name).objective:
        raise ValueError(f"{name!r} is a metric, not an objective; valid names: {', '.join(OBJECTIVES)}")
    if name not in OBJECTIVES:
        raise ValueError(f"unknown objective {name!r}; valid names: {', '.join(OBJECTIVES)}")
    return WELFARE_FUNCTIONS.get(name)


def metric_rows(u: ArrayLike, z: ArrayLike, z_tilde: ArrayLike) -> dict[str, Array]:
    """Every registered welfare function and inequality measure of each row of a (steps, people)
    block: ``{name: array of one value per step}``, each row's value the same bits as the
    metric of that row alone (one kernel per formula serves both)."""
    u_, z_, zt = _people("metric_rows", u=u, z=z, z_tilde=z_tilde)
    if u_.ndim != 2 or u_.shape[1] == 0:
        raise ValueError(f"metric_rows needs a (steps, people) block with at least one person; "
                         f"got shape {u_.shape}")
    return {name: np.asarray(WELFARE_FUNCTIONS.get(name).rows(u_, z_, zt), dtype=float)
            for name in WELFARE_FUNCTIONS}


def all_metrics(u: ArrayLike, z: ArrayLike, z_tilde: ArrayLike) -> dict[str, float]:
    """Every registered welfare function and inequality measure, by name (one population)."""
    u_, z_, zt = _people("all_metrics", nonempty=True, u=u, z=z, z_tilde=z_tilde)
    return {k: float(v[0]) for k, v in metric_rows(_row(u_), _row(z_), _row(zt)).items()}
