"""Figures of notebook 04 (elections and leaders, C4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from econsim.figures.simruns import group_colour
from econsim.figures.style import new_figure, provenance_note


def plot_group_utility(groups: pd.DataFrame, *, backend: str = "surrogate", note: str = ""
                       ) -> Figure:
    """Change in mean utility per group relative to the planner-led run (USD per step).

    ``groups`` has columns (variant, grouping, group, change[, ci_low, ci_high]): e.g. the
    leader's voters vs everyone else, and the lower- vs upper-skill half; with ``ci_low`` and
    ``ci_high`` (the 95 % interval of a mean over seeds) the bars get whiskers.
    """
    groupings = list(dict.fromkeys(groups.grouping))
    fig, axes = new_figure(ncols=len(groupings), width=5.6 * len(groupings) + 0.6, height=4.3)
    for j, grouping in enumerate(groupings):
        ax = axes[0][j]
        sub = groups[groups.grouping == grouping]
        variants = list(dict.fromkeys(sub.variant))
        names = list(dict.fromkeys(sub.group))
        width = 0.8 / len(variants)
        for i, v in enumerate(variants):
            s = sub[sub.variant == v].set_index("group").reindex(names)
            x = np.arange(len(names)) + (i - (len(variants) - 1) / 2) * width
            ax.bar(x, s.change.to_numpy() / 1000, width=width, color=group_colour(v, i + 1),
                   label=v, edgecolor="white")
            if {"ci_low", "ci_high"} <= set(s) and s.ci_low.notna().any():
                ax.errorbar(x, s.change.to_numpy() / 1000,
                            yerr=[(s.change - s.ci_low).to_numpy() / 1000,
                                  (s.ci_high - s.change).to_numpy() / 1000],
                            fmt="none", ecolor="0.15", elinewidth=0.8, capsize=2)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xticks(np.arange(len(names)))
        ax.set_xticklabels(names, fontsize=9)
        ax.set_ylabel("mean utility vs planner-led run (USD thousands)")
        ax.set_title(grouping, fontsize=11)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=len(labels), fontsize=8.5,
               frameon=False)
    provenance_note(fig, backend, note)
    return fig


def plot_leader_timeline(turnover: pd.DataFrame, skills: dict[str, np.ndarray], *,
                         backend: str = "surrogate", note: str = "") -> Figure:
    """Who leads each tax year, as the leader's skill percentile in the population.

    One row of coloured cells per democratic variant; the colour is the leader's skill
    percentile (0 = lowest-skill worker, 100 = highest), so a run of one colour is one leader.
    """
    variants = list(dict.fromkeys(turnover.variant))
    fig, axes = new_figure(width=12, height=1.0 + 0.9 * len(variants))
    ax = axes[0][0]
    n_years = int(turnover.tax_year.max()) + 1
    grid = np.full((len(variants), n_years), np.nan)
    for i, v in enumerate(variants):
        y = turnover[turnover.variant == v]
        s = skills[v]
        pct = 100 * (np.argsort(np.argsort(s)) / max(len(s) - 1, 1))
        ids = y.leader.str.rsplit("_", n=1).str[1].astype(int).to_numpy()
        grid[i, y.tax_year.to_numpy()] = pct[ids]
    im = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0, vmax=100,
                   interpolation="nearest")
    ax.set_yticks(range(len(variants)))
    ax.set_yticklabels(variants, fontsize=9)
    ax.set_xlabel("tax year")
    ax.grid(False)
    ax.set_title("leader in each tax year (colour = leader's skill percentile)", fontsize=11)
    fig.colorbar(im, ax=ax, label="skill percentile", shrink=0.9)
    provenance_note(fig, backend, note)
    return fig


def plot_exact_exploitation(workers: pd.DataFrame, steps: pd.DataFrame) -> Figure:
    """The exact democratic game on a constructed population (no LLM).

    Left: marginal rate of each bracket per tax year as the elected leader sets them. Right:
    each worker's mean utility in the first and the last tax year, coloured by group.
    """
    fig, axes = new_figure(ncols=2, width=12, height=4.2)
    ax, ax_u = axes[0]
    years = steps.groupby("tax_year").first()
    rate_cols = [c for c in steps.columns if c.startswith("rate_")]
    styles = ["-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1))]
    for k, col in enumerate(rate_cols):
        ax.step(years.index, 100 * years[col], where="post", lw=2.2 - 0.25 * k,
                ls=styles[k % len(styles)], label=f"bracket {k + 1}")
    ax.set_xlabel("tax year")
    ax.set_ylabel("marginal rate (%)")
    ax.set_ylim(-2, 105)
    leaders = years["leader"].unique()
    ax.set_title(f"Rates set by the elected leader ({', '.join(leaders)})", fontsize=11)
    ax.legend(fontsize=8)
    x = np.arange(len(workers))
    colours = ["#1b6ca8" if g.startswith("majority") else "#d1495b" for g in workers.group]
    ax_u.bar(x - 0.2, workers.utility_first / 1000, width=0.4, color=colours, alpha=0.45,
             label="first tax year")
    ax_u.bar(x + 0.2, workers.utility_last / 1000, width=0.4, color=colours,
             label="last tax year")
    ax_u.set_xticks(x)
    ax_u.set_xticklabels([f"worker {a}\n${s * 40 / 1000:,.0f}k at 40 h\n{g.split(' (')[0]}"
                          for a, s, g in zip(workers.agent, workers.skill, workers.group,
                                             strict=True)], fontsize=8)
    ax_u.set_ylabel("mean utility (USD thousands per step)")
    ax_u.set_title("Majority gains, minority pays (pale: first year, solid: last)", fontsize=11)
    provenance_note(fig, "none", "exact rational voters and leader; constructed population")
    return fig
