r"""One economy step: incomes, taxes, the lump-sum rebate, utilities and welfare.

.. math::
    z_i = s_i l_i, \quad R = \frac1N \sum_i T(z_i), \quad \tilde z_i = z_i - T(z_i) + R,
    \quad u_i = \tilde z_i - c\, l_i^{\delta}

References
----------
Karten et al. (2025), *LLM Economist*, arXiv 2507.15815, §3 (MODEL.md §2 steps 3–7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.economy.best_response import best_response_menu
from econsim.economy.tax import TaxSchedule, _tax_unchecked
from econsim.economy.utility import LABOUR_MENU, MAX_HOURS, UtilityParams
from econsim.economy.welfare import all_metrics
from econsim.validation import check_nonnegative

Array = NDArray[np.float64]


@dataclass(frozen=True)
class StepOutcome:
    """Per-worker arrays of one step and the rebate every worker received."""

    labour: Array
    pre_tax_income: Array
    tax: Array
    rebate: float
    post_tax_income: Array
    utility: Array

    @property
    def revenue(self) -> float:
        return float(self.tax.sum())

    def welfare(self) -> dict[str, float]:
        """Every welfare function and inequality measure (see :mod:`econsim.economy.welfare`)."""
        return all_metrics(self.utility, self.pre_tax_income, self.post_tax_income)


def economy_step(skill: ArrayLike, labour: ArrayLike, schedule: TaxSchedule,
                 params: UtilityParams, rebate_share: float = 1.0) -> StepOutcome:
    """Outcomes of one step given every worker's hours.

    Parameters
    ----------
    skill
        Skills :math:`s_i \\ge 0` (annual USD per weekly hour).
    labour
        Weekly hours :math:`l_i \\in [0, 100]`.
    schedule, params
        The tax schedule in force and labour-cost parameters.
    rebate_share
        Fraction of revenue returned lump-sum (1 in the paper).
    """
    s = check_nonnegative(skill, "skill")
    lab = check_nonnegative(labour, "labour")
    if s.shape != lab.shape:
        raise ValueError(f"labour must have one entry per worker: shape {lab.shape} vs {s.shape}")
    if lab.size and lab.max() > MAX_HOURS:
        raise ValueError("labour must be weekly hours in [0, 100]")
    if not 0.0 <= rebate_share <= 1.0:
        raise ValueError(f"rebate_share must be in [0, 1]; got {rebate_share!r}")
    z = s * lab
    tax = _tax_unchecked(z, schedule)
    rebate = rebate_share * float(tax.mean()) if tax.size else 0.0
    post = z - tax
    post += rebate
    u = post - params.c * np.power(lab, params.delta)
    return StepOutcome(lab, z, tax, rebate, post, u)


def rational_step(skill: ArrayLike, schedule: TaxSchedule, params: UtilityParams,
                  menu: ArrayLike = LABOUR_MENU) -> StepOutcome:
    """A step in which every worker plays its exact best response on the labour menu."""
    s = check_nonnegative(skill, "skill")
    return economy_step(s, best_response_menu(s, schedule, params, menu), schedule, params)
