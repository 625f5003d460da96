"""Regenerate the simulation notebooks 02, 03, 04, 05, 07, 08 and 09 (outputs stripped).

Run from the repo root: ``.venv/bin/python tools/make_notebooks_sim.py [02 03 ...]``.
"""

import sys

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
          "language_info": {"name": "python"}}


def params(text: str) -> nbf.NotebookNode:
    return code(text.strip("\n"), metadata={"tags": ["parameters"]})


def hidden(text: str) -> nbf.NotebookNode:
    """A code cell collapsed in JupyterLab (exercise answers)."""
    return code(text.strip("\n"), metadata={"jupyter": {"source_hidden": True},
                                            "tags": ["hide-input"]})


BACKEND_HELP = """**Rerun with a real model.** Every LLM call goes through `backend`. Offline it is the
*surrogate*, a seeded in-context learner that reads the same prompts and answers the same JSON —
a stand-in for an LLM, not a language model (every figure says so). To use a model, change one
parameter, e.g.

```
python -m econsim.notebook_runner notebooks/{stem}.ipynb results/notebooks/{stem}.ipynb \\
    -p backend='"openai/gpt-4o-mini"'        # key from OPENAI_API_KEY
# or anthropic/claude-3-5-haiku-latest, openai-compatible/<model>@http://localhost:8000/v1,
# or replay:<store.sqlite> to replay a recorded run without keys
```
"""

MANIFEST = """write_manifest(results, experiment="{stem}", config=parameters, outputs=[str(o) for o in outputs],
               started=started, backend=backend, runs=runs.runs_table().to_dict("records"))
print(f"wrote {{len(outputs)}} files; manifest in {{results}}")"""

