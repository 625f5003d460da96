"""Figures of the policy landscape (notebook 01)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from econsim.economy.welfare import OBJECTIVES, WELFARE_FUNCTIONS
from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note

_METRIC_STYLE = dict(zip(OBJECTIVES, ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))],
                         strict=True))


def plot_flat_rate_curves(curves: pd.DataFrame, metrics: Sequence[str] = OBJECTIVES) -> Figure:
    """Welfare (each objective scaled to its own maximum) and behaviour along flat rates.

    One row per utility preset; left: every objective divided by its maximum over the rates,
    with the maximising rate marked; right: mean weekly hours and revenue per worker.
    """
    utilities = list(dict.fromkeys(curves.utility))
    fig, axes = new_figure(ncols=2, nrows=len(utilities), width=11, height=3.4 * len(utilities))
    for row, utility in enumerate(utilities):
        ax, ax_b = axes[row]
        sub = curves[curves.utility == utility]
        for metric in metrics:
            m = sub[sub.metric == metric].sort_values("rate")
            v = m["value"].to_numpy()
            scaled = v / np.max(np.abs(v)) if np.max(np.abs(v)) > 0 else v
            line, = ax.plot(100 * m.rate, scaled, ls=_METRIC_STYLE.get(metric, "-"),
                            label=WELFARE_FUNCTIONS.get(metric).label)
            best = int(np.argmax(v))
            ax.plot(100 * m.rate.iloc[best], scaled[best], "o", color=line.get_color(), ms=5)
        ax.set_title(f"'{utility}' utility: welfare vs flat rate (dots = maximum)")
        ax.set_xlabel("flat tax rate (%)")
        ax.set_ylabel("welfare / its maximum")
        if row == 0:
            ax.legend(loc="lower left", fontsize=7.5)
        hours = sub[sub.metric == "mean_labour"].sort_values("rate")
        revenue = sub[sub.metric == "revenue_per_worker"].sort_values("rate")
        ax_b.plot(100 * hours.rate, hours["value"], color="0.2", label="mean hours")
        ax_b.set_ylabel("mean weekly hours")
        ax_b.set_xlabel("flat tax rate (%)")
        ax_r = ax_b.twinx()
        ax_r.plot(100 * revenue.rate, revenue["value"] / 1000, color=ROLE_COLOURS["saez"],
                  label="revenue per worker")
        ax_r.set_ylabel("revenue per worker (USD thousands)", color=ROLE_COLOURS["saez"])
        ax_r.grid(False)
        ax_b.set_title(f"'{utility}' utility: hours and revenue (rational workers)")
        ax_b.legend(handles=ax_b.get_lines() + ax_r.get_lines(), loc="lower left", fontsize=8)
    provenance_note(fig, "none", "rational workers, exact best responses")
    return fig


def plot_paper_swf_pathology(curves: pd.DataFrame, utility: str = "calibrated") -> Figure:
    """The paper's Σu/max(z,1) against utilitarian welfare along flat rates, with idle workers.

    The paper's metric gives an idle worker (z = 0) weight 1 instead of ~1/z, so it climbs as
    rising rates push workers to zero hours, while mean utility falls.
    """
    sub = curves[curves.utility == utility]
    fig, axes = new_figure(ncols=2, width=11, height=3.8)
    ax, ax_b = axes[0]

    def series(metric: str) -> pd.DataFrame:
        return sub[sub.metric == metric].sort_values("rate")

    swf, util, idle = series("paper_swf"), series("utilitarian"), series("share_zero_hours")
    ax.plot(100 * swf.rate, swf["value"], color=ROLE_COLOURS["llm_planner"],
            label="paper SWF Σu/max(z,1)")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("flat tax rate (%)")
    ax.set_ylabel("paper SWF (symlog scale)")
    ax_r = ax.twinx()
    ax_r.plot(100 * util.rate, util["value"] / 1000, color=ROLE_COLOURS["stackelberg"], ls="--",
              label="mean utility")
    ax_r.set_ylabel("mean utility (USD thousands)", color=ROLE_COLOURS["stackelberg"])
    ax_r.grid(False)
    ax.legend(handles=ax.get_lines() + ax_r.get_lines(), loc="lower center", fontsize=8)
    ax.set_title(f"'{utility}' utility: the paper's SWF rewards confiscation")
    ax_b.plot(100 * idle.rate, 100 * idle["value"], color="0.2")
    ax_b.set_xlabel("flat tax rate (%)")
    ax_b.set_ylabel("workers choosing 0 hours (%)")
    ax_b.set_title("each idle worker gets weight 1 in Σu/max(z,1)")
    provenance_note(fig, "none", "rational workers, exact best responses")
    return fig


def _schedule_colour(name: str) -> str:
    if name.startswith("US"):
        return ROLE_COLOURS["us_federal"]
    if name.startswith("Stackelberg"):
        return ROLE_COLOURS["stackelberg"]
    if name.startswith("Saez v1"):
        return ROLE_COLOURS["saez_v1"]
    if name.startswith("Saez"):
        return ROLE_COLOURS["saez"]
    return "0.5"


_HATCH = {"flat_0.4": "", "gruber_saez": "//", "ai_economist_3.0": ".."}


def plot_schedules(table: pd.DataFrame) -> Figure:
    """Per-bracket marginal rates of every baseline schedule; one panel per (preset, utility).

    ``table`` is the long output of :func:`econsim.baselines.landscape.schedules_table` with columns
    ``tax_preset`` and ``utility`` as labels.
    """
    presets = list(dict.fromkeys(table.tax_preset))
    utilities = list(dict.fromkeys(table.utility))
    fig, axes = new_figure(ncols=len(utilities), nrows=len(presets), width=13,
                           height=3.3 * len(presets) + 0.6)
    legend: tuple[list, list] = ([], [])
    for r, preset in enumerate(presets):
        for c, utility in enumerate(utilities):
            ax = axes[r][c]
            sub = table[(table.tax_preset == preset) & (table.utility == utility)]
            names = list(dict.fromkeys(sub.schedule))
            n_br = int(sub.bracket.max()) + 1
            width = 0.85 / len(names)
            for j, name in enumerate(names):
                s = sub[sub.schedule == name].sort_values("bracket")
                hatch = next((h for k, h in _HATCH.items() if k in name), "")
                ax.bar(np.arange(n_br) + (j - (len(names) - 1) / 2) * width, 100 * s.rate,
                       width=width, color=_schedule_colour(name), hatch=hatch,
                       edgecolor="white", linewidth=0.4, label=name)
            edges = sub[sub.schedule == names[0]].sort_values("bracket").lower_edge
            ax.set_xticks(np.arange(n_br))
            ax.set_xticklabels([f"${e / 1000:,.0f}k+" for e in edges], fontsize=8)
            ax.set_ylim(0, 105)
            ax.set_ylabel("marginal rate (%)")
            ax.set_title(f"{preset} brackets, '{utility}' utility", fontsize=10)
            handles, labels = ax.get_legend_handles_labels()
            if len(labels) > len(legend[1]):
                legend = (handles, labels)
    fig.supxlabel("bracket (lower edge of pre-tax income)", fontsize=10)
    fig.legend(*legend, loc="outside upper center", ncol=4, fontsize=8, frameon=False)
    provenance_note(fig, "none", "rational workers; Saez on realised incomes (fixed point)")
    return fig


def plot_schedule_welfare(welfare: pd.DataFrame, metrics: Sequence[str] = OBJECTIVES) -> Figure:
    """Heat map: each schedule's welfare under each objective, as a share of the best schedule.

    One panel per utility preset; cells read "1.00" for the best schedule under that objective.
    """
    utilities = list(dict.fromkeys(welfare.utility))
    fig, axes = new_figure(ncols=len(utilities), width=13, height=4.6)
    for c, utility in enumerate(utilities):
        ax = axes[0][c]
        sub = welfare[(welfare.utility == utility) & welfare.metric.isin(metrics)]
        grid = sub.pivot(index="schedule", columns="metric", values="value")[list(metrics)]
        best = grid.max(axis=0)
        rel = grid / best.where(best != 0, 1.0)
        im = ax.imshow(rel.to_numpy(), cmap="viridis", vmin=min(0.0, float(np.nanmin(rel))),
                       vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(metrics)))
        ax.set_xticklabels([m.replace("_", "\n") for m in metrics], fontsize=8)
        ax.set_yticks(range(len(rel.index)))
        ax.set_yticklabels(rel.index, fontsize=8)
        ax.grid(False)
        for i in range(rel.shape[0]):
            for j in range(rel.shape[1]):
                v = rel.iat[i, j]
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if v < 0.6 else "black")
        ax.set_title(f"'{utility}' utility: welfare / best schedule's", fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.8)
    provenance_note(fig, "none", "rational workers, US 2024 brackets")
    return fig
