"""Figures of notebook 02 (rational workers learning in context, C1 and C2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from econsim.figures.simruns import group_colour, group_label
from econsim.figures.style import new_figure, provenance_note


def pick_workers(agents_br: pd.DataFrame, n: int = 5) -> list[int]:
    """Up to ``n`` worker ids spread over the skill distribution (lowest to highest skill)."""
    skills = agents_br.groupby("agent")["skill"].first().sort_values()
    if len(skills) <= n:
        return skills.index.tolist()
    pos = np.unique(np.round(np.linspace(0, len(skills) - 1, n)).astype(int))
    return skills.index[pos].tolist()


def plot_labour_vs_best_response(run: pd.DataFrame, shares: pd.DataFrame, *, group: str = "planner",
                                 window: int = 25, n_workers: int = 5, tolerance: float = 10.0,
                                 backend: str = "surrogate", note: str = "") -> Figure:
    """Do in-context learners find their best response? (claim C1)

    Parameters
    ----------
    run
        One run's agents table with ``best_response`` (:func:`econsim.analysis.best_response_columns`).
    shares
        :func:`econsim.analysis.best_response_share` per tax year for all runs (``group`` column).
    window
        Steps in the rolling mean of chosen hours.
    """
    workers = pick_workers(run, n_workers)
    n_panels = len(workers) + 1
    ncols = 3
    nrows = int(np.ceil(n_panels / ncols))
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=13, height=3.2 * nrows + 0.6)
    flat = [ax for row in axes for ax in row]
    for ax, agent in zip(flat, workers, strict=False):
        a = run[run.agent == agent].sort_values("step")
        ax.plot(a.step, a.labour, color="0.75", lw=0.5, label="hours chosen")
        ax.plot(a.step, a.labour.rolling(window, min_periods=1).mean(), color="#1b6ca8", lw=1.5,
                label=f"rolling mean ({window} steps)")
        ax.step(a.step, a.best_response, where="post", color="#2e8b57", lw=1.4, ls="--",
                label="exact best response l*")
        ax.set_ylim(-3, 103)
        ax.set_title(f"worker {agent}: ${a.skill.iloc[0] * 40 / 1000:,.0f}k at 40 h", fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel("weekly hours")
    ax = flat[len(workers)]
    for i, g in enumerate(dict.fromkeys(shares[group])):
        sub = shares[shares[group] == g].groupby("step")["share_within"]
        mean = sub.mean()
        ax.plot(mean.index, 100 * mean.to_numpy(), color=group_colour(g, i), lw=1.4,
                label=group_label(g))
    ax.set_ylim(0, 103)
    ax.set_xlabel("step (tax-year means)")
    ax.set_ylabel(f"workers within {tolerance:.0f} h of l* (%)")
    ax.set_title("all workers, all runs", fontsize=10)
    ax.legend(fontsize=7.5, loc="lower right")
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    handles, labels = flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=3, fontsize=8.5, frameon=False)
    provenance_note(fig, backend, note)
    return fig