# --------------------------------------------------------------------------------------------
# 02 rational ICRL
# --------------------------------------------------------------------------------------------
NB02 = [
    md("""# 02 · Rational workers and a planner that learn in context (claims C1, C2)

**What is simulated.** The paper's Stackelberg game on the seven US federal brackets. Each step
every worker picks weekly hours from {0, 10, …, 100}; its pre-tax income is skill × hours; the
tax is collected and rebated equally; utility is post-tax income minus the cost of work
$c\\,l^{\\delta}$ ($c = 0.0005$, $\\delta = 3.5$, the paper's constants). Workers are *LLM agents*:
each sees a text history of its own hours and utilities and answers the next hours as JSON —
in-context reinforcement learning (ICRL), no gradients. Every $K$ steps (a *tax year*) the
planner moves each bracket's rate by −20 … +20 percentage points to raise social welfare, seeing
its own history of rates and welfare. Here workers are *rational* in the paper's sense: they
maximise their own utility, with no persona.

**Claims tested.**
* **C1** — LLM workers optimise their utility in context: do their hours approach the exact best
  response $l^*$ to the rates in force?
* **C2** — the LLM planner converges near the Stackelberg equilibrium and improves social welfare
  over Saez: we run the LLM planner and, with the same LLM workers, three fixed baselines (US
  federal 2024, Saez recomputed each tax year, the exact Stackelberg optimum), and draw the
  welfare each would give with perfectly rational workers as reference lines. A two-worker game
  is solved by backward induction to check the Stackelberg reference itself.

**The welfare metric.** The planner maximises the paper's $\\sum_i u_i/\\max(z_i,1)$. It rewards
idling workers (an idle worker gets weight 1 — see notebook 01), so we always plot a normalised
metric beside it (`second_metric`, default the inverse-income weighted mean utility in USD).
"""),
    params("""
# Parameters (papermill overrides these; see notebooks/profiles.yaml)
backend: str = "surrogate"  # LLM backend: "surrogate" (offline stand-in), "openai/<model>", ...
prompt_style: str = "paper"  # prompt wording: "paper" (v1 structure) or "compact"
n_agents: int = 5  # workers; the paper default is 5
n_steps: int = 2500  # steps per run; the paper default episode
K: int = 25  # steps per tax year (the planner acts once per tax year)
H: int = 50  # history window shown in prompts (steps)
seed: int = 42  # first seed; replicate runs use seed, seed + 1, ...
n_seeds: int = 3  # replicate runs per planner (each seed draws a new population)
planners: list = ["llm", "saez", "us_federal", "stackelberg"]  # planner kinds compared
tax_preset: str = "us_federal_2024"  # the seven US brackets
utility: str = "paper"  # labour-cost preset: "paper" (v1 constants) or "calibrated"
objective: str = "paper_swf"  # welfare function the planner maximises
second_metric: str = "inverse_income"  # normalised welfare metric plotted beside it
elasticity: float = 0.4  # elasticity of taxable income used by the Saez planner
final_years: int = 10  # tax years at the end of a run that count as "converged"
tolerance_hours: float = 10.0  # hours within which a choice counts as the best response
c1_share: float = 0.8  # share of choices within tolerance needed to call C1 supported
near_share: float = 0.9  # share of the Stackelberg welfare that counts as "near" it (C2)
small_n: int = 2  # workers in the backward-induction check
small_tax_preset: str = "three"  # brackets in the backward-induction check
small_n_steps: int = 1000  # steps of the LLM planner run in the small-N check
results_dir: str = "results/02_rational_icrl"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures
"""),
    code("""import time

import numpy as np
import pandas as pd
from IPython.display import display

from econsim import analysis
from econsim.figures.icrl import plot_labour_vs_best_response
from econsim.figures.simruns import plot_bracket_rates, plot_swf_over_time
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.simulation import SimConfig
from econsim.tax import TAX_PRESETS

started = time.time()
parameters = dict(backend=backend, prompt_style=prompt_style, n_agents=n_agents, n_steps=n_steps,
                  K=K, H=H, seed=seed, n_seeds=n_seeds, planners=planners, tax_preset=tax_preset,
                  utility=utility, objective=objective, second_metric=second_metric,
                  elasticity=elasticity, final_years=final_years, tolerance_hours=tolerance_hours,
                  c1_share=c1_share, near_share=near_share, small_n=small_n,
                  small_tax_preset=small_tax_preset, small_n_steps=small_n_steps)
results = output_dir(results_dir)
outputs = []
seeds = [seed + i for i in range(n_seeds)]
cutoffs = TAX_PRESETS.get(tax_preset).cutoffs
base = SimConfig(scenario="rational", worker="llm", backend=backend, prompt_style=prompt_style,
                 n_agents=n_agents, n_steps=n_steps, K=K, H=H, seed=seed, tax_preset=tax_preset,
                 utility=utility, objective=objective, elasticity=elasticity)
note = f"N = {n_agents} LLM workers, {n_steps} steps, K = {K}, {n_seeds} seed(s)"
"""),
    md(BACKEND_HELP.format(stem="02_rational_icrl")),
    md("""## Runs

One run per planner and seed. All runs with the same seed share the same population (skills
drawn from the ACS 2023 income prior), so planners are compared on identical workers.
"""),
    code("""runs = analysis.run_variants(base, {f"{p} · seed {s}": {"planner": p, "seed": s}
                                     for p in planners for s in seeds})
runs.runs_table().to_csv(results / "runs.csv", index=False)
outputs.append("runs.csv")
display(runs.runs_table(timings=True)[["variant", "status", "wall_time_s", "calls", "fallbacks"]])
"""),
    md("""## Social welfare over time (C2)

Each line is the mean over seeds of the welfare per tax year (the band spans the seeds). Solid
lines are runs with LLM workers under each planner; horizontal lines are the welfare each fixed
schedule would give if every worker played its *exact* best response — the reference the paper's
claim is about. **How to read it:** the LLM planner starts every bracket at 50 % and must *learn*;
the baselines are fixed from the start. If C2 holds, the blue line should end above Saez and
close to the Stackelberg optimum. The left axis is symmetric-log because the paper's metric jumps
by orders of magnitude whenever a worker chooses 0 hours.
"""),
    code("""metrics = [objective, second_metric]
years = analysis.tax_year_means(runs.steps, [*metrics, "mean_labour", "utilitarian"],
                                by=["planner", "seed"])
years.to_csv(results / "tax_years.csv", index=False, float_format="%.8g")
exact_rates, exact = analysis.exact_baselines(runs, elasticity)
exact_mean = analysis.mean_over_seeds(exact, ["schedule", "metric"])
exact.to_csv(results / "exact_baselines.csv", index=False, float_format="%.8g")
final = analysis.final_metrics(runs.steps, [*metrics, "utilitarian", "mean_labour"], final_years,
                               by=["planner"])
final.to_csv(results / "final_metrics.csv", index=False, float_format="%.8g")
outputs += ["tax_years.csv", "exact_baselines.csv", "final_metrics.csv"]
fig = plot_swf_over_time(years, metrics, group="planner", baselines=exact_mean, backend=backend,
                         note=note, title="Social welfare per tax year: LLM planner vs baselines")
outputs += save_figure(fig, "02_swf_over_time", figures_dir)
display(final.pivot(index="planner", columns="metric", values="mean"))
"""),
    md("""## Per-bracket rates at the end of the run

Bars are the rates in force over the last `final_years` tax years (mean over seeds; whiskers span
the seeds). Saez is recomputed each tax year from the incomes workers actually earned, so it can
vary too. The Stackelberg optimum is computed exactly for each population.
"""),
    code("""rates = analysis.final_rates(runs.steps, cutoffs, final_years, by=["planner"])
rates.to_csv(results / "final_rates.csv", index=False, float_format="%.6g")
outputs.append("final_rates.csv")
fig = plot_bracket_rates(rates, group="planner", backend=backend, note=note,
                         title=f"Rates in force over the last {final_years} tax years")
outputs += save_figure(fig, "02_bracket_rates", figures_dir)
display(rates.pivot(index="bracket", columns="planner", values="rate").round(2))
"""),
    md("""## Do LLM workers find their best response? (C1)

For each worker the exact best response $l^*$ on the labour menu is computed from the rates in
force (quasi-linear utility: the rebate does not change it). The panels follow a few workers of
the LLM-planner run (grey: each step's choice; blue: rolling mean; green: $l^*$); the last panel
shows, per tax year, the share of all workers in all runs within `tolerance_hours` of $l^*$.
With the paper's constants most workers' $l^*$ is the 100-hour cap; only low-skill workers have an
interior optimum that moves with the rates.
"""),
    code("""br = analysis.best_response_columns(runs.agents, runs.steps, runs.skills, runs.configs)
shares = analysis.best_response_share(br, tolerance_hours, by=["planner", "seed"], K=K)
shares.to_csv(results / "best_response_share.csv", index=False, float_format="%.6g")
outputs.append("best_response_share.csv")
shown = br[(br.planner == planners[0]) & (br.seed == seed)]
fig = plot_labour_vs_best_response(shown, shares, group="planner", window=K,
                                   tolerance=tolerance_hours, backend=backend, note=note)
outputs += save_figure(fig, "02_labour_vs_best_response", figures_dir)
"""),
    md("""## Small-N check: backward induction (2 workers)

The paper validates its Stackelberg reference on a game small enough to solve by brute force:
for every rate vector on the lattice {0, 10, …, 100 %} the planner could announce, find the
workers' equilibrium hours, and keep the rates with the highest welfare. Our Stackelberg search
on the same lattice must agree; the LLM planner then plays the same small game.
"""),
    code("""small_cfg = base.replace(n_agents=small_n, n_steps=small_n_steps, tax_preset=small_tax_preset)
small = analysis.run_variants(small_cfg, {"LLM planner": {"planner": "llm"}})
small_skills = small.skills["LLM planner"]
lattice = [round(0.1 * i, 1) for i in range(11)]
found, check = analysis.small_n_check(small_skills, small_tax_preset, utility, objective, lattice)
small_rates = analysis.final_rates(small.steps, TAX_PRESETS.get(small_tax_preset).cutoffs,
                                   final_years, by=["variant"]).rename(columns={"variant": "schedule"})
llm_small = small_rates.sort_values("bracket").rate.tolist()
check = pd.concat([check, pd.DataFrame([{
    "schedule": f"LLM planner (last {final_years} tax years)", "rates": llm_small,
    "welfare": analysis.rational_welfare(small_skills, small_tax_preset, llm_small,
                                         utility)[objective], "hours": None}])],
    ignore_index=True)
check.to_csv(results / "small_n_check.csv", index=False, float_format="%.8g")
outputs.append("small_n_check.csv")
display(check)
fig = plot_bracket_rates(pd.concat([analysis.schedule_rates(found), small_rates]),
                         backend=backend, note=f"N = {small_n}, {small_tax_preset} brackets",
                         title="Two-worker game: backward induction vs Stackelberg vs LLM planner")
outputs += save_figure(fig, "02_small_n_check", figures_dir)
"""),
    md("""## What this run shows

The sentences below are computed from this run's tables, so they stay true when the notebook is
rerun with other parameters or another backend.
"""),
    code("""f = final.set_index(["planner", "metric"])["mean"]
last = analysis.last_years(shares, final_years)
c1 = float(last.share_within.mean())
first = float(shares[shares.tax_year == 0].share_within.mean())
claims = [analysis.claim_row(
    "C1 workers optimise in context",
    f"share of worker choices within {tolerance_hours:g} h of the exact best response",
    f"{first:.0%} in the first tax year, {c1:.0%} in the last {final_years}",
    c1 >= c1_share, backend, "02_rational_icrl")]
print(claims[-1]["finding"], "->", claims[-1]["verdict"])
if {"llm", "saez"} <= set(planners):
    for m in metrics:
        llm, saez = f[("llm", m)], f[("saez", m)]
        claims.append(analysis.claim_row(
            "C2 LLM planner beats Saez", f"{m}, mean of last {final_years} tax years, LLM workers",
            f"LLM planner {llm:,.4g} vs Saez {saez:,.4g} ({llm / saez:.2f}x)", bool(llm > saez),
            backend, "02_rational_icrl"))
        print(claims[-1]["finding"], "->", claims[-1]["verdict"])
if {"llm", "stackelberg"} <= set(planners):
    share = f[("llm", objective)] / f[("stackelberg", objective)]
    claims.append(analysis.claim_row(
        "C2 LLM planner near the Stackelberg optimum",
        f"{objective} (the objective both maximise): LLM planner / Stackelberg planner, same "
        "LLM workers", f"{share:.3g} of the Stackelberg welfare", bool(share >= near_share),
        backend, "02_rational_icrl"))
    print(claims[-1]["finding"], "->", claims[-1]["verdict"])
    print(f"under {second_metric} (not the objective) the LLM planner reaches "
          f"{f[('llm', second_metric)] / f[('stackelberg', second_metric)]:.3g} of the "
          "Stackelberg planner's value")
    gap = (rates[rates.planner == "llm"].rate.to_numpy()
           - rates[rates.planner == "stackelberg"].rate.to_numpy())
    print(f"mean |LLM − Stackelberg| rate gap over brackets: {100 * np.abs(gap).mean():.0f} pp")
same = check.rates.iloc[0] == check.rates.iloc[1]
claims.append(analysis.claim_row(
    "Stackelberg reference = backward induction (small N)",
    f"{small_n} workers, {small_tax_preset} brackets, 10-pp lattice",
    f"backward induction {check.rates.iloc[0]}, search {check.rates.iloc[1]}; LLM planner "
    f"{[round(r, 2) for r in llm_small]}", bool(same), backend, "02_rational_icrl"))
print(claims[-1]["finding"], "->", claims[-1]["verdict"])
idle = runs.agents.assign(tax_year=runs.agents.step // K).pipe(analysis.last_years, final_years)
print("share of worker-steps at 0 hours in the last tax years:",
      (idle.labour == 0).groupby(idle.planner).mean().round(3).to_dict())
pd.DataFrame(claims).to_csv(results / "claims.csv", index=False)
outputs.append("claims.csv")
""" + MANIFEST.format(stem="02_rational_icrl")),
]

