"""Figures of the Saez derivation notebook (11): the hazard ratio and G(z), in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note

#: Plain names of welfare functions in this notebook's figures.
WELFARE_WORDS = {"utilitarian": "utilitarian (a dollar is a dollar)",
                 "atkinson": "Atkinson: weight 1 / post-tax income",
                 "inverse_income": "weight 1 / pre-tax income",
                 "rawlsian": "Rawlsian (only the worst-off count)",
                 "equality_productivity": "equality × productivity (falls with rank)"}
_COLOURS = ["#4a4a4a", ROLE_COLOURS["llm_planner"], ROLE_COLOURS["saez"],
            ROLE_COLOURS["stackelberg"], ROLE_COLOURS["flat"]]
_STYLES = ["-", "--", "-.", ":", "-"]


def _money_axis(ax) -> None:  # noqa: ANN001 - matplotlib Axes
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: f"${v / 1e6:,.0f}M" if v >= 1e6 else f"${v / 1e3:,.0f}k" if v >= 1e3
        else f"${v:,.0f}"))


def hazard_figure(table: pd.DataFrame, income: np.ndarray, limit: float) -> Figure:
    """Left: the population's incomes (how many are above each income). Right: the hazard
    ratio :math:`a(z) = z h(z)/(1 - H(z))` three ways, and its Pareto limit."""
    fig, axes = new_figure(ncols=2, width=12, height=4.4)
    ax_d, ax_a = axes[0]
    z = np.sort(income[income > 0])
    share = 1.0 - np.arange(z.size) / z.size
    ax_d.plot(z, share, color=ROLE_COLOURS["llm_planner"], lw=1.8)
    ax_d.set_yscale("log")
    _money_axis(ax_d)
    ax_d.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}" if v >= 0.01
                                                 else f"{v:.1%}"))
    ax_d.set_xlim(left=1_000.0)
    ax_d.set_xlabel("pre-tax income z (log scale; incomes below $1k off the axis)")
    ax_d.set_ylabel("share of workers earning more than z, 1 − H(z)")
    ax_d.set_title("a straight line here is a Pareto tail", fontsize=10.5)
    x = table.income
    series = [("a_local_analytic", "z h(z) / (1 − H(z)), income prior (exact)"),
              ("a_local_kernel", "z h(z) / (1 − H(z)), simulated incomes (kernel estimate)"),
              ("a_mean_above", "m(z) / (m(z) − z), mean income m above z")]
    for i, (col, label) in enumerate(s for s in series if s[0] in table):
        ax_a.plot(x, table[col], color=_COLOURS[i + 1], ls=_STYLES[i], lw=1.8, label=label)
    ax_a.axhline(limit, color="0.5", lw=1, ls=":",
                 label=f"Pareto limit of the income prior: {limit:.2f}")
    _money_axis(ax_a)
    ax_a.set_ylim(0, max(4.0, float(np.nanmax(table.filter(like="a_").to_numpy())) * 1.05))
    ax_a.set_xlabel("income z (log scale)")
    ax_a.set_ylabel("a(z): how thin the tail above z is")
    ax_a.set_title("the hazard ratio a(z) and its Pareto limit", fontsize=10.5)
    ax_a.legend(fontsize=7.5, loc="upper left", frameon=False)
    provenance_note(fig, "none", "rational workers under US federal 2024, exact best responses")
    return fig


def weights_figure(G: pd.DataFrame, rates: pd.DataFrame, implied: pd.DataFrame) -> Figure:
    """Left: G(z) per welfare function. Middle: the Saez rate those weights give. Right: the
    inverse problem — the G(z) a schedule (US federal 2024) implies."""
    fig, axes = new_figure(ncols=3, width=15, height=4.4)
    ax_g, ax_t, ax_i = axes[0]
    for i, (name, grp) in enumerate(G.groupby("welfare", sort=False)):
        kw = {"color": _COLOURS[i % 5], "ls": _STYLES[i % 5], "lw": 1.8,
              "label": WELFARE_WORDS.get(name, name)}
        ax_g.plot(grp.income, grp.G, **kw)
        r = rates[rates.welfare == name]
        ax_t.plot(r.income, 100 * r.rate, **kw)
    ax_g.axhline(1.0, color="0.6", lw=0.8, ls=":")
    for ax in (ax_g, ax_t, ax_i):
        _money_axis(ax)
        ax.set_xlabel("income z (log scale)")
    ax_g.set_ylabel("G(z): average weight of the people above z")
    ax_g.set_title("who society cares about, above z", fontsize=10.5)
    ax_g.legend(fontsize=7.5, frameon=False)
    ax_t.set_ylabel("Saez rate at z (%)")
    ax_t.set_ylim(-3, 103)
    ax_t.set_title("τ = (1 − G) / (1 − G + a e), e = 0.4", fontsize=10.5)
    ax_i.step(implied.income, implied.G, where="post", color=ROLE_COLOURS["us_federal"],
              lw=1.8, marker="o", label="implied by US federal 2024 (at its cutoffs)")
    ax_i.set_xlim(*ax_g.get_xlim())
    ax_i.axhline(0.0, color="0.6", lw=0.8, ls=":")
    ax_i.set_ylabel("implied G(z) = 1 − τ a e / (1 − τ)")
    ax_i.set_title("the inverse problem: what a schedule believes", fontsize=10.5)
    ax_i.legend(fontsize=8, frameon=False, loc="lower left")
    provenance_note(fig, "none", "rational workers under US federal 2024, exact best responses")
    return fig


__all__ = ["WELFARE_WORDS", "hazard_figure", "weights_figure"]
