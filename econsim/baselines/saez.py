r"""Saez (2001) optimal marginal tax rates per bracket, computed from a population.

The optimal marginal rate at income :math:`z` is

.. math:: \tau(z) = \frac{1 - G(z)}{1 - G(z) + a(z)\, e}, \qquad a(z) = \frac{z\, h(z)}{1 - H(z)},

where :math:`H, h` are the CDF and density of pre-tax income, :math:`G(z)` is the average social
marginal welfare weight of the people above :math:`z` (weights normalised so that their population
mean is 1, i.e. in units of the marginal value of public funds) and :math:`e` is the elasticity of
taxable income with respect to the net-of-tax rate :math:`1 - \tau`.

Three evaluation modes are registered in :data:`SAEZ_MODES`. Only ``local`` uses this local
:math:`a(z)`; ``proper`` (the default, kept for the committed results) replaces it with the
Diamond–Saez top-bracket parameter :math:`m/(m - z)` at every cutoff, which equals it only where
the tail above :math:`z` is Pareto:

``proper`` (default)
    On realised pre-tax incomes. Bracket :math:`k \ge 1` gets the rate of the formula at its
    **lower cutoff** :math:`b_k`: the bracket's rate is the marginal rate that applies just above
    :math:`b_k`, and :math:`b_k` is where raising it starts to bite (everyone above pays more
    mechanically; those at the margin respond) — the same logic as the top-bracket formula, which
    is exact for the top bracket. The local Pareto parameter is estimated by the Diamond–Saez
    mean-above estimator :math:`a(b) = m(b) / (m(b) - b)`, with :math:`m(b)` the mean income of the
    people strictly above :math:`b`. It is exact for a Pareto tail (where
    :math:`z h / (1-H)` is constant and equals the Pareto index), needs no bandwidth and never
    divides by a zero density, so it is robust on the small populations of the paper; for an
    inner bracket it is the Pareto index that the tail above the cutoff would have if it were
    Pareto (Saez 2001 §4 discusses that :math:`z h/(1-H)` and :math:`m/(m-z)` are close above
    ~$150k in US data). Bracket 0 (cutoff 0) would give :math:`G(0) = 1` and :math:`a(0) = 0`,
    i.e. 0/0; it gets instead the **optimal linear tax** rate
    :math:`\tau_0 = (1-\bar g)/(1-\bar g+e_0)` with the income-weighted average weight
    :math:`\bar g = \sum_i g_i z_i / \sum_i z_i` (Piketty & Saez 2013, eq. for the linear tax): this
    is the limit :math:`b \to 0` of the top-bracket formula when :math:`G` weights each person by
    the income above the cutoff, :math:`z_i - b` (then :math:`a(0) = m/m = 1`), and it is the right
    rate for the flat preset. When fewer than ``min_tail`` people are above a cutoff
    (empty or near-empty bracket) the estimates :math:`(a, G)` of the nearest lower estimable
    cutoff are carried up (a Pareto tail has a constant :math:`a`), so no NaN ever appears.

    **Tiny populations** (the rule): only *tail* estimates are carried up, never bracket 0's
    linear-tax values. If fewer than ``min_tail`` people are above the first cutoff
    :math:`b_1` (e.g. 5 workers on the US brackets), the bar is lowered to the number :math:`n_1`
    who are, so bracket 1 is estimated from them and brackets above it either have
    :math:`n_1` people above their own cutoff or carry bracket 1's estimate up. Only when nobody
    is above :math:`b_1` — no tail at all — do brackets :math:`k \ge 1` take the linear-tax
    values (a flat schedule, flagged in ``fallback``). No minimum N is imposed: the paper's
    default population has 5 workers.

``local``
    Saez (2001) proper on any distribution: the rate of bracket :math:`k \ge 1` is the formula
    at its lower cutoff :math:`b_k` with the **local hazard ratio**
    :math:`a(b) = b f(b)/(1 - F(b))` (:func:`local_hazard`) and :math:`G(b)` the average weight
    *per person* above :math:`b` (as in ``proper``). The density is either given (``density=``
    a frozen scipy distribution, e.g. the GB2 prior or a lognormal: :math:`a = b\,
    \mathrm{pdf}(b)/\mathrm{sf}(b)`) or estimated: a Gaussian kernel density (Scott's
    bandwidth) of the *log* of the positive incomes, since :math:`z f(z)` is the density of
    :math:`\ln z` (scale-free and well behaved in a Pareto tail), times the share of positive
    incomes, over the empirical share above :math:`b`. On a Pareto tail :math:`a(b)` equals
    the Pareto index, as ``proper``'s estimator; elsewhere (a lognormal body) the two differ.
    Bracket 0 and thin brackets are handled as in ``proper``.

``v1``
    The released v1 code's algorithm, step for step (Karten et al. 2025; MODEL.md §7), written
    here from its description:

    1. incomes :math:`z_i = 100\, s_i` (skills × 100, i.e. income at 100 h/week), sorted; welfare
       weights :math:`g_i \propto 1/z_i` normalised to **sum to 1** (supplied weights are
       normalised the same way), so skills must be positive;
    2. density :math:`f` = a Gaussian kernel density estimate of the incomes with Scott's
       bandwidth (:class:`scipy.stats.gaussian_kde` defaults: factor :math:`N^{-1/5}` times the
       sample standard deviation), so at least two distinct skills are needed;
    3. brackets are closed at :data:`V1_TOP_EDGE` ($10M); each bracket is evaluated at its
       midpoint :math:`\hat z_k = (b_k + b_{k+1})/2`, the top bracket at
       :math:`\hat z = b_{top} + 0.1\,(10^7 - b_{top})`;
    4. :math:`F` = share of incomes :math:`\le \hat z`. If :math:`F = 1` (nobody above):
       :math:`a = 10` (:data:`V1_FALLBACK_A`) and :math:`G = 0`. Otherwise
       :math:`a = \hat z f(\hat z)/(1 - F)`, except in the top bracket, where
       :math:`a = m/(m - b_{top})` with :math:`m` the mean of the incomes above :math:`\hat z`;
    5. :math:`G = \sum_{z_i \ge \hat z} g_i / (1 - F)`;
    6. :math:`\tau = (1-G)/(1-G+a\, e_k)` clipped into [0, 1] (0 where the denominator is 0),
       reported in percent rounded to 2 decimals (so the rates returned are multiples of 1e-4).

    Elasticity is a scalar, one value per bracket or a preset name. ``min_tail`` is not used.

References
----------
Saez, E. (2001), *Using elasticities to derive optimal income tax rates*, RES 68(1), 205–229.
Diamond, P. & Saez, E. (2011), *The case for a progressive tax*, JEP 25(4) — top rate
:math:`1/(1 + a e)`, a = 1.5, e = 0.25 ⇒ 73 %.
Piketty, T. & Saez, E. (2013), *Optimal labor income taxation*, Handbook of Public Economics 5 —
optimal linear and top-bracket rates.
Gruber, J. & Saez, E. (2002), *The elasticity of taxable income*, JPubE 84(1) — elasticities by
income group (0.18, 0.106, 0.57) and overall ≈ 0.4.
Karten et al. (2025), *LLM Economist*, arXiv 2507.15815 — the Saez baseline; MODEL.md §7.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import gaussian_kde

from econsim.baselines.elasticities import resolve_elasticity
from econsim.economy.tax import TaxSchedule
from econsim.registry import Registry
from econsim.validation import as_float_array, check_finite, check_nonnegative, check_positive_int

Array = NDArray[np.float64]

#: Upper edge the v1 code gave the open top bracket (evaluated 10 % of the way up to it).
V1_TOP_EDGE = 10_000_000.0
#: Local Pareto parameter the v1 code fell back to when a bracket could not be estimated.
V1_FALLBACK_A = 10.0
#: Skills are multiplied by this many hours to get the v1 incomes.
V1_HOURS = 100.0
# --------------------------------------------------------------------------------------------
# Building blocks (pure, vectorised)
# --------------------------------------------------------------------------------------------
def saez_rate(G: ArrayLike, a: ArrayLike, e: ArrayLike) -> Array:
    r"""The Saez formula :math:`\tau = (1-G)/(1-G+a e)`, clipped into [0, 1].

    Conventions at the edges: :math:`G \ge 1` (the people above are valued at least as much as
    public funds) gives 0 — the formula would ask for a subsidy, i.e. a negative rate; with
    :math:`G < 1` and :math:`a e = 0` (no behavioural response) it gives 1.

    Examples
    --------
    Revenue-maximising top rate with a = 1.5, e = 0.25 (Diamond & Saez 2011): ``1/(1 + 0.375)``
    = 0.727.
    """
    G_, a_, e_ = np.broadcast_arrays(as_float_array(G, "G"), as_float_array(a, "a"),
                                     as_float_array(e, "e"))
    one_minus_g = 1.0 - G_
    denom = one_minus_g + a_ * e_
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(one_minus_g > 0, one_minus_g / np.where(denom > 0, denom, 1.0), 0.0)
    return np.clip(tau, 0.0, 1.0)


def pareto_a_from_mean(income: ArrayLike, cutoff: ArrayLike, min_tail: int = 1) -> Array:
    r"""Diamond–Saez estimator of the Pareto index above each cutoff, :math:`a = m/(m - z^*)`.

    :math:`m` is the mean income of the people strictly above :math:`z^*`. For a Pareto tail with
    index :math:`a`, :math:`E[z \mid z > z^*] = z^* a/(a-1)`, which inverts to the formula.
    Returns NaN where fewer than ``min_tail`` people are above the cutoff.
    """
    z = np.sort(check_nonnegative(income, "income").ravel())
    cut = check_nonnegative(cutoff, "cutoff")
    m, n = _mean_above(z, cut)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = m / (m - cut)
    return np.where(n >= max(min_tail, 1), a, np.nan)


def _mean_above(z_sorted: Array, cut: Array) -> tuple[Array, Array]:
    """Mean of and count of sorted incomes strictly above each cutoff (mean NaN if none)."""
    csum = np.concatenate(([0.0], np.cumsum(z_sorted)))
    start = np.searchsorted(z_sorted, cut, side="right")
    n = z_sorted.size - start
    with np.errstate(divide="ignore", invalid="ignore"):
        m = (csum[-1] - csum[start]) / n
    return np.where(n > 0, m, np.nan), n


def normalised_weights(income: Array, weights: ArrayLike | None) -> Array:
    r"""Social marginal welfare weights scaled to population mean 1.

    Default: inverse income :math:`g_i \propto 1/\max(z_i, 1)` (the paper's SWF weights).
    Supplied weights may be negative (a welfare function that gains from taking a dollar from
    someone, e.g. equality × productivity at the top); their sum must be positive.
    """
    if weights is None:
        w = 1.0 / np.maximum(income, 1.0)
    else:
        w = check_finite(weights, "weights").ravel()
        if w.size != income.size:
            raise ValueError(f"weights must have one entry per person: got {w.size} weights for "
                             f"{income.size} incomes")
    total = w.sum()
    if not total > 0:
        raise ValueError("weights must have a positive sum (allowed: finite numbers, "
                         "positive sum)")
    return w * (w.size / total)


# --------------------------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SaezEstimates:
    """Per-bracket ingredients and rates of a Saez computation."""

    rates: Array            # clipped into [0, 1]
    G: Array                # average normalised weight above the evaluation point
    a: Array                # local Pareto parameter used
    elasticity: Array
    at: Array               # income at which each bracket was evaluated (USD)
    n_above: NDArray[np.intp]  # people above the evaluation point
    fallback: NDArray[np.bool_]  # bracket used a carried-up or fallback estimate
    mode: str


def _proper(z: Array, cut: Array, e: Array, weights: ArrayLike | None, min_tail: int
            ) -> SaezEstimates:
    g = normalised_weights(z, weights)
    order = np.argsort(z, kind="stable")
    zs, gs = z[order], g[order]
    k_count = cut.size
    G = np.zeros(k_count)
    a = np.ones(k_count)
    n_above = np.zeros(k_count, dtype=np.intp)
    fallback = np.zeros(k_count, dtype=bool)
    total_z = zs.sum()
    # Bracket 0: the optimal linear tax (income-weighted average weight, a = 1).
    n_above[0] = int((zs > 0).sum())
    if total_z > 0:
        G[0] = float(np.sum(gs * zs) / total_z)
    else:  # nobody earns anything: no base to tax, any rate is welfare-neutral → 0
        G[0], fallback[0] = 1.0, True
    if k_count > 1:
        m, n = _mean_above(zs, cut[1:])
        gsum = np.concatenate(([0.0], np.cumsum(gs)))
        start = np.searchsorted(zs, cut[1:], side="right")
        n_above[1:] = n
        # Tiny populations: a tail above b_1 thinner than min_tail lowers the bar to its size,
        # so bracket 1 always gets a tail estimate and only tail estimates are carried up.
        need = min(min_tail, int(n[0]))
        for k in range(1, k_count):
            if need > 0 and n[k - 1] >= need:
                a[k] = m[k - 1] / (m[k - 1] - cut[k])
                G[k] = (gsum[-1] - gsum[start[k - 1]]) / n[k - 1]
            else:  # thin bracket: carry the nearest lower tail estimate up (or, with nobody
                # above b_1 at all, the linear-tax values: the data say nothing above b_1)
                a[k], G[k], fallback[k] = a[k - 1], G[k - 1], True
    return SaezEstimates(saez_rate(G, a, e), G, a, e, cut.copy(), n_above, fallback, "proper")


def local_hazard(income: ArrayLike, at: ArrayLike, density: object | None = None) -> Array:
    r"""The local hazard ratio :math:`a(b) = b\, f(b)/(1 - F(b))` at each income ``at``.

    With ``density`` (a frozen scipy distribution): :math:`b\,\mathrm{pdf}(b)/\mathrm{sf}(b)`,
    analytic. Without: :math:`b f(b) = p_+\, k(\ln b)` with :math:`k` a Gaussian kernel density
    (Scott's bandwidth) of the log of the positive incomes and :math:`p_+` their share, over the
    empirical share of incomes above :math:`b`. NaN where nobody is above :math:`b` (or
    :math:`b \le 0`). For a Pareto tail with index :math:`\alpha`, :math:`a = \alpha`.
    """
    z = check_nonnegative(income, "income").ravel()
    b = check_nonnegative(at, "at").ravel()
    if density is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            a = b * density.pdf(b) / density.sf(b)  # type: ignore[attr-defined]
        return np.where((b > 0) & np.isfinite(a), a, np.nan)
    pos = z[z > 0]
    if np.unique(pos).size < 2:
        raise ValueError("the local hazard needs at least 2 distinct positive incomes for its "
                         f"kernel density (got {np.unique(pos).size})")
    kde = gaussian_kde(np.log(pos))
    share_above = (z.size - np.searchsorted(np.sort(z), b, side="right")) / z.size
    with np.errstate(divide="ignore", invalid="ignore"):
        zf = (pos.size / z.size) * kde(np.log(np.where(b > 0, b, 1.0)))
        a = zf / share_above
    return np.where((b > 0) & (share_above > 0), a, np.nan)


def _local(z: Array, cut: Array, e: Array, weights: ArrayLike | None, min_tail: int,
           density: object | None = None) -> SaezEstimates:
    est = _proper(z, cut, e, weights, min_tail)  # G per person, bracket 0, thin-tail carry-up
    a, G = est.a.copy(), est.G
    if cut.size > 1:
        local = local_hazard(z, cut[1:], density)
        for k in range(1, cut.size):  # estimable brackets get the local a; thin ones carry up
            a[k] = a[k - 1] if est.fallback[k] else local[k - 1]
    return SaezEstimates(saez_rate(G, a, e), G, a, e, est.at, est.n_above, est.fallback,
                         "local")


def _v1_weights(z: Array, weights: ArrayLike | None) -> Array:
    """v1 welfare weights: 1/income by default, normalised to sum to 1."""
    if weights is None:
        if not (z > 0).all():
            raise ValueError("Saez mode 'v1' weights people by 1/income: skill must be > 0 "
                             "(allowed range (0, inf)); got a zero skill")
        w = 1.0 / z
    else:
        w = normalised_weights(z, weights)  # validates shape, sign and a positive sum
    return w / w.sum()


def _v1_density(z: Array) -> Callable[[Array], Array]:
    """Gaussian kernel density of the incomes with Scott's bandwidth (scipy's default)."""
    if np.unique(z).size < 2:
        raise ValueError("Saez mode 'v1' estimates a kernel density: skill needs at least 2 "
                         f"distinct values (got {z.size} value(s), {np.unique(z).size} distinct)")
    return gaussian_kde(z)


def _v1(z: Array, cut: Array, e: Array, weights: ArrayLike | None, min_tail: int
        ) -> SaezEstimates:
    if cut[-1] >= V1_TOP_EDGE:
        raise ValueError(f"Saez mode 'v1' closes the top bracket at {V1_TOP_EDGE:,.0f}: cutoffs "
                         f"must lie below it (allowed range [0, {V1_TOP_EDGE:,.0f})); got "
                         f"{cut[-1]!r}")
    order = np.argsort(z, kind="stable")
    zs = z[order]
    g = _v1_weights(z, weights)[order]
    density = _v1_density(zs)
    upper = np.append(cut[1:], V1_TOP_EDGE)
    at = 0.5 * (cut + upper)
    at[-1] = cut[-1] + 0.1 * (V1_TOP_EDGE - cut[-1])
    n = zs.size
    F = np.searchsorted(zs, at, side="right") / n                 # share of incomes <= z
    g_tail = np.concatenate((np.cumsum(g[::-1])[::-1], [0.0]))    # sum of g over index >= i
    g_at_or_above = g_tail[np.searchsorted(zs, at, side="left")]  # sum of g over incomes >= z
    nobody_above = F >= 1.0
    share_above = np.where(nobody_above, 1.0, 1.0 - F)
    a = at * density(at) / share_above
    m_top = _mean_above(zs, at[-1:])[0][0]
    if not nobody_above[-1]:
        a[-1] = m_top / (m_top - cut[-1])
    a = np.where(nobody_above, V1_FALLBACK_A, a)
    G = np.where(nobody_above, 0.0, g_at_or_above / share_above)
    num = 1.0 - G
    den = num + a * e
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.clip(np.where(den != 0, num / np.where(den != 0, den, 1.0), 0.0), 0.0, 1.0)
    rates = np.round(100.0 * tau, 2) / 100.0
    n_above = (n - np.searchsorted(zs, at, side="right")).astype(np.intp)
    return SaezEstimates(rates, G, a, e, at, n_above, nobody_above, "v1")


@dataclass(frozen=True)
class SaezMode:
    """How to evaluate the Saez formula: ``func(z, cutoffs, e, weights or None, min_tail)``."""

    name: str
    func: Callable[..., SaezEstimates]
    input: str  # "income" (realised pre-tax incomes) or "skill" (v1: skills × 100)
    description: str
    takes_density: bool = False  # accepts ``density=`` (a frozen scipy distribution)


SAEZ_MODES: Registry[SaezMode] = Registry("Saez mode")
SAEZ_MODES.register("proper", SaezMode(
    "proper", _proper, "income",
    "realised incomes, rate at each lower cutoff, mean-above Pareto tail, linear tax for bracket 0"))
SAEZ_MODES.register("local", SaezMode(
    "local", _local, "income",
    "realised incomes, rate at each lower cutoff, local hazard z f(z)/(1 - F(z)) from a density",
    takes_density=True))
SAEZ_MODES.register("v1", SaezMode(
    "v1", _v1, "skill",
    "the released v1 algorithm: skills × 100, Gaussian KDE, bracket midpoints, top at 10 % of $10M"))


def saez_estimates(cutoffs: ArrayLike | TaxSchedule, *, income: ArrayLike | None = None,
                   skill: ArrayLike | None = None,
                   elasticity: float | Sequence[float] | ArrayLike | str = 0.4,
                   weights: ArrayLike | None = None, mode: str = "proper", min_tail: int = 5,
                   density: object | None = None) -> SaezEstimates:
    r"""Saez (2001) rates per bracket with their ingredients (:math:`G`, :math:`a`, :math:`e`).

    Parameters
    ----------
    cutoffs
        Bracket lower edges (USD, starting at 0) or a :class:`~econsim.economy.tax.TaxSchedule`.
    income
        Realised pre-tax incomes :math:`z_i \ge 0` (``proper`` and ``local`` modes).
    skill
        Skills :math:`s_i \ge 0` (``v1`` mode, which uses :math:`z_i = 100 s_i`).
    elasticity
        Elasticity of taxable income: a scalar, one value per bracket, or a preset name from
        :data:`ELASTICITY_PRESETS` (``flat_0.4``, ``gruber_saez``, ``ai_economist_3.0``).
    weights
        Social welfare weights per person (any positive scale; normalised to mean 1, or to sum 1
        in ``v1``). Default: inverse income, :math:`1/\max(z_i, 1)` (``v1``: :math:`1/z_i`).
    mode
        ``proper``, ``local`` or ``v1`` (see the module docstring); unknown names raise ``ValueError``.
    min_tail
        ``proper`` mode: minimum number of people above a cutoff to estimate :math:`(a, G)` there;
        below it the nearest lower estimate is carried up.
    density
        ``local`` mode only: the income distribution as a frozen scipy distribution (``pdf`` and
        ``sf``); default: a kernel estimate on ``income`` (see :func:`local_hazard`).

    Returns
    -------
    SaezEstimates
        ``rates`` (fractions in [0, 1]) and the per-bracket ingredients.
    """
    m = SAEZ_MODES.get(mode)
    cut_arr = cutoffs.cutoffs if isinstance(cutoffs, TaxSchedule) else cutoffs
    cut = TaxSchedule(cut_arr, np.zeros(np.size(cut_arr))).cutoffs  # validates the edges
    check_positive_int(min_tail, "min_tail")
    data = skill if m.input == "skill" else income
    if data is None:
        raise ValueError(f"Saez mode {mode!r} needs {m.input} (pass {m.input}=...)")
    z = check_nonnegative(data, m.input).ravel()
    if m.input == "skill":
        z = z * V1_HOURS
    if z.size == 0:
        raise ValueError("need at least one person (got an empty income/skill array)")
    e = resolve_elasticity(elasticity, cut)
    if density is not None:
        if not m.takes_density:
            raise ValueError(f"density is used only by Saez mode 'local'; got mode {mode!r}")
        return m.func(z, cut, e, weights, min_tail, density=density)
    return m.func(z, cut, e, weights, min_tail)


def saez_rates(cutoffs: ArrayLike | TaxSchedule, *, income: ArrayLike | None = None,
               skill: ArrayLike | None = None,
               elasticity: float | Sequence[float] | ArrayLike | str = 0.4,
               weights: ArrayLike | None = None, mode: str = "proper", min_tail: int = 5
               ) -> Array:
    """Saez rates per bracket, fractions in [0, 1]; see :func:`saez_estimates` for parameters."""
    return saez_estimates(cutoffs, income=income, skill=skill, elasticity=elasticity,
                          weights=weights, mode=mode, min_tail=min_tail).rates


def saez_schedule(cutoffs: ArrayLike | TaxSchedule, **kwargs: object) -> TaxSchedule:
    """The Saez rates as a :class:`~econsim.economy.tax.TaxSchedule` on the same brackets."""
    cut = cutoffs.cutoffs if isinstance(cutoffs, TaxSchedule) else cutoffs
    return TaxSchedule(cut, saez_rates(cutoffs, **kwargs))  # type: ignore[arg-type]
