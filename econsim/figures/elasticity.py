"""Figures of notebook 08 (elasticity of taxable income, and which planner wins under which
welfare function)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from econsim.figures.simruns import group_label
from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note


def plot_elasticity_curve(curve: pd.DataFrame, *, backend: str = "none", note: str = ""
                          ) -> Figure:
    """Implied elasticity of taxable income along flat rates (left) and the share of workers at
    the 100-hour cap (right), one line per utility preset (rational workers)."""
    fig, axes = new_figure(ncols=2, width=11.5, height=4.2)
    ax, ax_b = axes[0]
    styles = ["-", "--", "-.", ":"]
    for i, (utility, c) in enumerate(curve.groupby("utility", sort=False)):
        c = c.sort_values("rate")
        ax.plot(100 * c.rate, c.elasticity, ls=styles[i % 4], color=ROLE_COLOURS["llm_planner"]
                if i == 0 else ROLE_COLOURS["saez"], lw=1.6, label=f"'{utility}' utility")
        ax_b.plot(100 * c.rate, 100 * c.share_at_cap, ls=styles[i % 4],
                  color=ROLE_COLOURS["llm_planner"] if i == 0 else ROLE_COLOURS["saez"], lw=1.6,
                  label=f"'{utility}' utility")
    ax.axhline(0.4, color="0.4", lw=1, ls=":", label="constant e = 0.4 (= 1/(δ−1))")
    ax.set_xlabel("flat tax rate (%)")
    ax.set_ylabel("elasticity of taxable income e")
    ax.set_title("implied elasticity is not constant", fontsize=11)
    ax.legend(fontsize=8.5)
    ax_b.set_xlabel("flat tax rate (%)")
    ax_b.set_ylabel("workers at the 100 h cap (%)")
    ax_b.set_ylim(-2, 102)
    ax_b.set_title("why: capped workers do not respond", fontsize=11)
    ax_b.legend(fontsize=8.5)
    provenance_note(fig, backend, note)
    return fig


def plot_winner_table(table: pd.DataFrame, *, backend: str = "surrogate", note: str = ""
                      ) -> Figure:
    """Heat map per utility preset: each planner's welfare under each objective as a share of
    the best planner for that objective (1.00 = winner, outlined)."""
    utilities = list(dict.fromkeys(table.utility))
    fig, axes = new_figure(ncols=len(utilities), width=6.4 * len(utilities) + 0.8, height=4.6)
    for c, utility in enumerate(utilities):
        ax = axes[0][c]
        sub = table[table.utility == utility]
        grid = sub.pivot(index="planner", columns="objective", values="value")
        grid = grid.reindex(index=list(dict.fromkeys(sub.planner)),
                            columns=list(dict.fromkeys(sub.objective)))
        best = grid.max(axis=0)
        rel = grid / best.where(best.abs() > 0, 1.0)
        shown = rel.clip(lower=-1.0)
        negative = bool((rel < 0).any().any())
        im = ax.imshow(shown.to_numpy(), cmap="viridis", vmin=-1.0 if negative else 0.0,
                       vmax=1.0, aspect="auto")
        ax.set_xticks(range(grid.shape[1]))
        ax.set_xticklabels([m.replace("_", "\n") for m in grid.columns], fontsize=8)
        ax.set_yticks(range(grid.shape[0]))
        ax.set_yticklabels([group_label(p) for p in grid.index], fontsize=8.5)
        ax.grid(False)
        for i in range(rel.shape[0]):
            for j in range(rel.shape[1]):
                v = rel.iat[i, j]
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7.5,
                        color="white" if v < 0.6 else "black")
        for j in range(grid.shape[1]):
            i = int(np.nanargmax(grid.iloc[:, j].to_numpy()))
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#d1495b", lw=2))
        ax.set_xlabel("objective (welfare function)")
        ax.set_title(f"'{utility}' utility: welfare / best planner's", fontsize=10.5)
        label = "share of the best (clipped at −1)" if negative else "share of the best"
        fig.colorbar(im, ax=ax, shrink=0.8, label=label)
    provenance_note(fig, backend, note)
    return fig
