"""Figures shared by the simulation notebooks (02–08): welfare over time with baseline lines and
per-bracket rates of several planners side by side.

Inputs are the tidy tables of :mod:`econsim.analysis`; every function returns a Figure stamped
with the backend that produced the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from econsim.analysis import PLANNER_LABELS
from econsim.analysis.runs import t_band
from econsim.economy.welfare import WELFARE_FUNCTIONS
from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note

#: Planner kind → colour role in :data:`econsim.figures.style.ROLE_COLOURS`.
_PLANNER_ROLE = {"llm": "llm_planner", "saez": "saez", "saez_v1": "saez_v1",
                 "us_federal": "us_federal", "stackelberg": "stackelberg", "fixed": "flat"}
#: Null baselines in light, muted tones: what chance (random) and inaction (start kept) give.
_EXTRA = {"saez_empirical": "#e09f3e", "random": "#a3a3a3", "keep_start": "#c9b27c"}
#: Colours for groups without a role (avoid the role colours blue, red, grey and green).
_PALETTE = ["#8c6bb1", "#e09f3e", "#17becf", "#a6761d", "#e377c2", "#bcbd22", "#7f7f7f",
            "#1f78b4", "#b2df8a", "#fb9a99"]

#: Extra labels for step-table columns that are not welfare functions.
METRIC_LABELS = {
    "mean_labour": "mean weekly hours",
    "mean_satisfaction": "share satisfied (r = 1) · 0.5 + 0.5",
    "revenue": "tax revenue per step (USD)",
    "objective": "planner's objective",
}


def metric_label(metric: str) -> str:
    """Axis label of a metric (welfare functions carry their unit in the registry label)."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    try:
        return WELFARE_FUNCTIONS.get(metric).label
    except ValueError:
        return metric.replace("_", " ")


def group_label(value: object) -> str:
    """Display label of a group value (planner kinds get readable names)."""
    return PLANNER_LABELS.get(str(value), str(value))


def group_colour(value: object, order: int = 0) -> object:
    """Colour of a planner kind or schedule label; other groups cycle through tab10."""
    key = str(value)
    if key in _PLANNER_ROLE:
        return ROLE_COLOURS[_PLANNER_ROLE[key]]
    if key in _EXTRA:
        return _EXTRA[key]
    for prefix, role in (("US", "us_federal"), ("Stackelberg", "stackelberg"),
                         ("Saez v1", "saez_v1"), ("Saez (v1", "saez_v1"), ("Saez", "saez"),
                         ("LLM", "llm_planner")):
        if key.startswith(prefix):
            return ROLE_COLOURS[role]
    return _PALETTE[order % len(_PALETTE)]


_BASELINE_STYLE = {"US": ":", "Saez v1": (0, (1, 2)), "Saez": "--", "Stackelberg": "-."}


def _baseline_style(name: str) -> object:
    for prefix, ls in _BASELINE_STYLE.items():
        if name.startswith(prefix):
            return ls
    return "--"


def _band(ax: Axes, frame: pd.DataFrame, metric: str, colour: object, label: str,
          band: str = "ci") -> None:
    """Mean over runs (seeds) per step with a band: ``"ci"`` its 95 % t interval, ``"range"``
    the min–max across runs."""
    g = frame.groupby("step")[metric]
    mean = g.mean()
    if band == "ci":
        lo, hi = t_band(mean, g.std().fillna(0.0), g.count())
    else:
        lo, hi = g.min().to_numpy(), g.max().to_numpy()
    ax.plot(mean.index, mean.to_numpy(), color=colour, lw=1.6, label=label)
    if frame["variant"].nunique() > 1:
        ax.fill_between(mean.index, lo, hi, color=colour, alpha=0.15, lw=0)


