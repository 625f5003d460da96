"""Figures of notebook 07 (tax-year length K: re-adaptation after rate changes)."""

from __future__ import annotations

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from econsim.figures.simruns import metric_label
from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note


def plot_k_ablation(final: pd.DataFrame, curve: pd.DataFrame, metrics: list[str], *,
                    level: float = 0.5, backend: str = "surrogate", note: str = ""
                    ) -> Figure:
    """Left panels: welfare in the last tax years against K (mean over seeds with its 95 % t
    interval; min–max when ``final`` has no ``ci_low``/``ci_high``).
    Right panel: the share of the best response's move still to close (workers whose menu best
    response moved) against steps since a rate change, one line per K, with the ``level`` that
    ends the lag dashed (the labour response lag).

    ``final`` is :func:`econsim.analysis.final_metrics` grouped by ``K``; ``curve`` is
    :func:`econsim.analysis.readaptation_curve` grouped by ``K``.
    """
    fig, axes = new_figure(ncols=len(metrics) + 1, width=4.6 * (len(metrics) + 1) + 0.6,
                           height=4.3)
    for j, metric in enumerate(metrics):
        ax = axes[0][j]
        f = final[final.metric == metric].sort_values("K")
        lo, hi = ("ci_low", "ci_high") if "ci_low" in f and f.ci_low.notna().all() else \
            ("min", "max")
        ax.errorbar(f.K, f["mean"], yerr=[f["mean"] - f[lo], f[hi] - f["mean"]],
                    color=ROLE_COLOURS["llm_planner"], marker="o", capsize=3, lw=1.5)
        ax.set_xscale("log")
        ax.set_xticks(f.K.tolist())
        ax.set_xticklabels([str(k) for k in f.K])
        ax.set_xlabel("tax-year length K (steps)")
        ax.set_ylabel(metric_label(metric))
        ax.set_title(f"{metric_label(metric).split(' (')[0]}, last tax years", fontsize=10.5)
    ax = axes[0][-1]
    ks = sorted(curve.K.unique())
    cmap = mpl.colormaps["viridis"]
    for i, k in enumerate(ks):
        c = curve[curve.K == k].sort_values("offset")
        ax.plot(c.offset + 1, 100 * c.remaining, color=cmap(i / max(len(ks) - 1, 1)),
                lw=1.6, label=f"K = {k} ({int(c.n_moved.iloc[0])} moved)")
    ax.axhline(100 * level, color="0.4", ls="--", lw=1)
    ax.axhline(100, color="0.7", ls=":", lw=1)
    ax.text(1, 101, "stayed at the old l*", fontsize=8, color="0.4", va="bottom")
    ax.set_xscale("log")
    ax.set_ylim(0, max(130, 105 * float(curve.remaining.max()) if len(curve) else 130))
    ax.set_xlabel("steps since the rates changed (log scale)")
    ax.set_ylabel("move of l* still to close (%)")
    ax.set_title("re-adaptation after a rate change", fontsize=10.5)
    ax.legend(fontsize=8, loc="upper right")
    provenance_note(fig, backend, note)
    return fig
