"""Figures of notebook 05 (the same experiment across backends, models and prompt styles)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from econsim.figures.simruns import group_colour
from econsim.figures.style import new_figure, provenance_note


def plot_reliability(table: pd.DataFrame, *, backend: str = "surrogate", note: str = ""
                     ) -> Figure:
    """Per variant: parse-failure and fallback rates, tokens per call and cost.

    ``table`` is :func:`econsim.analysis.reliability_table`. Cost panels show the run's own
    cost and what its tokens would cost at the listed models' list prices.
    """
    variants = table.variant.tolist()
    y = np.arange(len(variants))
    fig, axes = new_figure(ncols=3, width=14, height=1.6 + 0.45 * len(variants))
    ax, ax_t, ax_c = axes[0]
    ax.barh(y - 0.2, 100 * table.parse_failure_rate, height=0.4, color="#d1495b",
            label="parse failures (re-asked)")
    ax.barh(y + 0.2, 100 * table.fallback_rate, height=0.4, color="#4a4a4a",
            label="fallbacks (action kept)")
    ax.set_yticks(y)
    ax.set_yticklabels(variants, fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlabel("share of calls (%)")
    ax.set_title("reliability", fontsize=11)
    ax.set_xlim(0, max(1.0, 110 * float(max(table.parse_failure_rate.max(),
                                               table.fallback_rate.max()))))
    for yi, pf, fb in zip(y, table.parse_failure_rate, table.fallback_rate, strict=True):
        if pf == 0 and fb == 0:  # an empty bar would look like missing data
            ax.text(0.01 * ax.get_xlim()[1], yi, "0 parse failures, 0 fallbacks",
                    va="center", fontsize=8, color="#555555")
    ax.legend(fontsize=8, loc="lower right")
    ax_t.barh(y - 0.2, table.input_tokens_per_call, height=0.4, color="#1b6ca8", label="input")
    ax_t.barh(y + 0.2, table.output_tokens_per_call, height=0.4, color="#e09f3e", label="output")
    ax_t.set_yticks(y)
    ax_t.set_yticklabels([])
    ax_t.invert_yaxis()
    ax_t.set_xscale("log")
    ax_t.set_xlabel("tokens per call (log scale)")
    ax_t.set_title("prompt and reply size", fontsize=11)
    ax_t.legend(fontsize=8, loc="lower right")
    cost_cols = ["cost_usd", *[c for c in table.columns if c.startswith("cost_at_")]]
    width = 0.8 / len(cost_cols)
    for j, col in enumerate(cost_cols):
        label = "this run" if col == "cost_usd" else "at " + col[len("cost_at_"):-len("_usd")]
        ax_c.barh(y + (j - (len(cost_cols) - 1) / 2) * width, table[col], height=width,
                  color=group_colour(label, j + 3), label=label)
    for yi, cost in zip(y, table.cost_usd, strict=True):
        if cost == 0:
            ax_c.text(0.01 * ax_c.get_xlim()[1], yi - (len(cost_cols) - 1) / 2 * width,
                      "this run: $0", va="center", fontsize=7.5, color="#555555")
    ax_c.set_yticks(y)
    ax_c.set_yticklabels([])
    ax_c.invert_yaxis()
    ax_c.set_xlabel("cost of the run (USD, list prices)")
    ax_c.set_title("cost", fontsize=11)
    ax_c.legend(fontsize=8, loc="lower right")
    provenance_note(fig, backend, note)
    return fig