# --------------------------------------------------------------------------------------------
# 03 bounded personas
# --------------------------------------------------------------------------------------------
NB03 = [
    md("""# 03 · Bounded-rational persona workers on the seven US brackets (claim C3, Fig. 5a)

**What is simulated.** The same game as notebook 02, but with a large, heterogeneous population:
each worker has a *persona* — a short second-person description drawn in proportion to census
counts of employed persons (occupation, sex, age) with financial attitudes and circumstances.
After every step each worker is asked, with its persona and this year's outcome, whether it is
satisfied with the tax policy (YES → $r = 1$, NO → $r = 0.5$) and it maximises the
*satisfaction-adjusted* utility $r\\cdot u$. The planner's welfare still uses the unadjusted $u$.
No closed-form optimum exists for such a population: this is where the paper says the LLM
planner is useful.

**Claims tested.**
* **C3** — the LLM planner recovers the equity–efficiency trade-off and approaches Saez-optimal
  schedules where analytic formulas are unavailable: compare its welfare and its final
  per-bracket rates with Saez (recomputed each tax year on realised incomes) and US federal 2024,
  all with the same persona workers.
* **Fig. 5a** — as publicly discussed, the paper's LLM schedule put about 80 % on the first
  \\$11.6k and about 30 % on the next bracket (marked as hollow diamonds; the figure itself is not
  available to us).

**Reductions vs the paper.** N = 100 workers as in the paper's largest runs, but `n_steps` = 1,000
(40 tax years) instead of 2,500 to keep `make figures` within its time budget, and one seed.
"""),
    params("""
# Parameters (papermill overrides these; see notebooks/profiles.yaml)
backend: str = "surrogate"  # LLM backend: "surrogate" (offline stand-in), "openai/<model>", ...
prompt_style: str = "paper"  # prompt wording: "paper" (v1 structure) or "compact"
n_agents: int = 100  # persona workers; the paper goes up to 100
n_steps: int = 1000  # steps per run; 40 tax years at K 25
K: int = 25  # steps per tax year
H: int = 50  # history window shown in prompts (steps)
seed: int = 42  # seeds the population, personas and the surrogate
planners: list = ["llm", "saez", "us_federal"]  # planner kinds compared
personas: str = "offline"  # persona texts: "offline" generator, "llm" written, or "archetypes"
tax_preset: str = "us_federal_2024"  # the seven US brackets
utility: str = "paper"  # labour-cost preset: "paper" (v1 constants) or "calibrated"
objective: str = "paper_swf"  # welfare function the planner maximises
second_metric: str = "inverse_income"  # normalised welfare metric plotted beside it
elasticity: float = 0.4  # elasticity of taxable income used by the Saez planner
final_years: int = 10  # tax years at the end of a run that count as converged
paper_fig5a: dict = {0: 0.80, 1: 0.30}  # publicly reported LLM rates of Fig. 5a by bracket index
fig5a_tolerance: float = 0.15  # rate difference within which we call our rate consistent
results_dir: str = "results/03_bounded_personas"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures
"""),
    code("""import time

import numpy as np
import pandas as pd
from IPython.display import display

from econsim import analysis
from econsim.figures.bounded import plot_bracket_shift, plot_satisfaction_and_hours
from econsim.figures.simruns import plot_bracket_rates, plot_swf_over_time
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.simulation import SimConfig
from econsim.tax import TAX_PRESETS

started = time.time()
parameters = dict(backend=backend, prompt_style=prompt_style, n_agents=n_agents, n_steps=n_steps,
                  K=K, H=H, seed=seed, planners=planners, personas=personas,
                  tax_preset=tax_preset, utility=utility, objective=objective,
                  second_metric=second_metric, elasticity=elasticity, final_years=final_years,
                  paper_fig5a=paper_fig5a, fig5a_tolerance=fig5a_tolerance)
results = output_dir(results_dir)
outputs = []
cutoffs = TAX_PRESETS.get(tax_preset).cutoffs
base = SimConfig(scenario="bounded", worker="llm", backend=backend, prompt_style=prompt_style,
                 n_agents=n_agents, n_steps=n_steps, K=K, H=H, seed=seed, personas=personas,
                 tax_preset=tax_preset, utility=utility, objective=objective,
                 elasticity=elasticity)
note = f"N = {n_agents} persona workers, {n_steps} steps, K = {K}, seed {seed}"
"""),
    md(BACKEND_HELP.format(stem="03_bounded_personas")),
    md("""## Runs

One run per planner on the same population (same seed: same skills and personas).
"""),
    code("""runs = analysis.run_variants(base, {p: {"planner": p} for p in planners})
runs.runs_table().to_csv(results / "runs.csv", index=False)
outputs.append("runs.csv")
display(runs.runs_table(timings=True)[["variant", "status", "wall_time_s", "calls", "fallbacks"]])
"""),
    md("""## Social welfare over time

Lines: tax-year means of welfare with persona workers under each planner. Horizontal lines: the
welfare each fixed schedule (and the Stackelberg optimum for this population) would give if every
worker played its exact best response instead of learning — a reference, not something persona
workers can be expected to reach. Left axis symmetric-log (the paper's metric); right axis a
normalised metric in USD.
"""),
    code("""metrics = [objective, second_metric]
years = analysis.tax_year_means(runs.steps, [*metrics, "mean_labour", "mean_satisfaction",
                                             "utilitarian", "gini"], by=["planner"])
years.to_csv(results / "tax_years.csv", index=False, float_format="%.8g")
exact_rates, exact = analysis.exact_baselines(runs, elasticity)
exact.to_csv(results / "exact_baselines.csv", index=False, float_format="%.8g")
final = analysis.final_metrics(runs.steps, [*metrics, "utilitarian", "gini", "mean_labour",
                                            "mean_satisfaction"], final_years, by=["planner"])
final.to_csv(results / "final_metrics.csv", index=False, float_format="%.8g")
outputs += ["tax_years.csv", "exact_baselines.csv", "final_metrics.csv"]
fig = plot_swf_over_time(years, metrics, group="planner", baselines=exact, backend=backend,
                         note=note, title="Persona workers: social welfare per tax year")
outputs += save_figure(fig, "03_swf_over_time", figures_dir)
display(final.pivot(index="planner", columns="metric", values="mean"))
"""),
    md("""## Per-bracket rates: LLM planner vs Saez vs US federal (the Fig. 5a comparison)

Bars are the mean rates over the last `final_years` tax years of one run per planner.
Diamonds mark the rates publicly reported for the paper's
LLM schedule on the first two brackets. **How to read it:** a planner that "approaches Saez"
should have bars close to the red ones; the paper's schedule taxes the lowest bracket heavily
(the rebate returns the money to everyone, so a high rate on the first dollars is a transfer,
not a penalty on the poor).
"""),
    code("""rates = analysis.final_rates(runs.steps, cutoffs, final_years, by=["planner"])
rates.to_csv(results / "final_rates.csv", index=False, float_format="%.6g")
outputs.append("final_rates.csv")
fig = plot_bracket_rates(rates, group="planner", reference=paper_fig5a,
                         reference_label="paper Fig. 5a LLM rate (as publicly reported)",
                         backend=backend, note=note,
                         title=f"Rates in force over the last {final_years} tax years")
outputs += save_figure(fig, "03_bracket_rates", figures_dir)
display(rates.pivot(index="bracket", columns="planner", values="rate").round(2))
"""),
    md("""## Satisfaction and labour over time

Left: the share of workers whose persona answered YES (satisfied with the tax policy). Right:
mean weekly hours. A planner that raises welfare by taxing heavily may leave many workers
dissatisfied — and dissatisfied workers halve their adjusted utility, which changes how they work.
"""),
    code("""fig = plot_satisfaction_and_hours(years, group="planner", backend=backend, note=note)
outputs += save_figure(fig, "03_satisfaction", figures_dir)
"""),
    md("""## Incomes across brackets: first vs last tax year

Where workers' pre-tax incomes fall among the seven brackets (mean over the tax year's steps).
A shift to the left under a planner means workers cut hours (or stopped working) in response.
"""),
    code("""shares = analysis.bracket_shares(runs.agents, cutoffs, K, by=["planner"])
shares.to_csv(results / "bracket_shares.csv", index=False, float_format="%.6g")
outputs.append("bracket_shares.csv")
fig = plot_bracket_shift(shares, group="planner", backend=backend, note=note)
outputs += save_figure(fig, "03_bracket_shift", figures_dir)
"""),
    md("""## What this run shows

Computed from this run's tables (they stay true when rerun with other parameters or backends).
"""),
    code("""f = final.set_index(["planner", "metric"])["mean"]
r = rates.pivot(index="bracket", columns="planner", values="rate")
claims = []
if {"llm", "saez"} <= set(planners):
    for m in metrics:
        llm, saez = f[("llm", m)], f[("saez", m)]
        claims.append(analysis.claim_row(
            "C3 LLM planner improves on Saez (persona workers)",
            f"{m}, mean of last {final_years} tax years, same persona workers",
            f"LLM planner {llm:,.4g} vs Saez {saez:,.4g} ({llm / saez:.2f}x)", bool(llm > saez),
            backend, "03_bounded_personas"))
        print(claims[-1]["finding"], f"[{m}] ->", claims[-1]["verdict"])
    d_saez = float(np.abs(r["llm"] - r["saez"]).mean())
    d_us = float(np.abs(r["us_federal"] - r["saez"]).mean()) if "us_federal" in r else np.nan
    claims.append(analysis.claim_row(
        "C3 LLM schedule approaches Saez",
        "mean absolute per-bracket rate difference to Saez (last tax years)",
        f"LLM planner {100 * d_saez:.0f} pp; US federal {100 * d_us:.0f} pp",
        bool(d_saez < d_us), backend, "03_bounded_personas"))
    print(claims[-1]["finding"], "->", claims[-1]["verdict"])
if "llm" in planners:
    ours = {int(k): float(r["llm"].loc[int(k)]) for k in paper_fig5a}
    ok = all(abs(ours[int(k)] - v) <= fig5a_tolerance for k, v in paper_fig5a.items())
    claims.append(analysis.claim_row(
        "Fig. 5a LLM schedule (about 80 % then 30 %)",
        f"our LLM planner's final rates on brackets {sorted(ours)} vs the reported values "
        f"(tolerance {fig5a_tolerance:.0%})",
        ", ".join(f"bracket {k}: ours {v:.0%} vs reported {paper_fig5a[k]:.0%}"
                  for k, v in ours.items()), bool(ok), backend, "03_bounded_personas"))
    print(claims[-1]["finding"], "->", claims[-1]["verdict"])
sat = final[final.metric == "mean_satisfaction"].set_index("planner")["mean"]
print("satisfied share in the last tax years:", (2 * sat - 1).round(2).to_dict())
pd.DataFrame(claims).to_csv(results / "claims.csv", index=False)
outputs.append("claims.csv")
""" + MANIFEST.format(stem="03_bounded_personas")),
]

