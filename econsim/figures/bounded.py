"""Figures of notebook 03 (bounded-rational persona workers, C3 and Fig. 5a)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from econsim.figures.simruns import group_colour, group_label
from econsim.figures.style import new_figure, provenance_note


def plot_satisfaction_and_hours(years: pd.DataFrame, *, group: str = "planner",
                                backend: str = "surrogate", note: str = "") -> Figure:
    """Share of satisfied workers and mean weekly hours per tax year, one line per planner.

    ``years`` is :func:`econsim.analysis.tax_year_means` with ``mean_satisfaction`` (mean of
    r ∈ {0.5, 1}) and ``mean_labour``; the satisfied share is ``2·mean(r) − 1``.
    """
    fig, axes = new_figure(ncols=2, width=11.5, height=4.2)
    ax, ax_b = axes[0]
    for i, g in enumerate(dict.fromkeys(years[group])):
        sub = years[years[group] == g].groupby("step")
        colour = group_colour(g, i)
        share = 100 * (2 * sub["mean_satisfaction"].mean() - 1)
        ax.plot(share.index, share.to_numpy(), color=colour, lw=1.6, label=group_label(g))
        hours = sub["mean_labour"].mean()
        ax_b.plot(hours.index, hours.to_numpy(), color=colour, lw=1.6, label=group_label(g))
    ax.set_ylim(-2, 102)
    ax.set_xlabel("step (tax-year means)")
    ax.set_ylabel("workers satisfied with the tax policy (%)")
    ax.set_title("satisfaction (persona answers YES)", fontsize=11)
    ax_b.set_ylim(0, 102)
    ax_b.set_xlabel("step (tax-year means)")
    ax_b.set_ylabel("mean weekly hours")
    ax_b.set_title("labour supply", fontsize=11)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=len(labels), fontsize=9,
               frameon=False)
    provenance_note(fig, backend, note)
    return fig


def plot_bracket_shift(shares: pd.DataFrame, *, group: str = "planner", backend: str = "surrogate",
                       note: str = "") -> Figure:
    """Where workers' pre-tax incomes fall among the brackets: first vs last tax year.

    ``shares`` is :func:`econsim.analysis.bracket_shares` (group, period, bracket, lower_edge,
    share). One panel per planner; bars for the first (hatched) and last tax year.
    """
    groups = list(dict.fromkeys(shares[group]))
    fig, axes = new_figure(ncols=len(groups), width=4.3 * len(groups) + 0.8, height=4.0,
                           sharey=True)
    n_br = int(shares.bracket.max()) + 1
    for j, g in enumerate(groups):
        ax = axes[0][j]
        sub = shares[shares[group] == g]
        for k, (period, hatch, alpha) in enumerate((("first tax year", "//", 0.45),
                                                    ("last tax year", "", 1.0))):
            s = sub[sub.period == period].sort_values("bracket")
            ax.bar(s.bracket + (k - 0.5) * 0.4, 100 * s.share, width=0.4, hatch=hatch,
                   color=group_colour(g, j), alpha=alpha, edgecolor="white", label=period)
        edges = sub[sub.period == "last tax year"].sort_values("bracket").lower_edge
        ax.set_xticks(np.arange(n_br))
        ax.set_xticklabels([f"${e / 1000:,.0f}k" for e in edges], fontsize=8, rotation=45)
        ax.set_title(group_label(g), fontsize=11)
        ax.set_xlabel("bracket (lower edge, USD)")
        if j == 0:
            ax.set_ylabel("workers whose income is in the bracket (%)")
            ax.legend(fontsize=8)
    provenance_note(fig, backend, note)
    return fig
