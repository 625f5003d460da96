r"""Elasticities of taxable income for the Saez formula: named presets and a measured one.

A Saez schedule needs the elasticity :math:`e` of taxable income with respect to the net-of-tax
rate :math:`1-\tau`, one per bracket. :data:`ELASTICITY_PRESETS` holds the published values used
around the paper (Gruber & Saez 2002, *The elasticity of taxable income*, J. Public Econ. 84(1));
:func:`empirical_elasticity` measures it on rational best-responders, bracket by bracket.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.economy.best_response import best_response_continuous, best_response_menu
from econsim.economy.tax import TaxSchedule, bracket_index
from econsim.economy.utility import LABOUR_MENU, UtilityParams, check_utility
from econsim.registry import Registry
from econsim.validation import as_float_array, check_nonnegative

Array = NDArray[np.float64]

#: Gruber & Saez (2002) income-group boundaries (USD) for the per-group elasticities.
GRUBER_SAEZ_GROUP_EDGES = (50_000.0, 100_000.0)
#: Gruber & Saez (2002) elasticities for low, middle and high earners (as used around the paper).
GRUBER_SAEZ = (0.18, 0.11, 0.57)


@dataclass(frozen=True)
class ElasticityPreset:
    """A named elasticity of taxable income; ``per_bracket(cutoffs)`` gives one per bracket."""

    name: str
    resolve: Callable[[Array], Array]
    description: str


def _constant(value: float) -> Callable[[Array], Array]:
    return lambda cutoffs: np.full(cutoffs.size, value)


def gruber_saez_by_bracket(cutoffs: ArrayLike) -> Array:
    r"""Gruber–Saez (2002) elasticities mapped to brackets by income.

    Each bracket takes the elasticity of the income group containing its **lower cutoff**:
    below $50k → 0.18 (low earners), $50k–100k → 0.11 (middle), ≥ $100k → 0.57 (high). Hence

    - 1 bracket (flat, cutoff 0): [0.18] (note G–S's overall estimate, 0.4, is ``flat_0.4``);
    - 3 brackets (0, 90,000, 159,100): [0.18, 0.11, 0.57] — the paper's per-bracket vector;
    - 7 US brackets (0, 11,600, 47,150, 100,525, 191,950, 243,725, 609,350):
      [0.18, 0.18, 0.18, 0.57, 0.57, 0.57, 0.57] (no US cutoff falls in $50k–100k).
    """
    cut = check_nonnegative(cutoffs, "cutoffs").ravel()
    low, mid, high = GRUBER_SAEZ
    group = np.searchsorted(np.asarray(GRUBER_SAEZ_GROUP_EDGES), cut, side="right")
    return np.array((low, mid, high))[group]


ELASTICITY_PRESETS: Registry[ElasticityPreset] = Registry("elasticity preset")
for _p in (
    ElasticityPreset("flat_0.4", _constant(0.4), "0.4 in every bracket (Gruber–Saez overall)"),
    ElasticityPreset("gruber_saez", gruber_saez_by_bracket,
                     "0.18 / 0.11 / 0.57 for brackets starting below $50k / $50–100k / ≥ $100k"),
    ElasticityPreset("ai_economist_3.0", _constant(3.0), "3.0 (labelled the AI Economist value)"),
):
    ELASTICITY_PRESETS.register(_p.name, _p)


def resolve_elasticity(elasticity: float | Sequence[float] | ArrayLike | str,
                       cutoffs: ArrayLike) -> Array:
    """One elasticity per bracket from a scalar, a per-bracket sequence or a preset name.

    Raises ``ValueError`` for unknown preset names (listing them), negative or non-finite values,
    or a sequence whose length differs from the number of brackets.
    """
    cut = check_nonnegative(cutoffs, "cutoffs").ravel()
    if isinstance(elasticity, str):
        return ELASTICITY_PRESETS.get(elasticity).resolve(cut)
    e = as_float_array(elasticity, "elasticity")
    if e.size and not (np.isfinite(e).all() and (e >= 0).all()):
        raise ValueError(f"elasticity must be finite and >= 0 (allowed range [0, inf)); got {e!r}")
    if e.ndim == 0:
        return np.full(cut.size, float(e))
    e = e.ravel()
    if e.size != cut.size:
        raise ValueError(f"elasticity must be a scalar or have one entry per bracket: got "
                         f"{e.size} values for {cut.size} brackets (allowed length {cut.size})")
    return e.copy()


def empirical_elasticity(skill: ArrayLike, schedule: TaxSchedule, params: UtilityParams,
                         step: float = 0.05, response: str = "menu",
                         menu: ArrayLike = LABOUR_MENU, fill: float = 0.0) -> Array:
    r"""Per-bracket elasticity of taxable income measured on rational best-responders.

    For each bracket :math:`k`, the rate :math:`\tau_k` is moved down and up by ``step``
    (central difference, kept inside [0, 0.99] so :math:`1-\tau > 0`), every worker
    best-responds (:mod:`econsim.economy.best_response`), and the taxable income :math:`Z_k` of the
    workers whose income lies in bracket :math:`k` under ``schedule`` (those who face
    :math:`\tau_k` at the margin) is recorded. The elasticity is the arc (midpoint) elasticity

    .. math:: e_k = \frac{\Delta Z_k / \bar Z_k}{\Delta(1-\tau_k) / \overline{(1-\tau_k)}}

    which equals :math:`\Delta \log Z / \Delta \log(1-\tau)` to second order and stays finite when
    :math:`Z` hits 0. It is positive when income falls as the rate rises. With the continuous best
    response and an interior optimum, :math:`z \propto (1-\tau)^{1/(\delta-1)}`, so
    :math:`e = 1/(\delta - 1)` (0.4 for δ = 3.5) — the closed form the tests check.

    Parameters
    ----------
    skill
        Worker skills (annual USD per weekly hour).
    schedule
        The schedule at which to measure.
    params
        Labour-cost parameters (a :class:`~econsim.economy.utility.UtilityParams`, not a name).
    step
        Rate perturbation, in (0, 0.5].
    response
        ``menu`` (default) or ``continuous`` best responses.
    fill
        Value for brackets with no worker (no taxable income to measure).

    Returns
    -------
    ndarray
        One elasticity per bracket.
    """
    s = check_nonnegative(skill, "skill").ravel()
    if s.size == 0:
        raise ValueError("skill must hold at least one worker (got N = 0)")
    if not 0.0 < float(step) <= 0.5:
        raise ValueError(f"step must be in (0, 0.5]; got {step!r}")
    if response not in ("menu", "continuous"):
        raise ValueError(f"unknown response {response!r}; valid names: menu, continuous")
    p = check_utility(params, "params")

    def incomes(sch: TaxSchedule) -> Array:
        lab = (best_response_menu(s, sch, p, menu) if response == "menu"
               else best_response_continuous(s, sch, p))
        return s * lab

    base_bracket = bracket_index(incomes(schedule), schedule)
    out = np.full(schedule.n_brackets, float(fill))
    for k in range(schedule.n_brackets):
        members = base_bracket == k
        if not members.any():
            continue
        lo = np.clip(schedule.rates[k] - step, 0.0, 0.99)
        hi = np.clip(schedule.rates[k] + step, 0.0, 0.99)
        if hi <= lo:
            continue
        z = []
        for rate in (lo, hi):
            r = schedule.rates.copy()
            r[k] = rate
            z.append(float(incomes(schedule.with_rates(r))[members].sum()))
        z_mean = 0.5 * (z[0] + z[1])
        if z_mean <= 0:
            continue
        net_lo, net_hi = 1.0 - lo, 1.0 - hi
        arc = ((z[1] - z[0]) / z_mean) / ((net_hi - net_lo) / (0.5 * (net_hi + net_lo)))
        out[k] = arc + 0.0  # no negative zero
    return out