# --------------------------------------------------------------------------------------------
# 04 democratic
# --------------------------------------------------------------------------------------------
NB04 = [
    md("""# 04 · Elections: workers choose who sets the taxes (claim C4)

**What is simulated.** Persona workers as in notebook 03, but nobody is a benevolent planner:
every tax year (or every `election_every` tax years) the workers elect one of themselves by
plurality (worker 0 leads before the first election; ties broken by the run's seeded generator).
The elected *leader* proposes the rate changes for the year — to maximise **its own** utility,
seeing the planner's observation plus its own history. Optionally workers first decide whether to
stand and publish a *platform* (a vector of rate changes) that voters see; with *binding*
platforms the winner's first change must be its platform.

**Claims tested (C4).** Periodic persona-level voting furthers the welfare gains; elections show
*majority exploitation* (the leader's supporters gain at the others' expense) and
*welfare-enhancing leader turnover*. Every democratic variant is compared with the planner-led run
on the same population (same seed), which is the reference.

**How groups are defined.** *Leader's voters*: the workers who voted for the leader in force
(refreshed at each election) — the coalition that put it in power; *everyone else*: the rest.
We also split by skill (lower vs upper half), since tax fights are usually between them.

**Reductions vs the paper.** N = 25 workers and 1,000 steps (40 elections) per variant, one seed.
"""),
    params("""
# Parameters (papermill overrides these; see notebooks/profiles.yaml)
backend: str = "surrogate"  # LLM backend: "surrogate" (offline stand-in), "openai/<model>", ...
prompt_style: str = "paper"  # prompt wording: "paper" (v1 structure) or "compact"
n_agents: int = 25  # persona workers (voters and candidates)
n_steps: int = 1000  # steps per run; 40 tax years at K 25
K: int = 25  # steps per tax year
H: int = 50  # history window shown in prompts (steps)
seed: int = 42  # seeds the population, personas, tie-breaks and the surrogate
election_every: int = 1  # tax years between elections
personas: str = "offline"  # persona texts: "offline" generator, "llm" written, or "archetypes"
tax_preset: str = "us_federal_2024"  # the seven US brackets
utility: str = "paper"  # labour-cost preset: "paper" (v1 constants) or "calibrated"
objective: str = "paper_swf"  # welfare the planner-led reference maximises and we report
second_metric: str = "inverse_income"  # normalised welfare metric plotted beside it
final_years: int = 10  # tax years at the end of a run that count as converged
variants: dict = {"planner-led (no elections)": {"scenario": "bounded", "planner": "llm"}, "elections": {"scenario": "democratic"}, "elections + platforms": {"scenario": "democratic", "platforms": True}, "elections + binding platforms": {"scenario": "democratic", "platforms": True, "binding_platforms": True}}  # label to SimConfig changes
reference: str = "planner-led (no elections)"  # the variant every other one is compared with
results_dir: str = "results/04_democratic"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures
"""),
    code("""import time

import pandas as pd
from IPython.display import display

from econsim import analysis
from econsim.figures.democracy import (plot_exact_exploitation, plot_group_utility,
                                       plot_leader_timeline, plot_swf_with_elections)
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.simulation import SimConfig

started = time.time()
parameters = dict(backend=backend, prompt_style=prompt_style, n_agents=n_agents, n_steps=n_steps,
                  K=K, H=H, seed=seed, election_every=election_every, personas=personas,
                  tax_preset=tax_preset, utility=utility, objective=objective,
                  second_metric=second_metric, final_years=final_years, variants=variants,
                  reference=reference)
results = output_dir(results_dir)
outputs = []
base = SimConfig(scenario="democratic", worker="llm", planner="llm", backend=backend,
                 prompt_style=prompt_style, n_agents=n_agents, n_steps=n_steps, K=K, H=H,
                 seed=seed, election_every=election_every, personas=personas,
                 tax_preset=tax_preset, utility=utility, objective=objective)
note = f"N = {n_agents} persona workers, {n_steps} steps, K = {K}, seed {seed}"
"""),
    md(BACKEND_HELP.format(stem="04_democratic")),
    code("""runs = analysis.run_variants(base, variants)
runs.runs_table().to_csv(results / "runs.csv", index=False)
outputs.append("runs.csv")
display(runs.runs_table(timings=True)[["variant", "status", "wall_time_s", "calls", "fallbacks"]])
"""),
    md("""## Welfare with and without elections

Tax-year means of welfare for the planner-led run and each democratic variant. Ticks on the
x-axis mark tax years that began with a *new* leader. A leader maximises its own utility, so
welfare under elections need not rise — C4 says it does.
"""),
    code("""metrics = [objective, second_metric]
years = analysis.tax_year_means(runs.steps, [*metrics, "utilitarian", "mean_labour"])
years.to_csv(results / "tax_years.csv", index=False, float_format="%.8g")
turnover = analysis.leader_turnover(runs.steps, objective)
turnover.to_csv(results / "leaders.csv", index=False, float_format="%.8g")
final = analysis.final_metrics(runs.steps, [*metrics, "utilitarian", "gini"], final_years)
final.to_csv(results / "final_metrics.csv", index=False, float_format="%.8g")
outputs += ["tax_years.csv", "leaders.csv", "final_metrics.csv"]
fig = plot_swf_with_elections(years, turnover, metrics, backend=backend, note=note)
outputs += save_figure(fig, "04_swf_elections", figures_dir)
display(final.pivot(index="variant", columns="metric", values="mean"))
"""),
    md("""## Who gains? Utility by group, relative to the planner-led run

For each worker we compare its mean utility in a democratic run with its own mean utility in the
planner-led run (same worker, same skill, same persona). Left: the leader's voters vs everyone
else; right: lower- vs upper-skill half. *Majority exploitation* would show the leader's voters
(or the more numerous group) gaining while the others lose.
"""),
    code("""ref_agents = runs.agents[runs.agents.variant == reference]
dem_agents = runs.agents[runs.agents.variant != reference]
coalition = analysis.coalition_utility(dem_agents, runs.steps, runs.elections, ref_agents, K)
by_skill = analysis.income_group_utility(dem_agents, ref_agents, runs.skills[reference])
groups = pd.concat([coalition.assign(grouping="leader's voters vs everyone else"),
                    by_skill.assign(grouping="by skill: lower vs upper half")],
                   ignore_index=True)
groups.to_csv(results / "group_utility.csv", index=False, float_format="%.8g")
outputs.append("group_utility.csv")
fig = plot_group_utility(groups, backend=backend, note=note)
outputs += save_figure(fig, "04_utility_by_group", figures_dir)
display(groups.round(1))
"""),
    md("""## Leader turnover

Each cell is a tax year; its colour is the leader's skill percentile (dark = a low-skill worker,
yellow = a high-skill one). Long runs of one colour mean an entrenched leader.
"""),
    code("""fig = plot_leader_timeline(turnover, runs.skills, backend=backend, note=note)
outputs += save_figure(fig, "04_leader_timeline", figures_dir)
summary = analysis.turnover_summary(turnover)
summary.to_csv(results / "turnover_summary.csv", index=False, float_format="%.8g")
outputs.append("turnover_summary.csv")
display(summary)
"""),
    md("""## The game itself: exact voters and an exact leader

Is majority exploitation a property of the game or of the language model? Here no LLM is
involved: four low-skill workers and one high earner (a constructed population) vote exactly —
each for the candidate whose own best tax change would leave the voter best off — and the elected
leader sets, every tax year, the change that maximises its own utility while everyone
best-responds. The low-skill majority elects one of its own, who raises the rates that the high
earner pays: the rebate it funds is shared by everyone.
"""),
    code("""exact_workers, exact_steps = analysis.exact_majority_exploitation()
exact_workers.to_csv(results / "exact_majority.csv", index=False, float_format="%.8g")
outputs.append("exact_majority.csv")
display(exact_workers)
fig = plot_exact_exploitation(exact_workers, exact_steps)
outputs += save_figure(fig, "04_exact_majority", figures_dir)"""),
    md("""## What this run shows

Computed from this run's tables (they stay true when rerun with other parameters or backends).
"""),
    code("""f = final.set_index(["variant", "metric"])["mean"]
claims = []
for v in [v for v in variants if v != reference]:
    for m in metrics:
        dem, ref = f[(v, m)], f[(reference, m)]
        claims.append(analysis.claim_row(
            "C4 elections further welfare gains", f"{m}, last {final_years} tax years: '{v}' "
            f"vs '{reference}'", f"{dem:,.4g} vs {ref:,.4g} ({dem / ref:.2f}x)",
            bool(dem > ref), backend, "04_democratic"))
        print(claims[-1]["test"], "->", claims[-1]["finding"], "->", claims[-1]["verdict"])
    c = coalition[coalition.variant == v].set_index("group")
    if {"leader's voters", "everyone else"} <= set(c.index):
        gain_v, gain_o = c.loc["leader's voters", "change"], c.loc["everyone else", "change"]
        share_v = c.loc["leader's voters", "share_of_workers"]
        claims.append(analysis.claim_row(
            "C4 majority exploitation", f"'{v}': utility change vs '{reference}', leader's "
            "voters vs everyone else (USD per step)",
            f"voters {gain_v:+,.0f} ({share_v:.0%} of worker-steps), others {gain_o:+,.0f}",
            bool(gain_v > gain_o), backend, "04_democratic"))
        print(claims[-1]["finding"], "->", claims[-1]["verdict"])
    t = summary.set_index("variant").loc[v]
    claims.append(analysis.claim_row(
        "C4 welfare-enhancing leader turnover",
        f"'{v}': mean change of {objective} across a tax year with a new vs the same leader",
        f"{int(t.leader_changes)} changes, {int(t.distinct_leaders)} leaders; new leader "
        f"{t.mean_change_new_leader:+,.4g}, same leader {t.mean_change_same_leader:+,.4g}",
        None if pd.isna(t.mean_change_new_leader) or pd.isna(t.mean_change_same_leader) else
        bool(t.mean_change_new_leader > t.mean_change_same_leader), backend, "04_democratic"))
    print(claims[-1]["finding"], "->", claims[-1]["verdict"])
maj = exact_workers[exact_workers.group.str.startswith("majority")]
mino = exact_workers[~exact_workers.group.str.startswith("majority")]
claims.append(analysis.claim_row(
    "C4 majority exploitation", "exact rational voters and leader, 4 low-skill workers + 1 high "
    "earner (no LLM): utility change from the first to the last tax year",
    f"majority {(maj.utility_last - maj.utility_first).mean():+,.0f}, minority "
    f"{(mino.utility_last - mino.utility_first).mean():+,.0f} USD per step; leader from the "
    f"majority in {maj.times_leader.sum()} of {exact_workers.times_leader.sum()} tax years",
    bool((maj.utility_last > maj.utility_first).all()
         and (mino.utility_last < mino.utility_first).all()), "none (exact)", "04_democratic"))
print(claims[-1]["finding"], "->", claims[-1]["verdict"])
pd.DataFrame(claims).to_csv(results / "claims.csv", index=False)
outputs.append("claims.csv")
""" + MANIFEST.format(stem="04_democratic")),
]

