"""The classroom notebook's sandbox (09): an interactive tax-policy sandbox with rational workers.

:func:`classroom_figure` computes the rational response to one schedule and draws labour,
revenue, the income distribution and welfare; :func:`classroom_app` wraps it in ipywidgets
controls (one slider per bracket, the utility preset and the welfare function) that redraw live.
Exercise answers come from :func:`flat_rate_answers` and
:func:`econsim.analysis.saez_by_elasticity`; :func:`econsim.figures.classroom.plot_exercises`
draws their curves. (It lives in the classroom package, not in ``figures``: it computes the
economy, and figures draw tables.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from numpy.typing import ArrayLike

from econsim.baselines.landscape import flat_rate_curves
from econsim.economy.outcomes import rational_step
from econsim.economy.tax import TAX_PRESETS, TaxPreset, TaxSchedule, bracket_edges
from econsim.economy.utility import UTILITY_PRESETS, UtilityParams, check_utility
from econsim.economy.welfare import OBJECTIVES, WELFARE_FUNCTIONS
from econsim.figures.classroom_base import UTILITY_WORDS, WELFARE_WORDS
from econsim.figures.style import ROLE_COLOURS, new_figure, provenance_note
from econsim.validation import check_resolved


def classroom_figure(skill: ArrayLike, brackets: TaxPreset, rates: Sequence[float],
                     utility: UtilityParams, welfare: str, utility_name: str = "") -> Figure:
    """Four panels for one tax schedule, every worker best-responding exactly.

    (1) weekly hours against skill; (2) the schedule and the tax each worker pays; (3) pre- and
    post-tax income distributions; (4) the chosen welfare function for this schedule against
    no tax and the statutory rates (US federal 2024) when ``brackets`` has them. ``brackets``
    and ``utility`` are objects (``TAX_PRESETS.get(name)``, ``UTILITY_PRESETS.get(name)``);
    ``utility_name`` only labels the title.
    """
    s = np.asarray(skill, dtype=float)
    check_resolved(brackets, TaxPreset, "brackets", f"TAX_PRESETS.get({brackets!r})")
    preset = brackets
    cut = bracket_edges(brackets, "brackets")
    params = check_utility(utility)
    sched = TaxSchedule(cut, np.asarray(rates, dtype=float))
    out = rational_step(s, sched, params)
    wf = WELFARE_FUNCTIONS.get(welfare)
    fig, axes = new_figure(ncols=2, nrows=2, width=11.5, height=7.6)
    (ax_l, ax_t), (ax_d, ax_w) = axes
    order = np.argsort(s)
    inc40 = s[order] * 40 / 1000
    ax_l.plot(inc40, out.labour[order], color=ROLE_COLOURS["llm_planner"], lw=1.5)
    ax_l.set_xscale("log")
    ax_l.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.4g}"))
    ax_l.set_ylim(-3, 103)
    ax_l.set_xlabel("income at 40 h/week (USD thousands, log scale)")
    ax_l.set_ylabel("chosen weekly hours")
    ax_l.set_title(f"labour: mean {out.labour.mean():.0f} h, "
                   f"{(out.labour == 0).mean():.0%} idle", fontsize=10.5)
    zmax = max(float(np.quantile(out.pre_tax_income, 0.99)), float(cut[-1]) * 1.2, 1.0)
    grid = np.linspace(0, zmax, 400)
    ax_t.plot(grid / 1000, sched.tax(grid) / 1000, color=ROLE_COLOURS["saez"], lw=1.5,
              label="tax owed T(z)")
    ax_t.plot(grid / 1000, grid / 1000, color="0.7", lw=0.8, ls=":", label="100 % of income")
    ax_t.scatter(out.pre_tax_income / 1000, out.tax / 1000, s=6, color="0.25", alpha=0.5,
                 label="workers")
    ax_t.set_xlim(0, zmax / 1000)
    ax_t.set_ylim(0, max(float(sched.tax(np.array([zmax]))[0]), 1.0) / 1000 * 1.05)
    ax_t.set_xlabel("pre-tax income z (USD thousands; top 1 % off the axis)")
    ax_t.set_ylabel("tax (USD thousands)")
    ax_t.set_title(f"revenue ${out.tax.mean():,.0f} per worker = rebate to each",
                   fontsize=10.5)
    ax_t.legend(fontsize=8, loc="upper left")
    bins = np.linspace(0, max(float(np.quantile(out.pre_tax_income, 0.98)), 1.0) / 1000, 40)
    # outlines, not overlapping fills: a blend of two fills is a colour the legend lacks
    ax_d.hist(np.clip(out.pre_tax_income / 1000, 0, bins[-1]), bins=bins, histtype="step",
              lw=1.8, color=ROLE_COLOURS["us_federal"], label="before tax")
    ax_d.hist(np.clip(out.post_tax_income / 1000, 0, bins[-1]), bins=bins, histtype="step",
              lw=1.8, ls="--", color=ROLE_COLOURS["stackelberg"],
              label="after tax and rebate")
    ax_d.set_xlabel("income (USD thousands; the top 2 % in the last bin)")
    ax_d.set_ylabel("workers")
    ax_d.set_title("income distribution", fontsize=10.5)
    ax_d.legend(fontsize=8)
    compare = {"this schedule": sched, "no tax": TaxSchedule(cut, np.zeros(cut.size))}
    if preset.statutory_rates is not None:
        compare["US federal 2024"] = TaxSchedule(cut, preset.statutory_rates)
    values = {k: wf(o.utility, o.pre_tax_income, o.post_tax_income)
              for k, o in ((k, rational_step(s, v, params)) for k, v in compare.items())}
    colours = [ROLE_COLOURS["llm_planner"], ROLE_COLOURS["flat"], ROLE_COLOURS["us_federal"]]
    # dots on a zoomed axis, not bars from 0: bars from 0 hide gaps of a few percent
    ax_w.scatter(list(values.values()), list(values), s=60, color=colours[:len(values)],
                 zorder=3)
    ax_w.hlines(list(values), min(values.values()), list(values.values()), color="0.8", lw=1)
    lo, hi = min(values.values()), max(values.values())
    pad = max(hi - lo, 1e-9 + abs(hi) * 0.01) * 0.35
    left = lo - pad if lo - pad > 0 or lo < 0 else -0.04 * (hi - lo)  # no negative axis for
    ax_w.set_xlim(left, hi + 2.2 * pad)                                 # non-negative values
    ax_w.invert_yaxis()
    ax_w.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax_w.xaxis.set_major_locator(MaxNLocator(4))
    ax_w.set_xlabel(WELFARE_WORDS.get(welfare, wf.label)
                    + (" (axis does not start at 0)" if left > 0 else ""))
    ax_w.set_title("welfare of this schedule and two others", fontsize=10.5)
    for i, v in enumerate(values.values()):
        ax_w.text(v, i, f" {v:,.0f}" if abs(v) >= 100 else f" {v:.3g}", va="center",
                  fontsize=8.5)
    title = UTILITY_WORDS.get(utility_name, utility_name) or (
        f"c = {params.c:g}, δ = {params.delta:g}")
    fig.suptitle(f"{title} utility; rates "
                 + ", ".join(f"{100 * r:.0f}" for r in sched.rates) + " %", fontsize=11)
    provenance_note(fig, "none", f"{s.size:,} rational workers, exact best responses")
    return fig


def classroom_app(skill: ArrayLike, tax_preset: str = "us_federal_2024",
                  rates: Sequence[float] | None = None, utility: str = "calibrated",
                  welfare: str = "atkinson") -> object:
    """An ipywidgets app: one rate slider per bracket (%), utility and welfare drop-downs, and
    the :func:`classroom_figure` redrawn as a PNG image whenever a control changes.

    The figure is an ``Image`` widget rather than an ``Output`` widget capturing ``display``:
    no output capture is involved, so the app also executes cleanly under papermill.
    Returns the top-level widget (display it in a notebook). An entry point: its controls
    hold preset names, so it takes names and resolves them (once per redraw).
    """
    import io

    import ipywidgets as w
    import matplotlib.pyplot as plt

    preset = TAX_PRESETS.get(tax_preset)
    start = list(rates) if rates is not None else list(preset.statutory_rates
                                                       or [0.3] * len(preset.cutoffs))
    sliders = [w.IntSlider(value=round(100 * r), min=0, max=100, step=1,
                           description=f"above ${c:,.0f}", continuous_update=False,
                           layout=w.Layout(width="320px"))
               for c, r in zip(preset.cutoffs, start, strict=True)]
    util = w.Dropdown(options=list(UTILITY_PRESETS), value=utility, description="utility")
    wel = w.Dropdown(options=list(OBJECTIVES), value=welfare, description="welfare")
    image = w.Image(format="png", layout=w.Layout(width="860px"))

    def redraw(*_: object) -> None:
        fig = classroom_figure(skill, preset, [sl.value / 100 for sl in sliders],
                               UTILITY_PRESETS.get(util.value), wel.value, util.value)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        plt.close(fig)
        image.value = buffer.getvalue()

    for control in (*sliders, util, wel):
        control.observe(redraw, names="value")
    redraw()
    controls = w.VBox([w.HTML("<b>marginal rate per bracket (%)</b>"), *sliders, util, wel])
    return w.HBox([controls, image])


def flat_rate_answers(skill: ArrayLike, utilities: Mapping[str, UtilityParams],
                      n_rates: int = 101) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exercise answers along flat rates: the long curves table and, per utility (``utilities``
    maps labels to parameters), the revenue-maximising rate, the rate maximising the paper SWF
    (with the idle share there) and the utilitarian optimum."""
    rates = np.round(np.linspace(0.0, 1.0, n_rates), 4)
    curves = flat_rate_curves(skill, utilities, rates)
    rows = []
    for utility in utilities:
        c = curves[curves.utility == utility].pivot(index="rate", columns="metric",
                                                    values="value")
        rev, swf = c.revenue_per_worker.idxmax(), c.paper_swf.idxmax()
        rows.append({"utility": utility, "revenue_max_rate": float(rev),
                     "max_revenue_per_worker": float(c.revenue_per_worker.max()),
                     "paper_swf_max_rate": float(swf),
                     "idle_share_at_paper_swf_max": float(c.share_zero_hours.loc[swf]),
                     "utilitarian_max_rate": float(c.utilitarian.idxmax())})
    return curves, pd.DataFrame(rows)
