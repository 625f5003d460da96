"""Figures for notebook 00: income vs the GB2 prior, demographic mix, skill by occupation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from econsim.economy.skills import ACS_2023_GB2
from econsim.economy.tax import US_FEDERAL_2024, TaxPreset, bracket_edges
from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note
from econsim.population.census import AGE_BANDS, OCCUPATIONS, CensusTable
from econsim.population.population import Population

# "independent" is the old name of "gb2" (notebook 00 still labels its tables with it)
_MODE_COLOURS = {"gb2": "#8c6bb1", "independent": "#8c6bb1", "joint": "#2e8b57"}


def _short(occupation: str) -> str:
    return occupation.removesuffix(" occupations").replace("serving related", "serving")


def plot_income_vs_prior(pop: Population, preset: TaxPreset = US_FEDERAL_2024) -> Figure:
    """Histogram of log income with the GB2 density and the bracket edges of ``preset`` (a
    :class:`~econsim.economy.tax.TaxPreset`); Q–Q against GB2."""
    edges = bracket_edges(preset, "preset")
    fig, axes = new_figure(ncols=2, width=11.5, height=4.3)
    ax, ax_q = axes[0]
    inc = np.maximum(pop.incomes_40h, 1.0)
    bins = np.linspace(2.5, 6.5, 81)
    ax.hist(np.log10(inc), bins=bins, density=True, color="0.75", label=f"sample (N={len(pop):,})")
    x = np.linspace(bins[0], bins[-1], 600)
    y = 10**x
    dens = np.gradient(ACS_2023_GB2.cdf(y), x)  # density in log10 income
    ax.plot(x, dens, color=ROLE_COLOURS["saez"], lw=1.8, label="ACS 2023 GB2 prior")
    for i, edge in enumerate(edges[1:]):
        ax.axvline(np.log10(edge), color=ROLE_COLOURS["us_federal"], ls=":", lw=1,
                   label="US 2024 bracket edges" if i == 0 else None)
    ticks = [1e3, 1e4, 1e5, 1e6]
    ax.set_xticks(np.log10(ticks), ["$1k", "$10k", "$100k", "$1M"])
    ax.set_xlabel("annual income at 40 h/week (log scale)")
    ax.set_ylabel("density (per log10 unit)")
    ax.set_title("Income distribution vs the skill prior")
    ax.legend(loc="upper left", fontsize=8)
    p = np.linspace(0.01, 0.99, 99)
    ax_q.loglog(ACS_2023_GB2.quantile(p), np.quantile(inc, p), "o", ms=3,
                color=ROLE_COLOURS["llm_planner"], label="percentiles 1–99")
    lim = [ACS_2023_GB2.quantile(0.01)[()], ACS_2023_GB2.quantile(0.99)[()]]
    ax_q.plot(lim, lim, color="0.3", lw=1, label="45° line")
    for edge in edges[1:]:
        ax_q.axhline(edge, color=ROLE_COLOURS["us_federal"], ls=":", lw=0.8)
    ax_q.set_xlabel("GB2 prior quantile (USD)")
    ax_q.set_ylabel("sample quantile (USD)")
    ax_q.set_title("Q–Q plot against the prior (dotted: bracket edges)")
    ax_q.legend(loc="upper left", fontsize=8)
    provenance_note(fig, "none", f"skills = {pop.config.get('skills')}, seed = "
                                 f"{pop.config.get('seed')}")
    return fig


def plot_demographic_mix(mix: pd.DataFrame, table: CensusTable) -> Figure:
    """Census occupation × age shares (heatmap) and sample vs census cell shares (scatter)."""
    fig, axes = new_figure(ncols=2, width=13.0, height=6.0)
    ax, ax_s = axes[0]
    shares = (mix.pivot(index="occupation", columns="age_band", values="census_share")
              .reindex(index=list(OCCUPATIONS), columns=list(AGE_BANDS)))
    im = ax.imshow(100 * shares.to_numpy(), cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(AGE_BANDS)), AGE_BANDS)
    ax.set_yticks(range(len(OCCUPATIONS)), [_short(o) for o in OCCUPATIONS], fontsize=7)
    ax.grid(False)
    ax.set_title("CPS 2023: employed, % of all (modelled three-way table)")
    fig.colorbar(im, ax=ax, label="% of employed persons", shrink=0.8)
    ax_s.plot(100 * mix["census_share"], 100 * mix["sample_share"], "o", ms=3,
              color=ROLE_COLOURS["llm_planner"])
    top = 100 * max(mix["census_share"].max(), mix["sample_share"].max()) * 1.05
    ax_s.plot([0, top], [0, top], color="0.3", lw=1)
    ax_s.set_xlabel("census share of cell (%)")
    ax_s.set_ylabel("sample share of cell (%)")
    n = int(mix["sample_count"].sum())
    ax_s.set_title(f"Occupation × age cells: sample (N={n:,}) vs census")
    provenance_note(fig, "none", f"{table.total:,.0f} thousand employed (CPS 2023)")
    return fig


def plot_income_by_occupation(occ_income: pd.DataFrame) -> Figure:
    """Median (and interquartile range) of income at 40 h per occupation for each skill mode."""
    order = (occ_income.drop_duplicates("occupation").sort_values("oews_median")["occupation"]
             .tolist())
    fig, axes = new_figure(width=9.5, height=7.0)
    ax = axes[0][0]
    ypos = {o: i for i, o in enumerate(order)}
    modes = list(dict.fromkeys(occ_income["mode"]))
    offsets = np.linspace(-0.2, 0.2, len(modes)) if len(modes) > 1 else [0.0]
    for off, mode in zip(offsets, modes, strict=True):
        sub = occ_income[occ_income["mode"] == mode]
        y = sub["occupation"].map(ypos).to_numpy() + off
        colour = _MODE_COLOURS.get(mode, "0.4")
        ax.hlines(y, sub["income_p25"], sub["income_p75"], color=colour, lw=2, alpha=0.6)
        ax.plot(sub["income_median"], y, "o", color=colour, ms=4, label=f"{mode}: median, IQR")
    oews = occ_income.drop_duplicates("occupation")
    ax.plot(oews["oews_median"], oews["occupation"].map(ypos), "k|", ms=10,
            label="OEWS May 2023 median wage")
    ax.set_xscale("log")
    ax.set_yticks(range(len(order)), [_short(o) for o in order], fontsize=7)
    ax.set_xlabel("annual income at 40 h/week (USD, log scale)")
    ax.set_title("Income by occupation: independent (paper) vs joint sampling")
    ax.legend(loc="upper left", fontsize=8)
    provenance_note(fig, "none", "occupations ordered by OEWS median wage")
    return fig