# --------------------------------------------------------------------------------------------
# 05 backend comparison
# --------------------------------------------------------------------------------------------
NB05 = [
    md("""# 05 · The same experiment across backends, models and prompt styles

**What is compared.** The rational-worker experiment of notebook 02 (LLM workers and LLM planner,
seven US brackets) run once per *variant*: each backend × prompt style × seed. The paper compared
gpt-4o-mini with Llama-3.1-8B-Instruct; here the default is offline, so the variants are the
surrogate with the two prompt styles (`paper`, the v1 structure, and `compact`) and several
seeds — they show how much of a result is noise and wording rather than the model.

**A live comparison needs keys.** Set `backends` to a list such as
`["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest",
"openai-compatible/llama-3.1-8b-instruct@http://localhost:8000/v1"]`; keys are read from the
environment (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`), never written anywhere. Set `store` to a
SQLite path to record every call, so others can replay the run with `backend="replay:<store>"`
and no keys. Costs below use list prices per million tokens from `econsim.llm`; for the surrogate
they show what the *same token counts* would cost on the listed models.

**What is reported.** Welfare per tax year per variant; final per-bracket rates; and the
reliability of the LLM layer: parse failures (re-asked), fallbacks (action kept after repeated
failures), tokens per call, latency and cost.
"""),
    params("""
# Parameters (papermill overrides these; see notebooks/profiles.yaml)
backend: str = "surrogate"  # the reference backend, always run
backends: list = []  # more backends to compare, e.g. ["openai/gpt-4o-mini"]; needs keys
prompt_styles: list = ["paper", "compact"]  # prompt wordings compared for every backend
n_agents: int = 5  # workers; the paper default is 5
n_steps: int = 1000  # steps per run; 40 tax years at K 25
K: int = 25  # steps per tax year
H: int = 50  # history window shown in prompts (steps)
seed: int = 42  # first seed; replicate runs use seed, seed + 1, ...
n_seeds: int = 3  # replicate runs per backend and prompt style
tax_preset: str = "us_federal_2024"  # the seven US brackets
utility: str = "paper"  # labour-cost preset: "paper" (v1 constants) or "calibrated"
objective: str = "paper_swf"  # welfare function the planner maximises
second_metric: str = "inverse_income"  # normalised welfare metric plotted beside it
final_years: int = 10  # tax years at the end of a run that count as converged
price_models: list = ["gpt-4o-mini", "claude-3-5-haiku"]  # models whose list prices we apply
store: str = ""  # SQLite call store to record into, empty for none
results_dir: str = "results/05_backend_comparison"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures
"""),
    code("""import time

import pandas as pd
from IPython.display import display

from econsim import analysis
from econsim.figures.backends import plot_reliability
from econsim.figures.simruns import plot_bracket_rates, plot_swf_over_time
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.simulation import SimConfig
from econsim.tax import TAX_PRESETS

started = time.time()
parameters = dict(backend=backend, backends=backends, prompt_styles=prompt_styles,
                  n_agents=n_agents, n_steps=n_steps, K=K, H=H, seed=seed, n_seeds=n_seeds,
                  tax_preset=tax_preset, utility=utility, objective=objective,
                  second_metric=second_metric, final_years=final_years,
                  price_models=price_models, store=store)
results = output_dir(results_dir)
outputs = []
all_backends = list(dict.fromkeys([backend, *backends]))
base = SimConfig(scenario="rational", worker="llm", planner="llm", n_agents=n_agents,
                 n_steps=n_steps, K=K, H=H, tax_preset=tax_preset, utility=utility,
                 objective=objective, store=store or None)
variants = {f"{b} · {p} · seed {seed + i}": {"backend": b, "prompt_style": p, "seed": seed + i}
            for b in all_backends for p in prompt_styles for i in range(n_seeds)}
note = f"N = {n_agents}, {n_steps} steps, K = {K}; backends: {', '.join(all_backends)}"
provenance = backend if not backends else "several (see legend)"
"""),
    code("""runs = analysis.run_variants(base, variants)
runs.runs_table().to_csv(results / "runs.csv", index=False)
outputs.append("runs.csv")
display(runs.runs_table(timings=True)[["variant", "status", "wall_time_s", "calls", "fallbacks"]])
"""),
    md("""## Welfare per variant

One line per variant (backend · prompt style · seed). Variants of one backend that differ only
in seed show the run-to-run noise of the learner; a difference between prompt styles larger than
that noise means the wording matters.
"""),
    code("""metrics = [objective, second_metric]
years = analysis.tax_year_means(runs.steps, metrics)
years.to_csv(results / "tax_years.csv", index=False, float_format="%.8g")
final = analysis.final_metrics(runs.steps, [*metrics, "mean_labour"], final_years)
final.to_csv(results / "final_metrics.csv", index=False, float_format="%.8g")
outputs += ["tax_years.csv", "final_metrics.csv"]
fig = plot_swf_over_time(years, metrics, group="variant", backend=provenance, note=note,
                         title="The same experiment per backend, prompt style and seed",
                         legend_title="variant")
outputs += save_figure(fig, "05_swf_by_variant", figures_dir)
"""),
    md("""## Final per-bracket rates per variant
"""),
    code("""rates = analysis.final_rates(runs.steps, TAX_PRESETS.get(tax_preset).cutoffs, final_years)
rates.to_csv(results / "final_rates.csv", index=False, float_format="%.6g")
outputs.append("final_rates.csv")
fig = plot_bracket_rates(rates, group="variant", backend=provenance, note=note,
                         title=f"LLM planner's rates over the last {final_years} tax years")
outputs += save_figure(fig, "05_bracket_rates", figures_dir)
"""),
    md("""## Reliability, tokens and cost

Parse failures are replies that did not validate against the JSON schema (they are re-asked with
the validation error); fallbacks are calls that still failed after the re-asks, where the agent
keeps its previous action. Token counts come from the backend (the surrogate estimates them
from the prompt text).
"""),
    code("""reliability = analysis.reliability_table(runs, price_models)
reliability.to_csv(results / "reliability.csv", index=False, float_format="%.6g")
outputs.append("reliability.csv")
fig = plot_reliability(reliability, backend=provenance, note=note)
outputs += save_figure(fig, "05_reliability", figures_dir)
display(reliability.drop(columns=["backend", "prompt_style", "seed"]).round(4))
"""),
    md("""## What this run shows
"""),
    code("""obj = final[final.metric == objective].set_index("variant")["mean"]
sec = final[final.metric == second_metric].set_index("variant")["mean"]
style = {v: runs.configs[v].prompt_style for v in runs.configs}
be = {v: runs.configs[v].backend for v in runs.configs}
claims = []
for b in all_backends:
    for p in prompt_styles:
        keys = [v for v in variants if be[v] == b and style[v] == p]
        print(f"{b}, {p} prompts: {second_metric} in the last {final_years} tax years "
              f"{sec[keys].min():,.0f} to {sec[keys].max():,.0f} over {len(keys)} seed(s)")
spread = sec.groupby(pd.Series(style)).mean()
noise = sec.groupby([pd.Series(be), pd.Series(style)]).std().mean()
print(f"difference between prompt styles (means): {spread.max() - spread.min():,.0f}; "
      f"mean seed-to-seed standard deviation: {noise:,.0f}")
# the surrogate acts on the same facts in both styles, so offline the test cannot fail
only_surrogate = all(b == "surrogate" for b in all_backends)
claims.append(analysis.claim_row(
    "Results are robust to prompt style (beyond the paper)",
    f"{second_metric}: gap between prompt-style means vs seed-to-seed standard deviation",
    f"gap {spread.max() - spread.min():,.0f} vs sd {noise:,.0f}"
    + ("; the offline surrogate reads both styles to the same decisions, so only a language "
       "model can test this" if only_surrogate else ""),
    None if pd.isna(noise) or only_surrogate else bool(spread.max() - spread.min() <= 2 * noise),
    provenance, "05_backend_comparison"))
r = reliability
print(f"parse failures {r.parse_failures.sum()} and fallbacks {r.fallbacks.sum()} in "
      f"{r.calls.sum():,} calls; {r.input_tokens_per_call.mean():,.0f} input tokens per call")
for m in price_models:
    col = f"cost_at_{m}_usd"
    if col in r:
        print(f"at {m} list prices one such run would cost about ${r[col].mean():,.2f}")
pd.DataFrame(claims).to_csv(results / "claims.csv", index=False)
outputs.append("claims.csv")
""" + MANIFEST.format(stem="05_backend_comparison")),
]

