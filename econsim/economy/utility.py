r"""Worker utility: post-tax income minus an isoelastic disutility of labour.

.. math:: u_i = \tilde z_i - c\, l_i^{\delta}, \qquad \tilde z_i = z_i - T(z_i) + R

Bounded-rational (persona) workers maximise the satisfaction-adjusted utility :math:`r_i u_i` with
:math:`r_i = 1` if satisfied with the tax policy and :math:`0.5` otherwise.

References
----------
Karten et al. (2025), *LLM Economist*, arXiv 2507.15815, §3.1 (c = 0.0005, δ = 3.5 in v1 code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.registry import Registry
from econsim.renamed import deprecated
from econsim.validation import (
    as_float_array,
    check_finite,
    check_range,
    check_resolved,
    check_same_shape,
)

#: Satisfaction multipliers of the bounded scenario (YES → 1.0, NO → 0.5).
SATISFIED, UNSATISFIED = 1.0, 0.5
#: Weekly hours workers may choose: the labour menu shown in prompts.
LABOUR_MENU: NDArray[np.float64] = np.arange(0.0, 101.0, 10.0)
LABOUR_MENU.flags.writeable = False
MAX_HOURS = 100.0


@dataclass(frozen=True)
class UtilityParams:
    """Isoelastic labour-cost parameters ``c`` (scale, > 0) and ``delta`` (curvature, > 1)."""

    c: float
    delta: float
    description: str = ""

    def __post_init__(self) -> None:
        check_range(self.c, "c", 0.0, np.inf, low_open=True, high_open=True)
        check_range(self.delta, "delta", 1.0, np.inf, low_open=True, high_open=True)

    def cost(self, labour: ArrayLike) -> NDArray[np.float64]:
        r""":math:`c\, l^{\delta}`."""
        return labour_cost(labour, self)

    def interior_labour(self, skill: ArrayLike, rate: ArrayLike = 0.0) -> NDArray[np.float64]:
        r"""Unconstrained best response :math:`l^* = (s(1-\tau)/(c\delta))^{1/(\delta-1)}`."""
        s = as_float_array(skill, "skill")
        net = s * (1.0 - as_float_array(rate, "rate"))
        return np.power(np.maximum(net, 0.0) / (self.c * self.delta), 1.0 / (self.delta - 1.0))


#: Median income at 40 h under the ACS 2023 GB2 prior (see econsim.economy.skills); used to calibrate.
_GB2_MEDIAN_INCOME = 38_102.0

#: The v1 code constants (the presets as objects: code below the top uses these, not names).
PAPER_UTILITY = UtilityParams(0.0005, 3.5, "v1 code constants: labour is nearly inelastic")
# c chosen so the median GB2 worker (s = 38,102 / 40 USD per weekly hour) best-responds with
# 40 h at zero tax: c = s / (δ · 40^(δ−1)).
CALIBRATED_UTILITY = UtilityParams(
    round(_GB2_MEDIAN_INCOME / 40.0 / (3.5 * 40.0**2.5), 6),
    3.5,
    "median worker's best response is 40 h at zero tax (interior, elastic labour)",
)
UTILITY_PRESETS: Registry[UtilityParams] = Registry("utility preset")
UTILITY_PRESETS.register("paper", PAPER_UTILITY)
UTILITY_PRESETS.register("calibrated", CALIBRATED_UTILITY)


def get_utility(preset: str | UtilityParams) -> UtilityParams:
    """Former resolver of a name or object (accepted until the next release, with a warning):
    resolve a name once at the top with ``UTILITY_PRESETS.get(name)`` and pass the object."""
    deprecated("econsim.economy.utility", "get_utility(name)", "UTILITY_PRESETS.get(name)")
    return preset if isinstance(preset, UtilityParams) else UTILITY_PRESETS.get(preset)


def check_utility(params: UtilityParams, name: str = "utility") -> UtilityParams:
    """Return ``params``; a preset name raises ``TypeError`` (resolve it once at the top)."""
    name_given = params if isinstance(params, str) else "paper"
    hint = f"UTILITY_PRESETS.get({name_given!r})"
    check_resolved(params, UtilityParams, name, hint)
    return params


def check_utilities(utilities: Mapping[str, UtilityParams], name: str = "utilities"
                    ) -> dict[str, UtilityParams]:
    """A ``{label: UtilityParams}`` mapping (labels name the table rows); names raise."""
    if not isinstance(utilities, Mapping):
        raise TypeError(f"{name} must map labels to UtilityParams, e.g. "
                        f"{{u: UTILITY_PRESETS.get(u) for u in ['paper', 'calibrated']}}; got "
                        f"{type(utilities).__name__}")
    return {label: check_utility(p, f"{name}[{label!r}]") for label, p in utilities.items()}


def labour_cost(labour: ArrayLike, params: UtilityParams) -> NDArray[np.float64]:
    r"""Disutility of weekly hours, :math:`c\, l^{\delta}`; hours must lie in [0, 100]."""
    lab = as_float_array(labour, "labour")
    if lab.size and not (np.isfinite(lab).all() and (lab >= 0).all() and (lab <= MAX_HOURS).all()):
        raise ValueError("labour must be weekly hours in [0, 100]")
    return params.c * np.power(lab, params.delta)


def utility(post_tax_income: ArrayLike, labour: ArrayLike, params: UtilityParams
            ) -> NDArray[np.float64]:
    r"""Worker utility :math:`u = \tilde z - c\, l^{\delta}`.

    Parameters
    ----------
    post_tax_income
        :math:`\tilde z = z - T(z) + R` in USD.
    labour
        Weekly hours in [0, 100], one entry per entry of ``post_tax_income`` (same shape).
    params
        Labour-cost parameters.
    """
    zt = check_finite(post_tax_income, "post_tax_income")
    lab = as_float_array(labour, "labour")
    check_same_shape(post_tax_income=zt, labour=lab)
    return zt - labour_cost(lab, params)


def adjusted_utility(u: ArrayLike, satisfaction: ArrayLike) -> NDArray[np.float64]:
    r"""Satisfaction-adjusted utility :math:`r\,u` with :math:`r \in \{0.5, 1\}` (bounded scenario)."""
    r = as_float_array(satisfaction, "satisfaction")
    if r.size and not np.isin(r, (SATISFIED, UNSATISFIED)).all():
        raise ValueError("satisfaction must be 1.0 (satisfied) or 0.5 (not satisfied)")
    return r * as_float_array(u, "u")