def plot_swf_over_time(years: pd.DataFrame, metrics: Sequence[str], *, group: str = "planner",
                       baselines: pd.DataFrame | None = None, backend: str = "surrogate",
                       title: str = "", note: str = "", symlog: Sequence[str] = ("paper_swf",),
                       baseline_note: str = "exact, rational workers",
                       legend_title: str = "lines: simulated\nhorizontal: exact reference",
                       band: str = "ci") -> Figure:
    """Tax-year means of welfare metrics over time, one line per group, with baseline lines.

    Parameters
    ----------
    years
        Output of :func:`econsim.analysis.tax_year_means` with a ``group`` column; several
        variants per group (seeds) are drawn as their mean with a band: ``band="ci"`` (default) the
        95 % t interval of the mean across seeds, ``"range"`` their min–max.
    metrics
        One panel per metric (step-table columns).
    baselines
        Optional long table (schedule, metric, value): horizontal reference lines, e.g. the exact
        rational-worker welfare of Saez, US federal and the Stackelberg optimum.
    symlog
        Metrics drawn on a symmetric-log axis (the paper SWF spans orders of magnitude).
    band
        ``"ci"`` or ``"range"`` (see ``years``).
    """
    if band not in ("ci", "range"):
        raise ValueError(f"band must be 'ci' or 'range'; got {band!r}")
    fig, axes = new_figure(ncols=len(metrics), width=5.4 * len(metrics) + 3.6, height=4.4)
    groups = list(dict.fromkeys(years[group]))
    for j, metric in enumerate(metrics):
        ax = axes[0][j]
        for i, g in enumerate(groups):
            _band(ax, years[years[group] == g], metric, group_colour(g, i), group_label(g), band)
        if baselines is not None:
            b = baselines[baselines.metric == metric]
            for i, row in enumerate(b.itertuples()):
                ax.axhline(row.value, color=group_colour(row.schedule, i), lw=1.3,
                           ls=_baseline_style(row.schedule),
                           label=f"{row.schedule}\n({baseline_note})")
        if metric in symlog:
            ax.set_yscale("symlog", linthresh=10.0)
        ax.set_xlabel("step (tax-year means; each tax year = K steps)")
        ax.set_ylabel(metric_label(metric) + (" (symlog)" if metric in symlog else ""))
        ax.set_title(metric_label(metric).split(" (")[0], fontsize=11)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False,
               title=legend_title, title_fontsize=8.5, alignment="left")
    if title:
        fig.suptitle(title, fontsize=12)
    provenance_note(fig, backend, note)
    return fig


def plot_bracket_rates(rates: pd.DataFrame, *, group: str = "schedule",
                       reference: Mapping[int, float] | None = None,
                       reference_label: str = "", backend: str = "surrogate", title: str = "",
                       note: str = "", legend_columns: int | None = None) -> Figure:
    """Per-bracket marginal rates of several planners or schedules as grouped bars
    (``legend_columns``: entries per legend row, default up to 5).

    ``rates`` is a long table (group, bracket, lower_edge, rate[, rate_min, rate_max]); learned
    schedules averaged over seeds show the 95 % interval of the mean rate (``ci_low``/``ci_high``,
    else the min–max across seeds) as error bars. ``reference``
    (bracket → rate) marks published values as hollow diamonds.
    """
    groups = list(dict.fromkeys(rates[group]))
    n_br = int(rates.bracket.max()) + 1
    fig, axes = new_figure(width=max(7.5, 1.25 * n_br + 3), height=4.6)
    ax = axes[0][0]
    width = 0.84 / len(groups)
    for j, g in enumerate(groups):
        s = rates[rates[group] == g].sort_values("bracket")
        x = s.bracket.to_numpy() + (j - (len(groups) - 1) / 2) * width
        y = 100 * s.rate.to_numpy()
        ax.bar(x, y, width=width, color=group_colour(g, j), label=group_label(g),
               edgecolor="white", linewidth=0.4)
        lo, hi = ("ci_low", "ci_high") if {"ci_low", "ci_high"} <= set(s) else \
            ("rate_min", "rate_max")
        if {lo, hi} <= set(s) and (s[hi] - s[lo]).max() > 1e-9:
            ax.errorbar(x, y, yerr=[np.maximum(y - 100 * s[lo].to_numpy(), 0),
                                    np.maximum(100 * s[hi].to_numpy() - y, 0)],
                        fmt="none", ecolor="0.15", elinewidth=0.8, capsize=2)
    if reference:
        xs = np.array(sorted(reference))
        ax.plot(xs, [100 * reference[k] for k in xs], "D", mfc="none", mec="black", ms=8,
                mew=1.4, label=reference_label or "published value")
    edges = rates[rates[group] == groups[0]].sort_values("bracket").lower_edge.to_numpy()
    ax.set_xticks(np.arange(n_br))
    ax.set_xticklabels([f"${e / 1000:,.1f}k+" if e % 1000 else f"${e / 1000:,.0f}k+"
                        for e in edges], fontsize=8.5)
    ax.set_xlabel("bracket (lower edge of pre-tax income, USD)")
    ax.set_ylabel("marginal tax rate (%)")
    ax.set_ylim(0, 109)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center",
               ncol=min(legend_columns or 5, len(labels)),
               fontsize=8.5, frameon=False)
    ax.set_title(title or "Per-bracket marginal rates", fontsize=11)
    provenance_note(fig, backend, note)
    return fig