# --------------------------------------------------------------------------------------------
# 07 tax-year ablation
# --------------------------------------------------------------------------------------------
NB07 = [
    md("""# 07 · How long should a tax year be? (K ablation, the Lucas critique)

**What is simulated.** The rational-worker game of notebook 02 with tax years of
$K \\in \\{5, 10, 25, 50, 100\\}$ steps, always for 20 tax years (so runs have 100 … 2,000 steps),
as in the released code's tax-year experiments. The planner changes rates once per tax year;
workers then need some steps to re-learn their best hours.

**Why it matters.** The *Lucas critique*: behaviour estimated under one policy changes when the
policy changes. A planner that evaluates a new schedule before workers have re-adapted judges it
on the wrong behaviour. Short tax years give the planner more decisions but noisier feedback.

**What is shown.** Left: welfare in the last tax years against $K$ (mean and range over seeds).
Right: after each rate change, the share of workers within `tolerance_hours` of their *new* best
response, against steps since the change — the labour response lag.

**Utility preset.** This notebook defaults to the `calibrated` preset: under the paper's constants
most workers' best response is the 100-hour cap whatever the rates, so there would be nothing to
re-adapt to. Set `utility = "paper"` to see the paper's setting.
"""),
    params("""
# Parameters (papermill overrides these; see notebooks/profiles.yaml)
backend: str = "surrogate"  # LLM backend: "surrogate" (offline stand-in), "openai/<model>", ...
prompt_style: str = "paper"  # prompt wording: "paper" (v1 structure) or "compact"
n_agents: int = 10  # workers
K_values: list = [5, 10, 25, 50, 100]  # tax-year lengths compared (steps)
n_tax_years: int = 20  # tax years per run
n_steps: int = 0  # fixed episode length for every K; 0 means K times n_tax_years
H: int = 50  # history window shown in prompts (steps)
seed: int = 42  # first seed; replicate runs use seed, seed + 1, ...
n_seeds: int = 2  # replicate runs per K
tax_preset: str = "us_federal_2024"  # the seven US brackets
utility: str = "calibrated"  # "calibrated": best responses move with the rates; "paper": most sit at 100 h
objective: str = "paper_swf"  # welfare function the planner maximises
second_metric: str = "inverse_income"  # normalised welfare metric plotted beside it
final_years: int = 5  # tax years at the end of a run that count as converged
tolerance_hours: float = 10.0  # hours within which a choice counts as the best response
lag_level: float = 0.8  # share of workers at the best response that ends the lag
results_dir: str = "results/07_tax_year_ablation"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures
"""),
    code("""import time

import pandas as pd
from IPython.display import display

from econsim import analysis
from econsim.figures.tax_year import plot_k_ablation
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.simulation import SimConfig

started = time.time()
parameters = dict(backend=backend, prompt_style=prompt_style, n_agents=n_agents,
                  K_values=K_values, n_tax_years=n_tax_years, n_steps=n_steps, H=H, seed=seed,
                  n_seeds=n_seeds, tax_preset=tax_preset, utility=utility, objective=objective,
                  second_metric=second_metric, final_years=final_years,
                  tolerance_hours=tolerance_hours, lag_level=lag_level)
results = output_dir(results_dir)
outputs = []
base = SimConfig(scenario="rational", worker="llm", planner="llm", backend=backend,
                 prompt_style=prompt_style, n_agents=n_agents, H=H, tax_preset=tax_preset,
                 utility=utility, objective=objective)
variants = {f"K = {k} · seed {seed + i}": {"K": k, "n_steps": n_steps or k * n_tax_years,
                                           "seed": seed + i}
            for k in K_values for i in range(n_seeds)}
note = f"N = {n_agents} LLM workers, {n_tax_years} tax years per K, {n_seeds} seed(s)"
"""),
    md(BACKEND_HELP.format(stem="07_tax_year_ablation")),
    code("""runs = analysis.run_variants(base, variants)
runs.runs_table().to_csv(results / "runs.csv", index=False)
outputs.append("runs.csv")
display(runs.runs_table(timings=True)[["variant", "n_steps", "status", "wall_time_s", "calls"]])
"""),
    code("""metrics = [objective, second_metric]
final = analysis.final_metrics(runs.steps, [*metrics, "mean_labour"], final_years, by=["K"])
final.to_csv(results / "final_metrics.csv", index=False, float_format="%.8g")
br = analysis.best_response_columns(runs.agents, runs.steps, runs.skills, runs.configs)
k_of = {v: cfg.K for v, cfg in runs.configs.items()}
curve = analysis.adaptation_curve(br, runs.steps, k_of, tolerance_hours, by=["K"])
curve.to_csv(results / "adaptation_curve.csv", index=False, float_format="%.6g")
lag = analysis.adaptation_lag(curve, lag_level, by=["K"])
lag.to_csv(results / "adaptation_lag.csv", index=False, float_format="%.6g")
outputs += ["final_metrics.csv", "adaptation_curve.csv", "adaptation_lag.csv"]
fig = plot_k_ablation(final, curve, metrics, tolerance=tolerance_hours, backend=backend,
                      note=note)
outputs += save_figure(fig, "07_k_ablation", figures_dir)
display(final.pivot(index="K", columns="metric", values="mean"))
display(lag)
"""),
    md("""## What this run shows
"""),
    code("""claims = []
sec = final[final.metric == second_metric].set_index("K")["mean"]
best_k = int(sec.idxmax())
print(f"{second_metric} in the last {final_years} tax years is highest at K = {best_k} "
      f"({sec.max():,.0f}) and lowest at K = {int(sec.idxmin())} ({sec.min():,.0f})")
for row in lag.itertuples():
    lag_text = "never" if pd.isna(row.lag_steps) else f"{row.lag_steps:.0f} steps"
    print(f"K = {row.K}: {lag_level:.0%} of workers back at their best response after "
          f"{lag_text} ({row.n_changes} rate changes; {row.final_share:.0%} by year end)")
claims.append(analysis.claim_row(
    "Workers re-adapt within a tax year (beyond the paper)",
    f"steps after a rate change until {lag_level:.0%} of workers are within "
    f"{tolerance_hours:g} h of the new best response",
    "; ".join(f"K={r.K}: {'never' if pd.isna(r.lag_steps) else int(r.lag_steps)}"
              for r in lag.itertuples()),
    bool(lag.lag_steps.notna().all()) if len(lag) else None, backend,
    "07_tax_year_ablation"))
pd.DataFrame(claims).to_csv(results / "claims.csv", index=False)
outputs.append("claims.csv")
""" + MANIFEST.format(stem="07_tax_year_ablation")),
]

