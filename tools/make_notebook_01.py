"""Regenerate notebooks/01_policy_landscape.ipynb (outputs stripped). Run from the repo root."""

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

cells = [
    md("""# 01 · The policy landscape with rational workers

**What is simulated.** A population of workers drawn from the ACS 2023 income prior (GB2) chooses
weekly hours from {0, 10, …, 100}. Pre-tax income is skill × hours; a piecewise-linear income tax
is collected and rebated equally to everyone; utility is post-tax income minus the cost of work
$c\\,l^{\\delta}$. Here every worker is *rational*: it plays its exact best response to the tax
schedule (no language model is involved). This is the benchmark against which the paper's LLM
agents are judged (claims C2 and C3 in `EXPERIMENTS.md`).

**What this notebook shows.**
1. Welfare along *flat* tax rates under every welfare function, for the paper's utility constants
   ($c = 0.0005$, $\\delta = 3.5$) and for a *calibrated* preset in which the median worker works
   about 40 h when untaxed.
2. The pathology of the paper's welfare metric $\\sum_i u_i / \\max(z_i, 1)$.
3. The baseline schedules the paper compares with — US federal 2024, Saez (2001) at three
   elasticities (evaluated properly and as in the released v1 code) and the exact Stackelberg
   optimum — on the flat, three-bracket and seven-bracket (US) schedules.
"""),
    code("""# Parameters (papermill overrides these; see notebooks/profiles.yaml)
n_agents: int = 10_000  # workers sampled from the GB2 income prior
seed: int = 42  # seeds the population sample and the Stackelberg search
utilities: list = ["paper", "calibrated"]  # utility presets compared side by side
tax_presets: list = ["flat", "three", "us_federal_2024"]  # bracket structures
elasticities: list = ["flat_0.4", "gruber_saez", "ai_economist_3.0"]  # Saez elasticities
objective: str = "paper_swf"  # welfare function the Stackelberg reference maximises
n_flat_rates: int = 41  # points on the flat-rate grid from 0 % to 100 %
results_dir: str = "results/01_policy_landscape"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures""", metadata={"tags": ["parameters"]}),
    code("""import time

import numpy as np
import pandas as pd
from IPython.display import display

from econsim import landscape
from econsim.figures.landscape import (plot_flat_rate_curves, plot_paper_swf_pathology,
                                       plot_schedule_welfare, plot_schedules)
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.skills import sample_skills
from econsim.welfare import OBJECTIVES

started = time.time()
results = output_dir(results_dir)
skills = sample_skills(n_agents, np.random.default_rng(seed))
outputs = []
print(f"{n_agents:,} workers; income at 40 h: median ${np.median(skills) * 40:,.0f}, "
      f"p90 ${np.quantile(skills, 0.9) * 40:,.0f}")"""),
    md("""## 1. Welfare along flat tax rates

Each curve is one welfare function divided by its own maximum over the rates, so all fit one axis;
a dot marks the maximising rate. *Utilitarian* welfare (mean utility) is highest with no tax at
all: with quasi-linear utility and an equal rebate, taxes only move money around and discourage
work. Welfare functions that care about the worst-off (Rawlsian, inverse-income weights, Atkinson)
want substantial rates. Under the paper's constants, labour hardly responds (most workers would
like more than 100 h), so high rates cost little; the calibrated preset makes the trade-off real.
"""),
    code("""curves = landscape.flat_rate_curves(skills, utilities, np.linspace(0.0, 1.0, n_flat_rates))
curves.to_csv(results / "flat_rate_curves.csv", index=False, float_format="%.10g")
best_flat = landscape.argmax_rates(curves, OBJECTIVES)
best_flat.to_csv(results / "best_flat_rates.csv", index=False, float_format="%.10g")
outputs += ["flat_rate_curves.csv", "best_flat_rates.csv"]
display(best_flat.pivot(index="metric", columns="utility", values="best_flat_rate"))
fig = plot_flat_rate_curves(curves)
outputs += save_figure(fig, "01_flat_rate_curves", figures_dir)"""),
    md("""## 2. The paper's welfare metric rewards confiscation

The paper scores a policy by $\\sum_i u_i / \\max(z_i, 1)$. A worker who earns nothing gets weight
1 instead of roughly $1/z$, so every worker pushed to zero hours adds its whole utility — which is
then just the rebate. The metric therefore *rises* as taxes become confiscatory, while mean
utility falls. We report it for fidelity and always show the other welfare functions beside it.
"""),
    code("""fig = plot_paper_swf_pathology(curves, "calibrated" if "calibrated" in utilities else utilities[0])
outputs += save_figure(fig, "01_paper_swf_pathology", figures_dir)"""),
    md("""## 3. Baseline schedules side by side

* **US federal 2024**: the statutory single-filer rates (seven brackets only).
* **Saez**: $\\tau = (1-G)/(1-G+a\\,e)$ per bracket, evaluated on the incomes rational workers
  actually earn under those same rates (a fixed point), with the top bracket's Pareto parameter
  from the mean income above its cutoff. *Saez v1* reproduces the released code's shortcut
  (skills × 100 at bracket midpoints).
* **Stackelberg**: the rates that maximise the chosen welfare function when every worker
  best-responds — exhaustive on the 10-point lattice for 1 and 3 brackets, a coordinate search
  refined by SciPy for 7.
"""),
    code("""schedules, welfare = landscape.baseline_tables(skills, tax_presets, utilities, elasticities,
                                             objective=objective, seed=seed)
schedules.to_csv(results / "schedules.csv", index=False, float_format="%.10g")
welfare.to_csv(results / "schedule_welfare.csv", index=False, float_format="%.10g")
outputs += ["schedules.csv", "schedule_welfare.csv"]
fig = plot_schedules(schedules)
outputs += save_figure(fig, "01_schedules", figures_dir)"""),
    md("""The heat map below scores every seven-bracket schedule under every welfare function, as a share
of the best schedule for that function (1.00 = best). No schedule wins everywhere: which policy
is "optimal" depends on the welfare function — and the paper's metric prefers the schedule that
idles the most workers.
"""),
    code("""us = welfare[welfare.tax_preset == "us_federal_2024"]
if len(us):
    fig = plot_schedule_welfare(us)
    outputs += save_figure(fig, "01_schedule_welfare", figures_dir)
winners = landscape.best_schedules(welfare, OBJECTIVES)
winners.to_csv(results / "best_schedules.csv", index=False, float_format="%.10g")
outputs.append("best_schedules.csv")
display(winners[winners.tax_preset == tax_presets[-1]])"""),
    md("## What this run shows"),
    code("""for utility in utilities:
    b = best_flat[best_flat.utility == utility].set_index("metric")["best_flat_rate"]
    print(f"'{utility}': best flat rate — utilitarian {b['utilitarian']:.0%}, "
          f"Rawlsian {b['rawlsian']:.0%}, inverse-income {b['inverse_income']:.0%}, "
          f"paper SWF {b['paper_swf']:.0%}")
    idle = curves[(curves.utility == utility) & (curves.metric == "share_zero_hours")]
    at_best = idle[np.isclose(idle.rate, b["paper_swf"])]["value"].iloc[0]
    print(f"   at the paper-SWF optimum {at_best:.0%} of workers choose 0 hours")
last = winners[winners.tax_preset == tax_presets[-1]]
for row in last.itertuples():
    print(f"{row.tax_preset}, '{row.utility}': best under {row.metric} is {row.schedule}")
write_manifest(results, experiment="01_policy_landscape",
               config=dict(n_agents=n_agents, seed=seed, utilities=utilities,
                           tax_presets=tax_presets, elasticities=elasticities,
                           objective=objective, n_flat_rates=n_flat_rates),
               outputs=[str(o) for o in outputs], started=started, backend="none (exact)")"""),
]
nb = nbf.v4.new_notebook(cells=cells, metadata={
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"}})
nbf.write(nb, "notebooks/01_policy_landscape.ipynb")
