"""The classroom notebook's exercise figure (09): the curves behind exercises 1 and 2.

The sandbox itself (the rational response to a schedule, drawn, and its ipywidgets app) and the
exercises' answers are in :mod:`econsim.classroom.sandbox`: they compute the economy, and
figures draw tables.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from econsim.figures.classroom_base import UTILITY_WORDS
from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note


def plot_exercises(curves: pd.DataFrame) -> Figure:
    """The curves behind exercises 1 and 2, without marking their answers: revenue per worker
    along flat rates (the Laffer curve) and the paper SWF along flat rates, one line per
    utility preset. (A solution figure: notebook 09 draws it in a ``solution`` cell.)"""
    fig, axes = new_figure(ncols=2, width=11.5, height=4.2)
    ax_r, ax_s = axes[0]
    colours = [ROLE_COLOURS["llm_planner"], ROLE_COLOURS["saez"], ROLE_COLOURS["stackelberg"]]
    styles = ["-", "--", ":"]
    for i, (utility, c) in enumerate(curves.groupby("utility", sort=False)):
        c = c.pivot(index="rate", columns="metric", values="value")
        kw = {"color": colours[i % 3], "ls": styles[i % 3], "lw": 1.8,
              "label": UTILITY_WORDS.get(utility, utility)}
        ax_r.plot(100 * c.index, c.revenue_per_worker / 1000, **kw)
        ax_s.plot(100 * c.index, c.paper_swf, **kw)
    ax_r.set_xlabel("flat tax rate (%)")
    ax_r.set_ylabel("revenue per worker (USD thousands a year)")
    ax_r.set_title("exercise 1: revenue per worker at each flat rate", fontsize=10.5)
    ax_s.set_xlabel("flat tax rate (%)")
    ax_s.set_ylabel("Σ u / max(z, 1)  (log scale)")
    ax_s.set_yscale("symlog", linthresh=1.0)
    ax_s.set_title("exercise 2: the paper's welfare at each flat rate", fontsize=10.5)
    for ax in (ax_r, ax_s):
        ax.legend(fontsize=8, loc="best", frameon=False)
    provenance_note(fig, "none", "rational workers, exact best responses")
    return fig