# --------------------------------------------------------------------------------------------
# 08 welfare and elasticity
# --------------------------------------------------------------------------------------------
NB08 = [
    md("""# 08 · The elasticity of taxable income is not constant — and the winner depends on the welfare function

**What is computed.** Two questions the paper's setup raises but does not answer.

1. **Elasticity.** Saez's formula $\\tau = (1-G)/(1-G+a\\,e)$ needs the elasticity of taxable
   income $e$. The paper's baselines plug in constants (0.4, Gruber–Saez by bracket, 3.0). We
   *measure* it on rational workers: move a rate by ±5 pp, let everyone best-respond, and take the
   arc elasticity of the taxed income. With an interior optimum $e = 1/(\\delta-1) = 0.4$ exactly;
   but workers at the 100-hour cap or at zero hours do not respond, so the measured $e$ moves
   with the rate. An *empirical-elasticity Saez* planner uses the measured values.
2. **Which planner wins?** With rational workers (so the planner is the only learner), every
   planner — LLM, Saez, empirical Saez, US federal, Stackelberg — is run under every welfare
   function as the objective, for the paper's and the calibrated utility. A planner "wins" an
   objective when its welfare over the last tax years is the highest.

**Reductions vs the paper.** The winner table uses rational workers, `n_agents` = 100 and
1,000 steps per run (one seed) to fit the time budget.
"""),
    params("""
# Parameters (papermill overrides these; see notebooks/profiles.yaml)
backend: str = "surrogate"  # LLM backend of the LLM planner: "surrogate" (offline stand-in), ...
prompt_style: str = "paper"  # prompt wording: "paper" (v1 structure) or "compact"
n_agents: int = 100  # rational workers in the winner table runs
n_steps: int = 1000  # steps per run; 40 tax years at K 25
K: int = 25  # steps per tax year
seed: int = 42  # seeds the populations and the surrogate
utilities: list = ["paper", "calibrated"]  # labour-cost presets compared
objectives: list = ["paper_swf", "inverse_income", "utilitarian", "rawlsian", "atkinson", "equality_productivity"]  # welfare functions
planners: list = ["llm", "saez", "saez_empirical", "us_federal", "stackelberg"]  # planners compared
elasticity: float = 0.4  # constant elasticity of the plain Saez planner
n_skills: int = 5000  # workers sampled for the elasticity curves
n_rates: int = 20  # points on the flat-rate grid from 0 to 95 %
final_years: int = 10  # tax years at the end of a run that count as converged
results_dir: str = "results/08_welfare_elasticity"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures
"""),
    code("""import time

import numpy as np
import pandas as pd
from IPython.display import display

from econsim import analysis
from econsim.figures.elasticity import plot_elasticity_curve, plot_winner_table
from econsim.figures.simruns import plot_bracket_rates
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.simulation import SimConfig
from econsim.skills import sample_skills
from econsim.tax import TAX_PRESETS

started = time.time()
parameters = dict(backend=backend, prompt_style=prompt_style, n_agents=n_agents, n_steps=n_steps,
                  K=K, seed=seed, utilities=utilities, objectives=objectives, planners=planners,
                  elasticity=elasticity, n_skills=n_skills, n_rates=n_rates,
                  final_years=final_years)
results = output_dir(results_dir)
outputs = []
skills = sample_skills(n_skills, np.random.default_rng(seed))
statutory = list(TAX_PRESETS.get("us_federal_2024").statutory_rates)
"""),
    md(BACKEND_HELP.format(stem="08_welfare_elasticity")),
    md("""## 1. The implied elasticity along flat rates

Each point: the arc elasticity of total taxable income when a flat rate moves by ±5 pp, every
worker best-responding on the labour menu. The dotted line is the textbook constant
$1/(\\delta-1) = 0.4$ for interior optima. Right: the share of workers pinned at 100 hours, who
cannot respond to a rate change at all.
"""),
    code("""rates_grid = np.round(np.linspace(0.0, 0.95, n_rates), 4)
curve = analysis.elasticity_curve(skills, utilities, rates_grid)
curve.to_csv(results / "elasticity_curve.csv", index=False, float_format="%.6g")
outputs.append("elasticity_curve.csv")
fig = plot_elasticity_curve(curve, backend="none", note=f"{n_skills:,} rational workers")
outputs += save_figure(fig, "08_elasticity_curve", figures_dir)
display(curve.groupby("utility").elasticity.describe()[["min", "50%", "max"]])
"""),
    md("""## 2. Saez rates with constant vs measured elasticities

Saez rates on the seven US brackets, evaluated on the incomes rational workers earn under the
statutory rates, for the paper's constant elasticities and for the per-bracket elasticities we
measure at the statutory rates. A measured $e$ near zero (no behavioural response) sends the
Saez rate towards 100 %.
"""),
    code("""saez_tables = []
for utility in utilities:
    t = analysis.saez_by_elasticity(skills, "us_federal_2024", utility,
                                    {"0.4": 0.4, "Gruber-Saez": "gruber_saez", "3.0": 3.0},
                                    empirical_at=statutory)
    saez_tables.append(t.assign(utility=utility))
saez = pd.concat(saez_tables, ignore_index=True)
saez.to_csv(results / "saez_by_elasticity.csv", index=False, float_format="%.6g")
el = analysis.bracket_elasticities(skills, "us_federal_2024", utilities, {"US federal 2024": statutory})
el.to_csv(results / "bracket_elasticities.csv", index=False, float_format="%.6g")
outputs += ["saez_by_elasticity.csv", "bracket_elasticities.csv"]
for utility in utilities:
    fig = plot_bracket_rates(saez[saez.utility == utility], backend="none",
                             note=f"{n_skills:,} rational workers, '{utility}' utility",
                             title=f"Saez rates by elasticity ('{utility}' utility)")
    outputs += save_figure(fig, f"08_saez_elasticities_{utility}", figures_dir)
display(el.pivot(index="bracket", columns="utility", values="elasticity").round(3))
"""),
    md("""## 3. Which planner wins under which welfare function?

One run per utility × objective × planner with rational workers. Saez, empirical Saez and US
federal do not depend on the objective (they are scored under each), so they are run once per
utility preset; the LLM planner and the Stackelberg optimum are run once per objective. Cells are
each planner's welfare over the last tax years divided by the best planner's (1.00 = winner,
outlined in red).
"""),
    code("""base = SimConfig(scenario="rational", worker="rational", backend=backend,
                 prompt_style=prompt_style, n_agents=n_agents, n_steps=n_steps, K=K, seed=seed,
                 elasticity=elasticity)
fixed = [p for p in planners if p not in ("llm", "stackelberg")]
learned = [p for p in planners if p in ("llm", "stackelberg")]
variants = {f"{u} · {p}": {"utility": u, "planner": p} for u in utilities for p in fixed}
variants |= {f"{u} · {p} · {o}": {"utility": u, "planner": p, "objective": o}
             for u in utilities for p in learned for o in objectives}
runs = analysis.run_variants(base, variants, keep_agents=False)
runs.runs_table().to_csv(results / "runs.csv", index=False)
outputs.append("runs.csv")
scores = analysis.final_metrics(runs.steps, objectives, final_years, by=["variant"])
scores["utility"] = scores.variant.map({v: c.utility for v, c in runs.configs.items()})
scores["planner"] = scores.variant.map({v: c.planner for v, c in runs.configs.items()})
scores["optimised"] = scores.variant.map({v: c.objective for v, c in runs.configs.items()})
own = scores.planner.isin(fixed) | (scores.metric == scores.optimised)
winners = (scores[own].rename(columns={"metric": "objective", "mean": "value"})
           [["utility", "objective", "planner", "value"]])
winners.to_csv(results / "winner_table.csv", index=False, float_format="%.8g")
outputs.append("winner_table.csv")
fig = plot_winner_table(winners, backend=backend,
                        note=f"N = {n_agents} rational workers, {n_steps} steps, K = {K}")
outputs += save_figure(fig, "08_winner_table", figures_dir)
best = winners.loc[winners.groupby(["utility", "objective"]).value.idxmax()]
display(best.pivot(index="objective", columns="utility", values="planner"))
"""),
    md("""## What this run shows
"""),
    code("""claims = []
for utility in utilities:
    c = curve[curve.utility == utility]
    claims.append(analysis.claim_row(
        "The elasticity of taxable income is constant (an assumption of the baselines)",
        f"'{utility}' utility: arc elasticity along flat rates 0 to {rates_grid[-1]:.0%}",
        f"from {c.elasticity.min():.2f} to {c.elasticity.max():.2f}",
        bool(c.elasticity.max() - c.elasticity.min() < 0.1), "none (exact)",
        "08_welfare_elasticity"))
    print(claims[-1]["test"], "->", claims[-1]["finding"], "->", claims[-1]["verdict"])
table = winners.pivot_table(index=["utility", "objective"], columns="planner", values="value")
for utility in utilities:
    b = best[best.utility == utility].set_index("objective").planner
    print(f"'{utility}' utility, winners: " + ", ".join(
        f"{o}: {analysis.PLANNER_LABELS[p]}" for o, p in b.items()))
    if {"llm", "saez"} <= set(planners):
        t = table.loc[utility]
        beats = t.index[t["llm"] > t["saez"]].tolist()
        claims.append(analysis.claim_row(
            "C2 LLM planner improves welfare over Saez",
            f"'{utility}' utility, rational workers, each objective optimised by the LLM "
            "planner vs Saez", f"LLM planner ahead under {len(beats)} of {len(t)} objectives "
            f"({', '.join(beats) or 'none'}); it wins outright under {int((b == 'llm').sum())}",
            bool(len(beats) > len(t) / 2), backend, "08_welfare_elasticity"))
        print(claims[-1]["finding"], "->", claims[-1]["verdict"])
pd.DataFrame(claims).to_csv(results / "claims.csv", index=False)
outputs.append("claims.csv")
""" + MANIFEST.format(stem="08_welfare_elasticity")),
]

