"""Figures of notebook 06 (scalability): cost and welfare against N; cluster-batching fidelity.

Inputs are the tables of :func:`econsim.analysis.costs.measure_runs` and
:func:`econsim.analysis.fidelity.cluster_fidelity`.
"""

from __future__ import annotations

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note

#: Colour per cost mode.
MODE_COLOURS = {"per-agent calls": ROLE_COLOURS["llm_planner"],
                "cluster calls": ROLE_COLOURS["saez"],
                "vectorised surrogate": ROLE_COLOURS["stackelberg"]}
_MARKERS = {"per-agent calls": "o", "cluster calls": "s", "vectorised surrogate": "^"}


def _series(costs: pd.DataFrame):  # noqa: ANN202 - yields (label, mode, frame)
    for label, f in costs.groupby("label", sort=False):
        yield label, f["mode"].iloc[0], f.sort_values("n_agents")


def plot_cost_and_swf(costs: pd.DataFrame, *, backend: str = "surrogate", note: str = ""
                      ) -> Figure:
    """Two panels against N (log scale): LLM calls per step and mean utility (utilitarian
    welfare) over the second half of each run. Both are fixed by the configuration and seed;
    wall time, a measurement of the machine, is in :func:`plot_wall_time`."""
    fig, axes = new_figure(ncols=2, width=11.0, height=4.4)
    ax_c, ax_w = axes[0]
    for label, mode, f in _series(costs):
        style = _style(mode)
        ax_c.plot(f.n_agents, f.calls_per_step.clip(lower=1e-2), label=label, **style)
        ax_w.plot(f.n_agents, f.utilitarian, label=label, **style)
    for ax in (ax_c, ax_w):
        ax.set_xscale("log")
        ax.set_xlabel("number of workers N")
    ax_c.set_yscale("log")
    ax_c.set_ylabel("LLM calls per step")
    ax_c.set_title("calls (planner only for the vectorised economy)", fontsize=10.5)
    ax_w.set_ylabel("mean utility, 2nd half of the run (USD)")
    ax_w.set_title("welfare", fontsize=10.5)
    ax_c.legend(fontsize=8, loc="center right")
    provenance_note(fig, backend, note)
    return fig


def plot_wall_time(costs: pd.DataFrame, *, backend: str = "surrogate", note: str = ""
                   ) -> Figure:
    """Wall time per step against N (log–log), per mode: a measurement of this machine."""
    fig, axes = new_figure(ncols=1, width=6.5, height=4.4)
    ax = axes[0][0]
    for label, mode, f in _series(costs):
        ax.plot(f.n_agents, f.s_per_step, label=label, **_style(mode))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of workers N")
    ax.set_ylabel("wall time per step (s)")
    ax.set_title("time per step on this machine", fontsize=10.5)
    ax.legend(fontsize=8, loc="upper left")
    provenance_note(fig, backend, note)
    return fig


def _style(mode: str) -> dict:
    style = dict(color=MODE_COLOURS.get(mode, "0.4"), marker=_MARKERS.get(mode, "o"), lw=1.6,
                 ms=5)
    if mode == "cluster calls":
        style["ls"] = "--"
    return style


def plot_fidelity(report_table: pd.DataFrame, trajectories: pd.DataFrame, *,
                  backend: str = "surrogate", note: str = "") -> Figure:
    """Left: mean utility over time, per-agent calls vs cluster batching (each K) and the
    per-agent run with another LLM seed. Right: errors against the per-agent run — labour
    distribution distance (hours) and relative error of mean utility (%), per mode."""
    fig, axes = new_figure(ncols=2, width=12.0, height=4.4)
    ax, ax_e = axes[0]
    modes = list(report_table["mode"])
    cmap = mpl.colormaps["plasma"]
    ks = [m for m in modes if m.startswith("K=")]
    for m in modes:
        t = trajectories[trajectories["mode"] == m]
        if m == "per-agent":
            style = dict(color="black", lw=2.0)
        elif m.startswith("per-agent"):
            style = dict(color="0.55", lw=1.4, ls=":")
        else:
            style = dict(color=cmap(0.1 + 0.75 * ks.index(m) / max(len(ks) - 1, 1)), lw=1.2)
        ax.plot(t.step, t.utilitarian, label=m, **style)
    ax.set_xlabel("step")
    ax.set_ylabel("mean utility (USD)")
    ax.set_title("welfare over time", fontsize=10.5)
    ax.legend(fontsize=8)
    others = report_table[report_table["mode"] != "per-agent"]
    x = range(len(others))
    ax_e.bar([i - 0.2 for i in x], others.labour_w1, width=0.4, color=MODE_COLOURS[
        "cluster calls"], label="labour distance W1 (h), last tax year")
    ax_r = ax_e.twinx()
    ax_r.bar([i + 0.2 for i in x], 100 * others.utilitarian_rel_error, width=0.4,
             color=ROLE_COLOURS["llm_planner"], label="mean-utility error (%)")
    ax_e.set_xticks(list(x))
    ax_e.set_xticklabels([m.replace(" (other LLM seed)", "\n(other seed)") for m in
                          others["mode"]], fontsize=8)
    ax_e.set_ylabel("Wasserstein-1 distance of labour (h)")
    ax_r.set_ylabel("relative error of mean utility (%)")
    ax_e.set_title("difference from per-agent calls", fontsize=10.5)
    h1, l1 = ax_e.get_legend_handles_labels()
    h2, l2 = ax_r.get_legend_handles_labels()
    ax_e.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper right")
    provenance_note(fig, backend, note)
    return fig