# --------------------------------------------------------------------------------------------
# 09 classroom
# --------------------------------------------------------------------------------------------
NB09 = [
    md("""# 09 · Classroom: design a tax schedule and watch the economy respond

A sandbox for teaching mechanism design with the LLM-Economist model. A population of workers
drawn from the ACS 2023 income prior chooses weekly hours from {0, 10, …, 100}. You set the
marginal rate of every bracket; tax revenue is rebated equally to everyone; each worker picks the
hours that maximise its utility $u = z - T(z) + R - c\\,l^{\\delta}$ (post-tax income minus the
cost of work). Here workers are **rational** — they play their exact best response, computed by
`econsim.best_response` — so every change you make shows its effect instantly. (The other
notebooks replace them by agents that must *learn* their best response in context.)

**The controls** (run the notebook in Jupyter): one slider per bracket (marginal rate in %), the
utility preset (`paper`: the paper's constants, under which most workers would like to work more
than 100 hours; `calibrated`: the median worker chooses about 40 h when untaxed) and the welfare
function used to score the schedule.

**The four panels.** Labour against skill (who stops working when?); the tax owed along income
with every worker as a dot (revenue per worker = the rebate); the distribution of pre- and
post-tax incomes (redistribution); and welfare of your schedule against no tax and US federal 2024.

Headless runs (`make figures`, papermill) build the widgets and save a static figure for the
default values.
"""),
    params("""
# Parameters (papermill overrides these; see notebooks/profiles.yaml)
n_agents: int = 2000  # rational workers sampled from the ACS 2023 income prior
seed: int = 42  # seeds the population sample
tax_preset: str = "us_federal_2024"  # brackets: "flat", "three" or "us_federal_2024"
rates: list = [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37]  # starting marginal rates as fractions
utility: str = "calibrated"  # labour-cost preset: "paper" or "calibrated"
welfare: str = "utilitarian"  # welfare function that scores the schedule
n_flat_rates: int = 101  # points on the flat-rate grid used by the exercise answers
results_dir: str = "results/09_classroom"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures
"""),
    code("""import time

import numpy as np
import pandas as pd
from IPython.display import display

from econsim import analysis
from econsim.figures.classroom import (classroom_app, classroom_figure, flat_rate_answers,
                                       plot_exercises)
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.skills import sample_skills

started = time.time()
parameters = dict(n_agents=n_agents, seed=seed, tax_preset=tax_preset, rates=rates,
                  utility=utility, welfare=welfare, n_flat_rates=n_flat_rates)
results = output_dir(results_dir)
outputs = []
skills = sample_skills(n_agents, np.random.default_rng(seed))
"""),
    md("""## The sandbox

Move the sliders. Things to notice: with the `paper` utility almost nobody reacts to rates below
~90 % (they are at the 100-hour cap); with `calibrated` utility hours fall smoothly as rates rise.
A high rate on the *first* bracket is paid by everyone but returned to everyone by the rebate.
"""),
    code("""app = classroom_app(skills, tax_preset, rates, utility, welfare)
display(app)
"""),
    md("""The same four panels for the default values, saved as a figure (this is what a headless
run produces):
"""),
    code("""fig = classroom_figure(skills, tax_preset, rates, utility, welfare)
outputs += save_figure(fig, "09_classroom", figures_dir)
"""),
    md("""## Exercises

1. **The revenue-maximising flat rate.** Set every bracket to the same rate and find the rate
   that collects the most revenue per worker (the top of the *Laffer curve*). Why is it not
   100 %? How does the answer differ between the two utility presets?
2. **Why does $\\sum_i u_i/\\max(z_i,1)$ reward confiscation?** Choose the `paper_swf` welfare
   function and raise a flat rate towards 100 %. Which workers stop working, what weight does
   an idle worker get, and what is its utility?
3. **Why does Saez depend on the elasticity?** The Saez top rate is $1/(1 + a\\,e)$ when society
   puts no weight on top earners. Compute it for $e$ = 0.1, 0.4, 1 and 3. What does a large $e$
   say about how workers respond, and why does that lower the optimal rate?

The answers, computed by econsim, are in the collapsed cells below (expand them after trying).
"""),
    hidden("""curves, answers = flat_rate_answers(skills, ["paper", "calibrated"], n_flat_rates)
answers.to_csv(results / "exercise_answers.csv", index=False, float_format="%.6g")
outputs.append("exercise_answers.csv")
for row in answers.itertuples():
    print(f"1. '{row.utility}' utility: revenue is highest at a flat rate of "
          f"{row.revenue_max_rate:.0%} (${row.max_revenue_per_worker:,.0f} per worker); "
          f"mean utility is highest at {row.utilitarian_max_rate:.0%}.")
for row in answers.itertuples():
    print(f"2. '{row.utility}' utility: the paper SWF peaks at a flat rate of "
          f"{row.paper_swf_max_rate:.0%}, where {row.idle_share_at_paper_swf_max:.0%} of "
          "workers choose 0 hours: each idle worker has weight 1 and utility equal to the "
          "rebate, instead of a weight of about 1/z.")
"""),
    hidden("""saez = analysis.saez_by_elasticity(skills, tax_preset, utility,
                                  {"0.1": 0.1, "0.4": 0.4, "1": 1.0, "3": 3.0})
saez.to_csv(results / "saez_by_elasticity.csv", index=False, float_format="%.6g")
outputs.append("saez_by_elasticity.csv")
top = saez[saez.bracket == saez.bracket.max()]
print("3. Saez top-bracket rate: " + ", ".join(
    f"{r.schedule.replace('Saez ', '')}: {r.rate:.0%}" for r in top.itertuples())
      + ". A larger elasticity means taxable income shrinks more when the rate rises, so "
      "each point of tax costs more revenue and the optimal rate falls.")
fig = plot_exercises(curves, saez)
outputs += save_figure(fig, "09_exercises", figures_dir)
write_manifest(results, experiment="09_classroom", config=parameters,
               outputs=[str(o) for o in outputs], started=started, backend="none (exact)")
"""),
]


NOTEBOOKS = {"02": ("02_rational_icrl", NB02), "03": ("03_bounded_personas", NB03),
             "04": ("04_democratic", NB04),
             "05": ("05_backend_comparison", NB05), "07": ("07_tax_year_ablation", NB07),
             "08": ("08_welfare_elasticity", NB08),
             "09": ("09_classroom", NB09)}

if __name__ == "__main__":
    wanted = sys.argv[1:] or list(NOTEBOOKS)
    for key in wanted:
        stem, cells = NOTEBOOKS[key]
        for i, cell in enumerate(cells):
            cell["id"] = f"{key}-{i:02d}"  # stable ids: regenerating gives identical files
        nb = nbf.v4.new_notebook(cells=cells, metadata=KERNEL)
        nbf.write(nb, f"notebooks/{stem}.ipynb")
        print(f"wrote notebooks/{stem}.ipynb")
